import {
  Bool,
  Field,
  Float64,
  Int64,
  List,
  Null,
  Struct,
  Table,
  TimestampMillisecond,
  Type,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { FormatError } from '../../errors.js';

/** A plain record: one row, one value per column. */
export type TabularRecord = Record<string, unknown>;

/** The kind of a JS value as the record inference sees it. */
type Kind = 'null' | 'number' | 'bigint' | 'string' | 'boolean' | 'date' | 'list' | 'struct';

/** A value together with the row it came from, so errors can name the row even deep inside lists. */
interface Cell {
  value: unknown;
  row: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown, where: () => string): Kind {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'string':
      // A lone surrogate cannot be encoded as UTF-8: every format would silently turn it into U+FFFD.
      if (LONE_SURROGATE.test(value))
        throw new FormatError(`${where()}: the string has a lone UTF-16 surrogate`);
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime()))
          throw new FormatError(`${where()}: an invalid Date cannot be stored`);
        return 'date';
      }
      if (Array.isArray(value)) return 'list';
      if (isPlainObject(value)) return 'struct';
      throw new FormatError(
        `${where()}: a ${value.constructor?.name ?? 'class instance'} cannot be stored in a table column ` +
          `(allowed: number, bigint, string, boolean, null, Date, arrays, plain objects)`,
      );
    default:
      // undefined is refused rather than turned into null: the round trip would not give it back.
      throw new FormatError(
        `${where()}: ${String(value)} (${typeof value}) cannot be stored in a table column`,
      );
  }
}

/**
 * Infers one Arrow type for all cells of a column (or of a nested list/struct path).
 * Exactly one non-null kind is allowed; mixing kinds is an error naming the path and row.
 */
function inferType(cells: Cell[], path: string, node: string): { type: DataType; nullable: boolean } {
  let kind: Kind | undefined;
  let firstRow = -1;
  let nullable = false;
  for (const cell of cells) {
    const k = kindOf(cell.value, () => `node "${node}": column "${path}", row ${cell.row}`);
    if (k === 'null') {
      nullable = true;
      continue;
    }
    if (kind === undefined) {
      kind = k;
      firstRow = cell.row;
    } else if (k !== kind) {
      throw new FormatError(
        `node "${node}": column "${path}" mixes types: ${kind} at row ${firstRow}, ${k} at row ${cell.row}`,
      );
    }
  }
  switch (kind) {
    case undefined:
      return { type: new Null(), nullable: true };
    case 'number':
      return { type: new Float64(), nullable };
    case 'bigint':
      return { type: new Int64(), nullable };
    case 'string':
      return { type: new Utf8(), nullable };
    case 'boolean':
      return { type: new Bool(), nullable };
    case 'date':
      // Timestamp (not Date64): parquet keeps the time of day only for timestamps.
      return { type: new TimestampMillisecond('UTC'), nullable };
    case 'list': {
      const items: Cell[] = [];
      for (const cell of cells) {
        if (Array.isArray(cell.value)) {
          for (const item of cell.value as unknown[]) items.push({ value: item, row: cell.row });
        }
      }
      const child = inferType(items, `${path}[]`, node);
      return { type: new List(new Field('item', child.type, child.nullable)), nullable };
    }
    default: {
      let keys: string[] | undefined;
      let keysRow = -1;
      const byKey = new Map<string, Cell[]>();
      for (const cell of cells) {
        if (cell.value === null) continue;
        const obj = cell.value as TabularRecord;
        const own = Object.keys(obj);
        if (!keys) {
          keys = own;
          keysRow = cell.row;
          for (const k of keys) byKey.set(k, []);
        } else {
          assertSameKeys(keys, own, `node "${node}": column "${path}"`, keysRow, cell.row);
        }
        for (const k of keys) byKey.get(k)!.push({ value: obj[k], row: cell.row });
      }
      const fields = (keys ?? []).map((k) => {
        const child = inferType(byKey.get(k)!, `${path}.${k}`, node);
        return new Field(k, child.type, child.nullable);
      });
      return { type: new Struct(fields), nullable };
    }
  }
}

function assertSameKeys(expected: string[], actual: string[], where: string, firstRow: number, row: number) {
  if (actual.length === expected.length && expected.every((k, i) => actual[i] === k)) return;
  const exp = new Set(expected);
  const act = new Set(actual);
  const missing = expected.filter((k) => !act.has(k));
  const extra = actual.filter((k) => !exp.has(k));
  if (missing.length || extra.length) {
    throw new FormatError(
      `${where}: row ${row} has different keys than row ${firstRow}` +
        (missing.length ? ` (missing ${missing.map((k) => JSON.stringify(k)).join(', ')})` : '') +
        (extra.length ? ` (extra ${extra.map((k) => JSON.stringify(k)).join(', ')})` : '') +
        '; every record needs the same keys (use null for missing values)',
    );
  }
}

/** True when the value is an array of plain records (the record form the tabular formats accept). */
export function isRecordArray(value: unknown): value is TabularRecord[] {
  return Array.isArray(value) && value.every((r) => r !== null && typeof r === 'object' && isPlainObject(r));
}

/**
 * Converts an array of plain records to an Arrow table, inferring one exact type per column:
 * number → Float64, bigint → Int64, string → Utf8, boolean → Bool, Date → Timestamp(ms, UTC),
 * null → nullable (all-null → Null), arrays → List, plain objects → Struct.
 *
 * Every record must have the same keys; a column mixing types is a `FormatError` naming the column and row.
 *
 * @example
 * ```ts
 * const t = recordsToTable([{ id: 1n, name: 'a', at: new Date() }], 'load');
 * t.schema.fields.map(String); // ['id: Int64', 'name: Utf8', 'at: Timestamp<MILLISECOND, UTC>']
 * ```
 */
export function recordsToTable(records: unknown[], node: string): Table {
  const first = records[0];
  if (first === undefined) return new Table();
  const keys: string[] = [];
  records.forEach((r, row) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r) || !isPlainObject(r)) {
      throw new FormatError(`node "${node}": row ${row} is not a plain record object`);
    }
    if (row === 0) keys.push(...Object.keys(r));
    else assertSameKeys(keys, Object.keys(r), `node "${node}"`, 0, row);
  });
  if (keys.length === 0) {
    // A table with no columns has no rows either: [{}, {}] would come back as [].
    throw new FormatError(`node "${node}": the records have no keys, so there is no column to store`);
  }
  const columns: Record<string, Vector> = {};
  for (const key of keys) {
    const values = (records as TabularRecord[]).map((r) => r[key]);
    const { type } = inferType(
      values.map((value, row) => ({ value, row })),
      key,
      node,
    );
    columns[key] = vectorFromArray(values, type);
  }
  return new Table(columns);
}

/** Builds the function turning a value read with `Vector.get` into the plain JS value records hold. */
function converterFor(type: DataType): (v: unknown) => unknown {
  switch (type.typeId) {
    case Type.Timestamp:
    case Type.Date:
      // Arrow hands back epoch milliseconds; records hold Dates.
      return (v) => (v === null ? null : new Date(v as number));
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = converterFor((type as List).children[0]!.type);
      return (v) => (v === null ? null : Array.from(v as Vector, child));
    }
    case Type.Struct: {
      const fields = (type as Struct).children.map((f) => [f.name, converterFor(f.type)] as const);
      return (v) => {
        if (v === null) return null;
        const row = v as Record<string, unknown>;
        const out: TabularRecord = {};
        for (const [name, conv] of fields) out[name] = conv(row[name] ?? null);
        return out;
      };
    }
    default:
      return (v) => (v === undefined ? null : v);
  }
}

/**
 * Converts an Arrow table back to plain records (the inverse of {@link recordsToTable}):
 * Int64 → bigint, timestamps/dates → Date, lists → arrays, structs → plain objects.
 */
export function tableToRecords(table: Table): TabularRecord[] {
  const out: TabularRecord[] = Array.from({ length: table.numRows }, () => ({}));
  for (const field of table.schema.fields) {
    const conv = converterFor(field.type);
    const vector = table.getChild(field.name)!;
    let i = 0;
    for (const v of vector) out[i++]![field.name] = conv(v);
  }
  return out;
}
