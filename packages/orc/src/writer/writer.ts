/**
 * File assembly: stripes (data streams + stripe footer), stripe statistics, footer, postscript.
 */
import { compressionKinds, compressStream, type Compression } from '../codec/index.js';
import { OrcFormatError } from '../errors.js';
import {
  encodeFooter,
  encodeMetadata,
  encodePostScript,
  encodeStripeFooter,
  type ColumnStatistics,
  type StripeInformation,
} from '../proto/messages.js';
import { parseSchema, typeToProto, typeTree, type OrcType, type TypeNode } from '../schema.js';
import type { ColumnVector } from '../vector.js';
import { writeColumns } from './columns.js';
import { valuesToVector } from './from-values.js';
import { mergeStats } from './stats.js';

export interface WriteOptions {
  /** Codec: 'none' | 'zlib' | 'snappy' | 'lz4' | 'zstd'. Default 'zlib' (ORC's default). */
  compression?: Compression;
  /** Codec level for zlib (0–9) and zstd (1–22). */
  compressionLevel?: number;
  /** Uncompressed bytes per compression chunk. Default 256 KiB. */
  compressionBlockSize?: number;
  /** Target (uncompressed, estimated) bytes per stripe. Default 64 MiB. */
  stripeSize?: number;
  /** Maximum rows per stripe. Default: no limit beyond `stripeSize`. */
  stripeRows?: number;
  /** String columns: dictionary-encode when distinct ≤ threshold × values ('auto'), always, or never. */
  dictionary?: 'auto' | 'always' | 'never';
  /** Default 0.8, as in ORC's Java writer. */
  dictionaryThreshold?: number;
  /** User metadata stored in the footer. */
  metadata?: Record<string, Uint8Array | string>;
}

const SOFTWARE = '@dagcache/orc 0.1.0';
const WRITER_VERSION = 9; // ORC-14 era writer: timestamp statistics are UTC, bloom filters utf8.

/**
 * Writes an ORC file.
 *
 * `data` is either an array of values of the root type (rows: objects for a struct schema) or a
 * ColumnVector of the root type. See rows.ts for how JavaScript values map to ORC types.
 *
 * @example
 * ```ts
 * const bytes = writeOrc('struct<id:bigint,name:string,at:timestamp>', [
 *   { id: 1n, name: 'a', at: new Date('2024-01-01T00:00:00Z') },
 *   { id: 2n, name: null, at: 1_700_000_000_123_456_789n },
 * ], { compression: 'zstd' });
 * ```
 * @throws OrcFormatError when a value does not fit the schema (naming column and row).
 */
export function writeOrc(
  schema: OrcType | string,
  data: readonly unknown[] | ColumnVector,
  opts: WriteOptions = {},
): Uint8Array {
  const type = typeof schema === 'string' ? parseSchema(schema) : schema;
  const vector = Array.isArray(data) ? valuesToVector(type, data) : (data as ColumnVector);
  if (!Array.isArray(data) && vector.type.kind !== type.kind)
    throw new OrcFormatError(`writeOrc: vector of ${vector.type.kind} given for a ${type.kind} schema`);
  return writeVector(type, vector, opts);
}

/** Type attribute marking timestamp columns whose seconds are stored floored (see markTimestampFloor). */
export const TIMESTAMP_FLOOR = 'dagcache.timestamp.seconds';

/**
 * ORC stores timestamp seconds truncated toward zero and readers subtract one second for negative values
 * with more than 999,999 ns, which cannot express times in (-1 s, 0) before 1970. When a column holds
 * such a time, it is written with floored seconds instead and marked with an attribute our reader honours
 * (other readers then read that column's negative fractional times one second early).
 */
function markTimestampFloor(t: OrcType, v: ColumnVector): OrcType {
  switch (t.kind) {
    case 'timestamp':
    case 'timestamp with local time zone': {
      for (let i = 0; i < v.length; i++) {
        if (v.seconds![i] === -1 && v.nanos![i]! > 999_999 && (!v.present || v.present[i])) {
          return { ...t, attributes: { ...(t.attributes ?? {}), [TIMESTAMP_FLOOR]: 'floor' } };
        }
      }
      return t;
    }
    case 'list':
      return { ...t, element: markTimestampFloor(t.element, v.children![0]!) };
    case 'map':
      return {
        ...t,
        key: markTimestampFloor(t.key, v.children![0]!),
        value: markTimestampFloor(t.value, v.children![1]!),
      };
    case 'struct':
      return {
        ...t,
        fields: t.fields.map((f, i) => ({ name: f.name, type: markTimestampFloor(f.type, v.children![i]!) })),
      };
    case 'union':
      return { ...t, variants: t.variants.map((x, i) => markTimestampFloor(x, v.children![i]!)) };
    default:
      return t;
  }
}

function writeVector(type: OrcType, v: ColumnVector, opts: WriteOptions): Uint8Array {
  type = markTimestampFloor(type, v);
  const kind = compressionKinds[opts.compression ?? 'zlib'];
  if (kind === undefined) throw new OrcFormatError(`writeOrc: unknown compression '${opts.compression}'`);
  const blockSize = opts.compressionBlockSize ?? 256 * 1024;
  if (!(blockSize > 0 && blockSize < 2 ** 23))
    throw new OrcFormatError('writeOrc: compressionBlockSize must be in 1..8388607');
  const root = typeTree(type);
  const nodes: TypeNode[] = [];
  const collect = (n: TypeNode) => {
    nodes.push(n);
    n.children.forEach(collect);
  };
  collect(root);
  const colOpts = {
    dictionary: opts.dictionary ?? 'auto',
    dictionaryThreshold: opts.dictionaryThreshold ?? 0.8,
  } as const;
  const rowsPerStripe = Math.max(
    1,
    Math.min(
      opts.stripeRows ?? Infinity,
      Math.floor((opts.stripeSize ?? 64 * 2 ** 20) / Math.max(1, estimateRowBytes(v))),
    ),
  );
  const parts: Uint8Array[] = [new Uint8Array([0x4f, 0x52, 0x43])];
  let offset = 3;
  const stripes: StripeInformation[] = [];
  const stripeStats: ColumnStatistics[][] = [];
  const compress = (b: Uint8Array) => compressStream(kind, b, blockSize, opts.compressionLevel);
  for (let start = 0; start < v.length; start += rowsPerStripe) {
    const end = Math.min(v.length, start + rowsPerStripe);
    const cols = writeColumns(root, v, start, end, colOpts);
    const streams: Array<{ kind: number; column: number; length: number }> = [];
    let dataLength = 0;
    for (const s of cols.streams) {
      const c = compress(s.data);
      parts.push(c);
      streams.push({ kind: s.kind, column: s.column, length: c.length });
      dataLength += c.length;
    }
    const footer = compress(
      encodeStripeFooter({ streams, columns: cols.encodings, writerTimezone: 'UTC', encrypted: false }),
    );
    parts.push(footer);
    stripes.push({
      offset,
      indexLength: 0,
      dataLength,
      footerLength: footer.length,
      numberOfRows: end - start,
      encrypted: false,
    });
    offset += dataLength + footer.length;
    stripeStats.push(cols.stats);
  }
  const fileStats = nodes.map((n) =>
    stripeStats.length > 0 ? mergeStats(stripeStats.map((s) => s[n.id]!)) : emptyStats(n),
  );
  const metadataBytes = compress(encodeMetadata(stripeStats));
  parts.push(metadataBytes);
  const contentLength = offset - 3;
  const meta = Object.entries(opts.metadata ?? {}).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? new TextEncoder().encode(value) : value,
  }));
  const footerBytes = compress(
    encodeFooter({
      headerLength: 3,
      contentLength,
      stripes,
      types: typeToProto(type),
      metadata: meta,
      numberOfRows: v.length,
      statistics: fileStats,
      rowIndexStride: 0,
      writer: undefined,
      encrypted: false,
      calendar: undefined,
      softwareVersion: SOFTWARE,
    }),
  );
  parts.push(footerBytes);
  const ps = encodePostScript({
    footerLength: footerBytes.length,
    compression: kind,
    compressionBlockSize: blockSize,
    version: [0, 12],
    metadataLength: metadataBytes.length,
    writerVersion: WRITER_VERSION,
    stripeStatisticsLength: undefined,
    magic: 'ORC',
  });
  if (ps.length > 255) throw new OrcFormatError('writeOrc: postscript longer than 255 bytes');
  parts.push(ps, new Uint8Array([ps.length]));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function emptyStats(n: TypeNode): ColumnStatistics {
  void n;
  return { numberOfValues: 0, hasNull: false };
}

/** Rough uncompressed bytes per row, to size stripes. */
function estimateRowBytes(v: ColumnVector): number {
  if (v.length === 0) return 1;
  const walk = (c: ColumnVector): number => {
    let b = c.present ? c.length / 8 : 0;
    if (c.values) b += c.values.byteLength;
    if (c.bigints) b += c.bigints.byteLength;
    if (c.seconds) b += c.length * 12;
    if (c.decimals) b += c.length * 8;
    if (c.strings) for (const s of c.strings) b += s.length + 1;
    if (c.binaries) for (const s of c.binaries) b += s.length + 1;
    if (c.offsets) b += c.length * 4;
    if (c.tags) b += c.length * 5;
    for (const ch of c.children ?? []) b += walk(ch);
    return b;
  };
  return walk(v) / v.length;
}
