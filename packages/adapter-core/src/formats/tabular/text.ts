import {
  DateUnit,
  TimeUnit,
  Type,
  type DataType,
  type Date_,
  type Dictionary,
  type Int,
  type Timestamp,
} from 'apache-arrow';

/**
 * Text forms of flat Arrow cell values for text-based formats (csv, and excel where a cell type cannot
 * hold the value exactly). Every form reads back to the identical value: floats keep -0, NaN and ±Infinity,
 * 64-bit integers and timestamps are exact to their unit, and dates/timestamps are ISO 8601 so other tools
 * (DuckDB, spreadsheets) read them as dates.
 */

const UNITS_PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n,
  [TimeUnit.MILLISECOND]: 1000n,
  [TimeUnit.MICROSECOND]: 1_000_000n,
  [TimeUnit.NANOSECOND]: 1_000_000_000n,
};
const FRACTION_DIGITS: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: 0,
  [TimeUnit.MILLISECOND]: 3,
  [TimeUnit.MICROSECOND]: 6,
  [TimeUnit.NANOSECOND]: 9,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

// Howard Hinnant's civil-from-days: exact for any day number, unlike Date (limited to ±275k years).
function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

function formatDay(days: number): string {
  const [y, m, d] = civilFromDays(days);
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 4);
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** ISO 8601 text of a raw timestamp value in `unit` (with `Z` when `utc`). */
export function formatTimestamp(raw: bigint, unit: TimeUnit, utc: boolean): string {
  const ups = UNITS_PER_SECOND[unit];
  const secs = floorDiv(raw, ups);
  const frac = raw - secs * ups;
  const days = floorDiv(secs, 86400n);
  const sod = Number(secs - days * 86400n);
  const digits = FRACTION_DIGITS[unit];
  const time = `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`;
  return `${formatDay(Number(days))}T${time}${digits ? '.' + pad(frac, digits) : ''}${utc ? 'Z' : ''}`;
}

const ISO = /^([+-]?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z)?$/;

/** Inverse of {@link formatTimestamp} (also accepts a bare date); `undefined` when the text is not ISO 8601. */
export function parseTimestamp(text: string, unit: TimeUnit): bigint | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const days = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  const secs = days * 86400n + BigInt(Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0));
  const ups = UNITS_PER_SECOND[unit];
  const fracText = (m[7] ?? '').padEnd(9, '0');
  const frac = BigInt(fracText.slice(0, FRACTION_DIGITS[unit]) || '0');
  return secs * ups + frac;
}

/** Text form of a float that reads back to the same number (-0, NaN, ±Infinity included). */
export function formatFloat(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** True for the flat types {@link cellToText} / {@link textToCell} handle. */
export function isTextType(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Null:
    case Type.Bool:
    case Type.Int:
    case Type.Float:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Date:
    case Type.Timestamp:
      return true;
    case Type.Dictionary:
      return [Type.Utf8, Type.LargeUtf8].includes((type as Dictionary).dictionary.typeId);
    default:
      return false;
  }
}

/** Text of one non-null cell value as given by `columnValues`. */
export function cellToText(type: DataType, value: unknown): string {
  switch (type.typeId) {
    case Type.Float:
      return formatFloat(value as number);
    case Type.Date:
      return (type as Date_).unit === DateUnit.DAY
        ? formatDay(value as number)
        : formatTimestamp(value as bigint, TimeUnit.MILLISECOND, true);
    case Type.Timestamp:
      return formatTimestamp(value as bigint, (type as Timestamp).unit, (type as Timestamp).timezone != null);
    default:
      return String(value);
  }
}

/** Inverse of {@link cellToText}; `undefined` when the text is not a valid value of the type. */
export function textToCell(type: DataType, text: string): unknown {
  switch (type.typeId) {
    case Type.Bool:
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case Type.Int: {
      if (!/^-?\d+$/.test(text)) return undefined;
      if ((type as Int).bitWidth === 64) return BigInt(text);
      return Number(text);
    }
    case Type.Float: {
      const n = Number(text);
      return text.trim() === '' || (Number.isNaN(n) && text !== 'NaN') ? undefined : n;
    }
    case Type.Date: {
      if ((type as Date_).unit === DateUnit.DAY) {
        const raw = parseTimestamp(text, TimeUnit.SECOND);
        return raw === undefined ? undefined : Number(floorDiv(raw, 86400n));
      }
      return parseTimestamp(text, TimeUnit.MILLISECOND);
    }
    case Type.Timestamp:
      return parseTimestamp(text, (type as Timestamp).unit);
    default:
      return text;
  }
}
