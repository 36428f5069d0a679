import { tableFromIPC, tableToIPC, type Schema, type Table } from 'apache-arrow';
// The package's "node" export is a CommonJS build that reads its .wasm file next to it with
// fs.readFileSync when first imported: no network, no init() call, works under Node 20 ESM.
import * as parquetWasm from 'parquet-wasm';
import { ConfigError, FormatError } from '../errors.js';
import type { FormatContext, ResultFormat } from './result-format.js';
import {
  conformToSchema,
  fromTable,
  schemaFromMeta,
  schemaMismatch,
  tabularMeta,
  toTable,
} from './tabular/tabular.js';

/** Compression codecs the parquet format offers through `options.compression`. */
export const PARQUET_COMPRESSIONS = ['snappy', 'zstd', 'uncompressed'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

const CODECS: Record<ParquetCompression, parquetWasm.Compression> = {
  snappy: parquetWasm.Compression.SNAPPY,
  zstd: parquetWasm.Compression.ZSTD,
  uncompressed: parquetWasm.Compression.UNCOMPRESSED,
};

/** Reads `ctx.options.compression` (default snappy); anything else is a `ConfigError` naming the node. */
export function parquetCompression(ctx: FormatContext): ParquetCompression {
  const value = ctx.options?.compression ?? 'snappy';
  if (
    typeof value === 'string' &&
    (PARQUET_COMPRESSIONS as readonly string[]).includes(value.toLowerCase())
  ) {
    return value.toLowerCase() as ParquetCompression;
  }
  throw new ConfigError(
    `parquet format option "compression" for node "${ctx.nodeName}" is ${JSON.stringify(value)}; ` +
      `expected one of ${PARQUET_COMPRESSIONS.join(', ')}`,
  );
}

/** Writes an Arrow table as Parquet bytes with parquet-wasm (Rust arrow-rs/parquet compiled to WASM). */
export function writeParquetTable(table: Table, compression: ParquetCompression): Uint8Array {
  // Arrow IPC is the bridge between apache-arrow's JS memory and arrow-rs in WASM memory. Both objects
  // are consumed (freed) by writeParquet.
  const wasmTable = parquetWasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(CODECS[compression])
    .setCreatedBy('dagcache (parquet-wasm)')
    .build();
  return parquetWasm.writeParquet(wasmTable, props);
}

/** Reads Parquet bytes into an Arrow table (arrow-rs restores the Arrow schema it stored in the file). */
export function readParquetTable(bytes: Uint8Array): Table {
  return tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream());
}

/** The Arrow schema a reader of these Parquet bytes gets (read from the footer only). */
export function readParquetSchema(bytes: Uint8Array): Schema {
  return tableFromIPC(parquetWasm.readSchema(bytes).intoIPCStream()).schema;
}

/**
 * Parquet through parquet-wasm (chosen over hyparquet by `bench/formats.ts`, see docs/formats.md).
 * Takes an Arrow `Table` or an array of plain records and gives back the same form; every Arrow type
 * apache-arrow can write to IPC round-trips (arrow-rs keeps the Arrow schema in the file's metadata).
 * `options.compression`: `'snappy'` (default), `'zstd'` or `'uncompressed'`.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('parquet');
 * const { bytes, meta } = await fmt.encode(table, { nodeName: 'clean', fileDir, options: { compression: 'zstd' } });
 * const same = await fmt.decode(bytes, meta ?? {}, ctx); // an Arrow Table with the same schema
 * ```
 */
export const parquetFormat: ResultFormat = {
  name: 'parquet',
  extension: 'parquet',
  async encode(value, ctx) {
    const compression = parquetCompression(ctx);
    const input = toTable(value, 'parquet', ctx);
    let bytes: Uint8Array;
    try {
      bytes = writeParquetTable(input.table, compression);
    } catch (err) {
      throw new FormatError(
        `parquet format cannot store the result of node "${ctx.nodeName}": ${errorMessage(err)}`,
      );
    }
    // The file's footer says what a reader will get back; a type arrow-rs cannot keep (it changes e.g.
    // some interval/duration types) is refused now, before anything is stored.
    const mismatch = schemaMismatch(readParquetSchema(bytes), input.table.schema);
    if (mismatch) {
      throw new FormatError(`parquet format cannot store the result of node "${ctx.nodeName}": ${mismatch}`);
    }
    return { bytes, meta: { ...tabularMeta(input), compression } };
  },
  async decode(bytes, meta) {
    let table;
    try {
      table = readParquetTable(bytes);
    } catch (err) {
      throw new FormatError(`parquet format: cannot read Parquet bytes: ${errorMessage(err)}`);
    }
    return fromTable(conformToSchema(table, schemaFromMeta(meta.schema, 'parquet'), 'parquet'), meta);
  },
};

// wasm-bindgen throws plain strings or Error objects depending on the path.
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
