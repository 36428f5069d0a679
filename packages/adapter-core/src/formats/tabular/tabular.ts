import {
  makeData,
  RecordBatch,
  Schema,
  Table,
  type Null,
  tableFromIPC,
  tableToIPC,
  Type,
  type DataType,
  type Field,
} from 'apache-arrow';
import { FormatError } from '../../errors.js';
import type { FormatContext } from '../result-format.js';
import { isRecordArray, recordsToTable, tableToRecords } from './records.js';

/** What the node returned: an array of plain records or an Arrow table. Kept in `meta.input`. */
export type TabularInputKind = 'records' | 'arrow';

export interface TabularInput {
  table: Table;
  input: TabularInputKind;
}

/** True for an Arrow table (from this copy of apache-arrow). */
export function isArrowTable(value: unknown): value is Table {
  return value instanceof Table;
}

/**
 * Accepts what tabular formats take (an Arrow `Table` or an array of plain records) and gives the Arrow
 * table to write plus which of the two it was, so decode can give back the same form.
 */
export function toTable(value: unknown, format: string, ctx: FormatContext): TabularInput {
  if (isArrowTable(value)) return { table: repairNullColumns(value), input: 'arrow' };
  if (isRecordArray(value)) return { table: recordsToTable(value, ctx.nodeName), input: 'records' };
  if (value !== null && typeof value === 'object' && 'schema' in value && 'batches' in value) {
    throw new FormatError(
      `${format} format: node "${ctx.nodeName}" returned an Arrow table from a different copy of apache-arrow; ` +
        'use the apache-arrow version dagcache depends on',
    );
  }
  throw new FormatError(
    `${format} format: node "${ctx.nodeName}" must return an Arrow Table or an array of plain records, ` +
      `got ${describe(value)}`,
  );
}

/**
 * apache-arrow 21 gives a sliced Null column a null count of -1 ("unknown") and writes that into IPC,
 * which arrow-rs rightly rejects; a Null column's null count is always its length.
 */
function repairNullColumns(table: Table): Table {
  const bad = table.batches.some((b) =>
    b.data.children.some((c) => c.typeId === Type.Null && c.nullCount !== c.length),
  );
  if (!bad) return table;
  return new Table(
    table.batches.map((b) => {
      const children = b.data.children.map((c) =>
        c.typeId === Type.Null
          ? makeData({ type: c.type as Null, length: c.length, nullCount: c.length })
          : c,
      );
      return new RecordBatch(
        table.schema,
        makeData({ type: b.data.type, length: b.numRows, nullCount: 0, children }),
      );
    }),
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array whose items are not all plain objects';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

/** Gives back the form that was encoded: records when `meta.input` says so, the table otherwise. */
export function fromTable(table: Table, meta: Record<string, string>): unknown {
  return meta.input === 'records' ? tableToRecords(table) : table;
}

/**
 * The exact Arrow schema (field names, types, nullability, metadata) as a short string for `meta`:
 * the Arrow IPC stream of an empty table, base64. Formats whose files cannot carry every Arrow type
 * (csv, excel) rebuild their columns from it, and the others check what their library gave back against it.
 */
export function schemaToMeta(schema: Schema): string {
  return Buffer.from(tableToIPC(new Table(schema), 'stream')).toString('base64');
}

/** Inverse of {@link schemaToMeta}. */
export function schemaFromMeta(text: string | undefined, format: string): Schema {
  if (!text) throw new FormatError(`${format} format: stored result has no schema in its metadata`);
  return tableFromIPC(Buffer.from(text, 'base64')).schema;
}

/** Meta every tabular format stores: input kind and exact schema. */
export function tabularMeta(input: TabularInput): Record<string, string> {
  return { input: input.input, schema: schemaToMeta(input.table.schema) };
}

/**
 * Walks every field (and nested child) of a schema and throws a `FormatError` for the first type the
 * format cannot hold, naming the column path, before anything is written.
 *
 * @param why returns a reason when the type is not supported, `undefined` when it is; it is asked about
 * children itself only when it returns `undefined` for the parent.
 */
export function assertSchema(
  schema: Schema,
  format: string,
  ctx: FormatContext,
  why: (type: DataType) => string | undefined,
): void {
  const walk = (field: Field, path: string) => {
    const reason = why(field.type);
    if (reason) {
      throw new FormatError(
        `${format} format cannot store column "${path}" of node "${ctx.nodeName}" (${String(field.type)}): ${reason}`,
      );
    }
    for (const child of field.type.children ?? []) {
      walk(child, field.type.typeId === Type.Struct ? `${path}.${child.name}` : `${path}[]`);
    }
  };
  for (const field of schema.fields) walk(field, field.name);
}

/**
 * Checks that a table read back by a library has the types that were written, and puts back the
 * exact schema (nullability and metadata, which some libraries drop). A type change is a `FormatError`
 * rather than a silently different table.
 */
export function conformToSchema(table: Table, expected: Schema, format: string): Table {
  const mismatch = schemaMismatch(table.schema, expected);
  if (mismatch) throw new FormatError(`${format} format: ${mismatch}`);
  if (sameMetadata(table.schema, expected)) return table;
  if (table.batches.length === 0) return new Table(expected);
  return new Table(table.batches.map((b) => new RecordBatch(expected, b.data)));
}

/** Describes the first column whose name or type differs between two schemas, or undefined if none does. */
export function schemaMismatch(got: Schema, expected: Schema): string | undefined {
  if (got.fields.length !== expected.fields.length) {
    return `read ${got.fields.length} columns, expected ${expected.fields.length}`;
  }
  for (const [i, f] of expected.fields.entries()) {
    const g = got.fields[i]!;
    if (g.name !== f.name || typeSignature(f.type) !== typeSignature(g.type)) {
      return `column ${i} reads back as "${g.name}: ${String(g.type)}", written as "${f.name}: ${String(f.type)}"`;
    }
  }
  return undefined;
}

function sameMetadata(a: Schema, b: Schema): boolean {
  const eq = (x: Map<string, string>, y: Map<string, string>) =>
    x.size === y.size && [...x].every(([k, v]) => y.get(k) === v);
  return (
    eq(a.metadata, b.metadata) &&
    a.fields.every((f, i) => eq(f.metadata, b.fields[i]!.metadata) && f.nullable === b.fields[i]!.nullable)
  );
}

/**
 * A string that is equal for two types exactly when they are the same Arrow type, nested children
 * (names, nullability) included. (`util.compareTypes` in apache-arrow 21 reports equal types as different.)
 */
export function typeSignature(type: DataType): string {
  const children = (type.children ?? []).map(
    (c) => `${c.name}${c.nullable ? '?' : ''}:${typeSignature(c.type)}`,
  );
  return children.length ? `${String(type)}{${children.join(',')}}` : String(type);
}
