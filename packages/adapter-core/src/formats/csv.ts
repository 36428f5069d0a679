import { Table, Type, type DataType } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { FormatError } from '../errors.js';
import type { ResultFormat } from './result-format.js';
import { buildColumn, columnValues } from './tabular/columns.js';
import { assertUniqueNames, flatTypeProblem } from './tabular/flat.js';
import { cellToText, textToCell } from './tabular/text.js';
import {
  assertSchema,
  conformToSchema,
  fromTable,
  schemaFromMeta,
  tabularMeta,
  toTable,
} from './tabular/tabular.js';

/** A non-string cell's text, boxed so csv-stringify does not quote it. */
interface Text {
  text: string;
}

const isStringType = (type: DataType) =>
  type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8 || type.typeId === Type.Dictionary;

/**
 * CSV (RFC 4180, UTF-8, header row) through csv-stringify / csv-parse, with the exact Arrow schema kept in
 * `meta` so types round-trip exactly. String cells are always quoted, so `""` is an empty string and an
 * empty unquoted field is null. Nested types (lists, structs) are a `FormatError` at encode time.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('csv');
 * const { bytes, meta } = await fmt.encode([{ name: 'a, "b"', n: 1n, note: null }], ctx);
 * await fmt.decode(bytes, meta ?? {}, ctx); // [{ name: 'a, "b"', n: 1n, note: null }]
 * ```
 */
export const csvFormat: ResultFormat = {
  name: 'csv',
  extension: 'csv',
  async encode(value, ctx) {
    const input = toTable(value, 'csv', ctx);
    const { schema } = input.table;
    assertSchema(schema, 'csv', ctx, (t) => flatTypeProblem(t, 'csv'));
    assertUniqueNames(schema, 'csv', ctx);
    const fields = schema.fields;
    const quote = fields.map((f) => isStringType(f.type));
    const columns = fields.map((f) => columnValues(input.table.getChild(f.name)!));
    // String cells (and the header) stay JS strings, which `quoted_string` quotes even when empty: that
    // is what tells "" from null. Other cells are boxed so they are written as-is (csv-stringify decides
    // on quoting by the type of the value it was given), which is much cheaper than a cast returning
    // per-cell options.
    const rows: (string | Text | null)[][] = [fields.map((f) => f.name)];
    for (let r = 0; r < input.table.numRows; r++) {
      const row: (string | Text | null)[] = new Array(fields.length);
      for (let c = 0; c < fields.length; c++) {
        const v = columns[c]![r];
        row[c] = v === null ? null : quote[c] ? (v as string) : { text: cellToText(fields[c]!.type, v) };
      }
      rows.push(row);
    }
    const text = stringify(rows, {
      quoted_string: true,
      cast: { object: (v) => (v as unknown as Text).text },
    });
    return { bytes: Buffer.from(text, 'utf8'), meta: tabularMeta(input) };
  },
  async decode(bytes, meta) {
    const schema = schemaFromMeta(meta.schema, 'csv');
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    let parsed: { record: string[]; raw: string }[];
    try {
      // raw: true (the record's source text) instead of a per-field cast: csv-parse's cast callback costs
      // ~20x the parse itself, and the source text is only looked at when a field is empty.
      parsed = parse(text, { bom: true, raw: true }) as unknown as { record: string[]; raw: string }[];
    } catch (err) {
      throw new FormatError(`csv format: cannot parse stored CSV: ${(err as Error).message}`);
    }
    const fields = schema.fields;
    if (fields.length === 0) return fromTable(new Table(schema), meta);
    const isString = fields.map((f) => isStringType(f.type));
    const rows = parsed.map(({ record, raw }) => {
      let quoted: boolean[] | undefined;
      return record.map((v, c) => {
        if (v !== '') return v;
        // Only string cells are quoted when empty; an unquoted empty field is null.
        if (!isString[c]) return null;
        quoted ??= quotedFields(raw);
        return quoted[c] ? '' : null;
      });
    });
    const header = rows[0] ?? [];
    if (header.length !== fields.length || fields.some((f, i) => f.name !== header[i])) {
      throw new FormatError(
        `csv format: stored header ${JSON.stringify(header)} does not match the stored schema`,
      );
    }
    const vectors = fields.map((f, c) => {
      const values = new Array<unknown>(rows.length - 1);
      for (let r = 1; r < rows.length; r++) {
        const t = rows[r]![c];
        if (t === null || t === undefined) {
          values[r - 1] = null;
          continue;
        }
        const v = textToCell(f.type, t);
        if (v === undefined) {
          throw new FormatError(
            `csv format: column "${f.name}" row ${r - 1}: cannot read ${JSON.stringify(t)} as ${String(f.type)}`,
          );
        }
        values[r - 1] = v;
      }
      return [f.name, buildColumn(f.type, values)] as const;
    });
    return fromTable(conformToSchema(new Table(Object.fromEntries(vectors)), schema, 'csv'), meta);
  },
};

/**
 * Which fields of one record's source text were quoted (dagcache's own dialect: comma, double quote,
 * "" as the escaped quote). Only used for records holding an empty field.
 */
export function quotedFields(raw: string): boolean[] {
  const flags: boolean[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      flags.push(true);
      i++;
      while (i < raw.length) {
        if (raw[i] === '"') {
          if (raw[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
    } else {
      flags.push(false);
      while (i < raw.length && raw[i] !== ',' && raw[i] !== '\n' && raw[i] !== '\r') i++;
    }
    if (raw[i] !== ',') return flags;
    i++;
  }
}
