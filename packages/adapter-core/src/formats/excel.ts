import {
  DateUnit,
  Table,
  TimeUnit,
  Type,
  type DataType,
  type Date_,
  type Int,
  type Timestamp,
} from 'apache-arrow';
import ExcelJS from 'exceljs';
import { FormatError } from '../errors.js';
import type { FormatContext, ResultFormat } from './result-format.js';
import { buildColumn, columnValues } from './tabular/columns.js';
import { assertUniqueNames, flatTypeProblem } from './tabular/flat.js';
import { isRecordArray } from './tabular/records.js';
import { cellToText, textToCell } from './tabular/text.js';
import {
  assertSchema,
  conformToSchema,
  fromTable,
  isArrowTable,
  schemaFromMeta,
  schemaToMeta,
  toTable,
  type TabularInput,
} from './tabular/tabular.js';

/** Excel's own limits (rows include the header row). */
const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;
const MAX_CELL_CHARS = 32_767;
/** Sheet name used when a single table is stored. */
export const DEFAULT_SHEET = 'Sheet1';

// Excel serial dates before 1900-03-01 hit its 1900 leap-year bug and negative serials show as ####:
// such timestamps (and those past 9999) are written as ISO text instead of date cells.
const FIRST_DATE_MS = Date.UTC(1900, 2, 1);
const LAST_DATE_MS = Date.UTC(10000, 0, 1) - 1;
const MS_PER_DAY = 86_400_000n;

/** One stored sheet: its name, what was given (records or Arrow) and the exact schema. */
interface SheetMeta {
  name: string;
  input: TabularInput['input'];
  schema: string;
  /** Row count: trailing all-null rows leave no trace in the sheet itself. */
  rows: number;
}

type Cell = string | number | boolean | Date | null;

// OOXML strings escape characters XML 1.0 cannot carry (and \r, which XML parsers turn into \n) as
// _xHHHH_; a literal "_xHHHH_" in the text escapes its underscore as _x005F_. exceljs undoes both on read.
const NEEDS_ESCAPE = /_x[0-9A-Fa-f]{4}_|[\u0000-\u0008\u000B\u000C\u000D\u000E-\u001F\uFFFE\uFFFF]/;
function escapeXlsxString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s
    .replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1')
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000D\u000E-\u001F\uFFFE\uFFFF]/g,
      (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
    );
}

function unitsPerMs(unit: TimeUnit): bigint {
  return [1n, 1n, 1000n, 1_000_000n][unit]!;
}

/** Milliseconds of a raw temporal value when it is exact to the millisecond, else undefined. */
function exactMs(type: DataType, raw: unknown): number | undefined {
  if (type.typeId === Type.Date) {
    return (type as Date_).unit === DateUnit.DAY ? (raw as number) * 86_400_000 : Number(raw as bigint);
  }
  const unit = (type as Timestamp).unit;
  const v = raw as bigint;
  if (unit === TimeUnit.SECOND) return Number(v * 1000n);
  const per = unitsPerMs(unit);
  return v % per === 0n ? Number(v / per) : undefined;
}

/** The Excel cell for one non-null value: typed (number, boolean, date, text) wherever that is exact. */
function toCell(type: DataType, raw: unknown): Cell {
  switch (type.typeId) {
    case Type.Bool:
      return raw as boolean;
    case Type.Int:
      if ((type as Int).bitWidth === 64) {
        const b = raw as bigint;
        return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(b)
          : b.toString();
      }
      return raw as number;
    case Type.Float: {
      const n = raw as number;
      // xlsx numbers cannot be NaN or ±Infinity, and "-0" reads back as 0: those are text cells.
      return Number.isFinite(n) && !Object.is(n, -0) ? n : cellToText(type, n);
    }
    case Type.Date:
    case Type.Timestamp: {
      const ms = exactMs(type, raw);
      return ms !== undefined && ms >= FIRST_DATE_MS && ms <= LAST_DATE_MS
        ? new Date(ms)
        : cellToText(type, raw);
    }
    default:
      return escapeXlsxString(String(raw));
  }
}

/** Inverse of {@link toCell}; undefined when the cell does not hold a value of the type. */
function fromCell(type: DataType, cell: unknown): unknown {
  if (
    typeof cell === 'string' &&
    type.typeId !== Type.Utf8 &&
    type.typeId !== Type.LargeUtf8 &&
    type.typeId !== Type.Dictionary
  ) {
    return textToCell(type, cell);
  }
  switch (type.typeId) {
    case Type.Bool:
      return typeof cell === 'boolean' ? cell : undefined;
    case Type.Int:
      if (typeof cell !== 'number') return undefined;
      return (type as Int).bitWidth === 64 ? BigInt(cell) : cell;
    case Type.Float:
      return typeof cell === 'number' ? cell : undefined;
    case Type.Date:
    case Type.Timestamp: {
      if (!(cell instanceof Date)) return undefined;
      const ms = BigInt(cell.getTime());
      if (type.typeId === Type.Date)
        return (type as Date_).unit === DateUnit.DAY ? Number(ms / MS_PER_DAY) : ms;
      const unit = (type as Timestamp).unit;
      return unit === TimeUnit.SECOND ? ms / 1000n : ms * unitsPerMs(unit);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      return typeof cell === 'string' ? cell : undefined;
    default:
      return undefined;
  }
}

function numFmt(type: DataType): string | undefined {
  if (type.typeId === Type.Date && (type as Date_).unit === DateUnit.DAY) return 'yyyy-mm-dd';
  if (type.typeId === Type.Date || type.typeId === Type.Timestamp) return 'yyyy-mm-dd hh:mm:ss.000';
  return undefined;
}

/** Sheet name rules of Excel: 1–31 characters, none of : \ / ? * [ ], no leading/trailing apostrophe. */
function assertSheetName(name: string, ctx: FormatContext): void {
  if (
    name.length === 0 ||
    name.length > 31 ||
    /[:\\/?*[\]]/.test(name) ||
    /^'|'$/.test(name) ||
    name === 'History'
  ) {
    throw new FormatError(
      `excel format: node "${ctx.nodeName}": ${JSON.stringify(name)} is not a valid sheet name ` +
        `(1-31 characters, none of : \\ / ? * [ ], not starting or ending with ', not "History")`,
    );
  }
}

/** The sheets to write: one table, or a Record<sheet name, table> for a workbook with several sheets. */
function sheetsOf(value: unknown, ctx: FormatContext): { single: boolean; sheets: [string, TabularInput][] } {
  if (isArrowTable(value) || Array.isArray(value)) {
    const name = typeof ctx.options?.sheetName === 'string' ? ctx.options.sheetName : DEFAULT_SHEET;
    return { single: true, sheets: [[name, toTable(value, 'excel', ctx)]] };
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([, v]) => isArrowTable(v) || isRecordArray(v))) {
      const seen = new Set<string>();
      return {
        single: false,
        sheets: entries.map(([name, v]) => {
          assertSheetName(name, ctx);
          // Excel compares sheet names case-insensitively.
          if (seen.has(name.toLowerCase())) {
            throw new FormatError(
              `excel format: node "${ctx.nodeName}": two sheets named "${name}" (case-insensitive)`,
            );
          }
          seen.add(name.toLowerCase());
          return [name, toTable(v, 'excel', { ...ctx, nodeName: `${ctx.nodeName}" sheet "${name}` })];
        }),
      };
    }
  }
  throw new FormatError(
    `excel format: node "${ctx.nodeName}" must return an Arrow Table, an array of plain records, or an object ` +
      'mapping sheet names to those',
  );
}

/** Checks a sheet fits Excel before anything is written: flat types, unique names, row/column/cell limits. */
function validateSheet(name: string, { table }: TabularInput, ctx: FormatContext): unknown[][] {
  const sheetCtx = { ...ctx, nodeName: `${ctx.nodeName}" sheet "${name}` };
  assertSchema(table.schema, 'excel', sheetCtx, (t) => flatTypeProblem(t, 'excel'));
  assertUniqueNames(table.schema, 'excel', sheetCtx);
  if (table.numRows + 1 > MAX_ROWS) {
    throw new FormatError(
      `excel format: sheet "${name}" of node "${ctx.nodeName}" has ${table.numRows} rows; Excel holds ${MAX_ROWS - 1} plus the header`,
    );
  }
  if (table.numCols > MAX_COLUMNS) {
    throw new FormatError(
      `excel format: sheet "${name}" of node "${ctx.nodeName}" has ${table.numCols} columns; Excel holds ${MAX_COLUMNS}`,
    );
  }
  const columns = table.schema.fields.map((f) => columnValues(table.getChild(f.name)!));
  table.schema.fields.forEach((f, c) => {
    if (f.name.length > MAX_CELL_CHARS)
      throw new FormatError(
        `excel format: a column name of sheet "${name}" is longer than ${MAX_CELL_CHARS} characters`,
      );
    if (f.type.typeId !== Type.Utf8 && f.type.typeId !== Type.LargeUtf8 && f.type.typeId !== Type.Dictionary)
      return;
    columns[c]!.forEach((v, r) => {
      if (typeof v === 'string' && escapeXlsxString(v).length > MAX_CELL_CHARS) {
        throw new FormatError(
          `excel format: node "${ctx.nodeName}" sheet "${name}" column "${f.name}" row ${r}: text longer than Excel's ${MAX_CELL_CHARS} characters per cell`,
        );
      }
    });
  });
  return columns;
}

/**
 * Excel (.xlsx) through exceljs. Takes an Arrow `Table` or an array of plain records (one sheet, named
 * `options.sheetName` or "Sheet1"), or an object mapping sheet names to those (one sheet each, in key
 * order); gives back the same shape. Row 1 holds the column names. Numbers, booleans and dates are typed
 * cells; values an xlsx cell cannot hold exactly (bigints beyond 2^53, -0, NaN, ±Infinity, dates before
 * 1900-03-01 or with sub-millisecond parts) are ISO/decimal text, read back exactly through the schema kept
 * in `meta`. Null is an empty cell; "" is an empty text cell. Nested types are a `FormatError`.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('excel');
 * const { bytes, meta } = await fmt.encode({ sales: salesTable, notes: [{ text: 'ok' }] }, ctx);
 * await fmt.decode(bytes, meta ?? {}, ctx); // { sales: Table, notes: [{ text: 'ok' }] }
 * ```
 */
export const excelFormat: ResultFormat = {
  name: 'excel',
  extension: 'xlsx',
  async encode(value, ctx) {
    const { single, sheets } = sheetsOf(value, ctx);
    if (single) assertSheetName(sheets[0]![0], ctx);
    const columnsBySheet = sheets.map(([name, input]) => validateSheet(name, input, ctx));

    const workbook = new ExcelJS.Workbook();
    // Fixed dates keep equal results byte-identical (the store is content-addressed).
    workbook.created = workbook.modified = new Date(0);
    workbook.creator = 'dagcache';
    sheets.forEach(([name, { table }], s) => {
      const sheet = workbook.addWorksheet(name);
      const fields = table.schema.fields;
      const columns = columnsBySheet[s]!;
      fields.forEach((f, c) => {
        const fmt = numFmt(f.type);
        if (fmt) sheet.getColumn(c + 1).numFmt = fmt;
      });
      sheet.addRow(fields.map((f) => escapeXlsxString(f.name)));
      for (let r = 0; r < table.numRows; r++) {
        const row: Cell[] = new Array(fields.length);
        for (let c = 0; c < fields.length; c++) {
          const v = columns[c]![r];
          row[c] = v === null ? null : toCell(fields[c]!.type, v);
        }
        sheet.addRow(row);
      }
    });
    const bytes = normalizeZipTimes(new Uint8Array(await workbook.xlsx.writeBuffer()));
    const meta: SheetMeta[] = sheets.map(([name, input]) => ({
      name,
      input: input.input,
      schema: schemaToMeta(input.table.schema),
      rows: input.table.numRows,
    }));
    return { bytes, meta: { layout: single ? 'single' : 'sheets', sheets: JSON.stringify(meta) } };
  },
  async decode(bytes, meta) {
    let sheets: SheetMeta[];
    try {
      sheets = JSON.parse(meta.sheets ?? '') as SheetMeta[];
    } catch {
      throw new FormatError('excel format: stored result has no sheet list in its metadata');
    }
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
    } catch (err) {
      throw new FormatError(`excel format: cannot read stored workbook: ${(err as Error).message}`);
    }
    const out: Record<string, unknown> = {};
    for (const s of sheets) {
      const ws = workbook.getWorksheet(s.name);
      if (!ws) throw new FormatError(`excel format: stored workbook has no sheet "${s.name}"`);
      out[s.name] = fromTable(readSheet(ws, s), { input: s.input });
    }
    return meta.layout === 'single' ? out[sheets[0]!.name] : out;
  },
};

/**
 * The zip exceljs writes stamps every entry with the current time, so equal workbooks would differ in bytes
 * (and be stored twice by the content-addressed store). This sets every entry's DOS time/date, in the local
 * headers and the central directory, to 1980-01-01 00:00. It walks the zip's own directory (no signature
 * scanning inside compressed data); checksums do not cover these fields.
 */
export function normalizeZipTimes(zip: Uint8Array): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: 22 bytes plus a comment of up to 64 KiB at the end.
  let eocd = -1;
  for (let i = zip.byteLength - 22; i >= Math.max(0, zip.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new FormatError('excel format: exceljs wrote a zip without an end-of-central-directory record');
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  let entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  while (entries-- > 0) {
    if (view.getUint32(p, true) !== 0x02014b50)
      throw new FormatError('excel format: unexpected zip central directory');
    view.setUint16(p + 12, DOS_TIME, true);
    view.setUint16(p + 14, DOS_DATE, true);
    const local = view.getUint32(p + 42, true);
    if (view.getUint32(local, true) !== 0x04034b50)
      throw new FormatError('excel format: unexpected zip local header');
    view.setUint16(local + 10, DOS_TIME, true);
    view.setUint16(local + 12, DOS_DATE, true);
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return zip;
}

function readSheet(ws: ExcelJS.Worksheet, s: SheetMeta): Table {
  const schema = schemaFromMeta(s.schema, 'excel');
  const fields = schema.fields;
  if (fields.length === 0) return new Table(schema);
  // getSheetValues: rows[1..] of values[1..] (1-based, sparse).
  const rows = ws.getSheetValues() as unknown as (unknown[] | undefined)[];
  const header = rows[1] ?? [];
  fields.forEach((f, c) => {
    if (header[c + 1] !== f.name) {
      throw new FormatError(
        `excel format: sheet "${s.name}" column ${c + 1} is named ${JSON.stringify(header[c + 1])}, expected "${f.name}"`,
      );
    }
  });
  const numRows = s.rows;
  if (rows.length - 2 > numRows) {
    throw new FormatError(`excel format: sheet "${s.name}" has more rows than the ${numRows} stored`);
  }
  const vectors = fields.map((f, c) => {
    const values = new Array<unknown>(numRows);
    for (let r = 0; r < numRows; r++) {
      const cell = rows[r + 2]?.[c + 1];
      if (cell === null || cell === undefined) {
        values[r] = null;
        continue;
      }
      const v = fromCell(f.type, cell);
      if (v === undefined) {
        throw new FormatError(
          `excel format: sheet "${s.name}" column "${f.name}" row ${r}: cannot read ${JSON.stringify(cell)} as ${String(f.type)}`,
        );
      }
      values[r] = v;
    }
    return [f.name, buildColumn(f.type, values)] as const;
  });
  return conformToSchema(new Table(Object.fromEntries(vectors)), schema, 'excel');
}
