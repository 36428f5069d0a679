/**
 * Plain JavaScript values (rows) → column vectors, validating each value against the schema. Errors name
 * the column path and row.
 */
import { OrcFormatError } from '../errors.js';
import { parseDecimal } from '../rows.js';
import type { OrcType } from '../schema.js';
import type { ColumnVector } from '../vector.js';

const DAY_MS = 86_400_000;
const encoder = new TextEncoder();

const ranges: Record<string, [number, number]> = {
  tinyint: [-128, 127],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
};

/**
 * Builds a column vector of `type` from plain values (`null`/`undefined` are nulls), checking each value.
 *
 * @example
 * ```ts
 * const v = valuesToVector(parseSchema('struct<a:int,b:string>'), [{ a: 1, b: 'x' }, null]);
 * writeOrc(v.type, v);
 * ```
 * @throws OrcFormatError naming the column path and row of a value that does not fit.
 */
export function valuesToVector(type: OrcType, values: readonly unknown[], path = ''): ColumnVector {
  const n = values.length;
  const v: ColumnVector = { type, length: n, present: null };
  let present: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (values[i] === null || values[i] === undefined) {
      present ??= new Uint8Array(n).fill(1);
      present[i] = 0;
    }
  }
  v.present = present;
  const bad: (i: number, what: string) => never = (i, what) => {
    throw new OrcFormatError(`column ${path || 'root'} row ${i}: ${what} (got ${describe(values[i])})`);
  };
  const isNull = (i: number) => present !== null && present[i] === 0;
  switch (type.kind) {
    case 'boolean': {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        if (typeof x !== 'boolean') bad(i, 'expected a boolean');
        a[i] = x ? 1 : 0;
      }
      v.values = a;
      return v;
    }
    case 'tinyint':
    case 'smallint':
    case 'int': {
      const [lo, hi] = ranges[type.kind]!;
      const a =
        type.kind === 'tinyint'
          ? new Int8Array(n)
          : type.kind === 'smallint'
            ? new Int16Array(n)
            : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = typeof values[i] === 'bigint' ? Number(values[i]) : values[i];
        if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi)
          bad(i, `expected an integer in ${lo}..${hi}`);
        a[i] = x;
      }
      v.values = a;
      return v;
    }
    case 'bigint': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        if (typeof x === 'bigint' && x === BigInt.asIntN(64, x)) a[i] = x;
        else if (typeof x === 'number' && Number.isSafeInteger(x)) a[i] = BigInt(x);
        else bad(i, 'expected a 64-bit integer (bigint or safe integer number)');
      }
      v.bigints = a;
      return v;
    }
    case 'float':
    case 'double': {
      const a = type.kind === 'float' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        if (typeof x !== 'number') bad(i, 'expected a number');
        a[i] = x;
      }
      v.values = a;
      return v;
    }
    case 'string':
    case 'char':
    case 'varchar': {
      const a = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          a[i] = '';
          continue;
        }
        const raw = values[i];
        if (typeof raw !== 'string') bad(i, 'expected a string');
        let x: string = raw;
        if ('maxLength' in type) {
          const len = [...x].length;
          if (len > type.maxLength) bad(i, `longer than ${type.kind}(${type.maxLength})`);
          // ORC stores char(n) values padded with spaces, as Hive defines them.
          if (type.kind === 'char' && len < type.maxLength) x = x + ' '.repeat(type.maxLength - len);
        }
        a[i] = x;
      }
      v.strings = a;
      return v;
    }
    case 'binary': {
      const a = new Array<Uint8Array>(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          a[i] = new Uint8Array(0);
          continue;
        }
        const x = values[i];
        if (!(x instanceof Uint8Array)) bad(i, 'expected a Uint8Array');
        a[i] = x;
      }
      v.binaries = a;
      return v;
    }
    case 'date': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        let days: number;
        if (x instanceof Date) days = Math.floor(x.getTime() / DAY_MS);
        else if (typeof x === 'number') days = x;
        else if (typeof x === 'string' && /^-?\d{4,}-\d\d-\d\d$/.test(x))
          days = Math.floor(Date.parse(`${x}T00:00:00Z`) / DAY_MS);
        else days = NaN;
        if (!Number.isInteger(days) || Math.abs(days) > 2 ** 31 - 1)
          bad(i, 'expected a Date, days number or YYYY-MM-DD');
        a[i] = days;
      }
      v.values = a;
      return v;
    }
    case 'timestamp':
    case 'timestamp with local time zone': {
      const secs = new Float64Array(n);
      const nanos = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        let ns: bigint;
        if (typeof x === 'bigint') ns = x;
        else if (x instanceof Date && !Number.isNaN(x.getTime())) ns = BigInt(x.getTime()) * 1_000_000n;
        else return bad(i, 'expected bigint nanoseconds since the epoch or a Date');
        let s = ns / 1_000_000_000n;
        let r = ns % 1_000_000_000n;
        if (r < 0n) {
          r += 1_000_000_000n;
          s -= 1n;
        }
        secs[i] = Number(s);
        nanos[i] = Number(r);
      }
      v.seconds = secs;
      v.nanos = nanos;
      return v;
    }
    case 'decimal': {
      const a = new Array<bigint>(n);
      const limit = 10n ** BigInt(type.precision);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          a[i] = 0n;
          continue;
        }
        const x = values[i];
        const u =
          typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint'
            ? parseDecimal(x, type.scale)
            : undefined;
        if (u === undefined) bad(i, 'expected a decimal string, number or bigint');
        if (u >= limit || u <= -limit) bad(i, `does not fit decimal(${type.precision},${type.scale})`);
        a[i] = u;
      }
      v.decimals = a;
      return v;
    }
    case 'list': {
      const offsets = new Int32Array(n + 1);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (!isNull(i)) {
          const x = values[i];
          if (!Array.isArray(x)) bad(i, 'expected an array');
          for (const e of x) items.push(e);
        }
        offsets[i + 1] = items.length;
      }
      v.offsets = offsets;
      v.children = [valuesToVector(type.element, items, `${path}._elem`)];
      return v;
    }
    case 'map': {
      const offsets = new Int32Array(n + 1);
      const keys: unknown[] = [];
      const vals: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (!isNull(i)) {
          const x = values[i];
          if (x instanceof Map) {
            for (const [k, val] of x) {
              keys.push(k);
              vals.push(val);
            }
          } else if (Array.isArray(x)) {
            for (const e of x as unknown[]) {
              if (e === null || typeof e !== 'object' || !('key' in e))
                bad(i, 'expected map entries as { key, value }');
              keys.push((e as { key: unknown }).key);
              vals.push((e as { value?: unknown }).value);
            }
          } else bad(i, 'expected a Map or an array of { key, value }');
        }
        offsets[i + 1] = keys.length;
      }
      v.offsets = offsets;
      v.children = [
        valuesToVector(type.key, keys, `${path}._key`),
        valuesToVector(type.value, vals, `${path}._value`),
      ];
      return v;
    }
    case 'struct': {
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i];
        if (typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array || x instanceof Date)
          bad(i, 'expected an object');
      }
      v.children = type.fields.map((f) =>
        valuesToVector(
          f.type,
          values.map((x) => (x === null || x === undefined ? null : (x as Record<string, unknown>)[f.name])),
          path ? `${path}.${f.name}` : f.name,
        ),
      );
      return v;
    }
    case 'union': {
      const tags = new Uint8Array(n);
      const uo = new Int32Array(n);
      const per: unknown[][] = type.variants.map(() => []);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) continue;
        const x = values[i] as { tag?: unknown; value?: unknown };
        if (typeof x !== 'object' || typeof x.tag !== 'number' || !per[x.tag])
          bad(i, 'expected { tag, value } with a valid tag');
        tags[i] = x.tag;
        uo[i] = per[x.tag]!.length;
        per[x.tag]!.push(x.value);
      }
      v.tags = tags;
      v.unionOffsets = uo;
      v.children = type.variants.map((t, k) => valuesToVector(t, per[k]!, `${path}._u${k}`));
      return v;
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x);
  if (x instanceof Uint8Array) return `Uint8Array(${x.length})`;
  if (x instanceof Date) return `Date(${x.toISOString?.() ?? 'invalid'})`;
  if (Array.isArray(x)) return `array(${x.length})`;
  return typeof x === 'object' ? 'object' : String(x);
}

export { encoder };
