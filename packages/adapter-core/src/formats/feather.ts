import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { FormatError } from '../errors.js';
import type { ResultFormat } from './result-format.js';
import { conformToSchema, fromTable, schemaFromMeta, tabularMeta, toTable } from './tabular/tabular.js';

/**
 * Feather v2: the Arrow IPC *file* format, written and read by apache-arrow itself, so every Arrow type
 * round-trips. Takes an Arrow `Table` or an array of plain records and gives back the same form.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('feather');
 * const { bytes, meta } = await fmt.encode([{ id: 1n, name: 'a' }], ctx);
 * await fmt.decode(bytes, meta ?? {}, ctx); // [{ id: 1n, name: 'a' }]
 * ```
 */
export const featherFormat: ResultFormat = {
  name: 'feather',
  extension: 'arrow',
  async encode(value, ctx) {
    const input = toTable(value, 'feather', ctx);
    return { bytes: tableToIPC(input.table, 'file'), meta: tabularMeta(input) };
  },
  async decode(bytes, meta) {
    let table;
    try {
      table = tableFromIPC(bytes);
    } catch (err) {
      throw new FormatError(`feather format: cannot read Arrow IPC file: ${(err as Error).message}`);
    }
    return fromTable(conformToSchema(table, schemaFromMeta(meta.schema, 'feather'), 'feather'), meta);
  },
};
