/**
 * The ORC metadata messages (orc_proto.proto), decoded and encoded by hand. Only the fields this package
 * uses are kept; unknown fields are skipped, as protobuf requires.
 */
import { LEN, ProtoReader, ProtoWriter } from './wire.js';

export const CompressionKind = { NONE: 0, ZLIB: 1, SNAPPY: 2, LZO: 3, LZ4: 4, ZSTD: 5, BROTLI: 6 } as const;

export interface PostScript {
  footerLength: number;
  compression: number;
  compressionBlockSize: number | undefined;
  version: number[];
  metadataLength: number;
  writerVersion: number | undefined;
  stripeStatisticsLength: number | undefined;
  magic: string | undefined;
}

export function decodePostScript(r: ProtoReader): PostScript {
  const ps: PostScript = {
    footerLength: 0,
    compression: 0,
    compressionBlockSize: undefined,
    version: [],
    metadataLength: 0,
    writerVersion: undefined,
    stripeStatisticsLength: undefined,
    magic: undefined,
  };
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) ps.footerLength = r.uint();
    else if (f === 2) ps.compression = r.uint();
    else if (f === 3) ps.compressionBlockSize = r.uint();
    else if (f === 4) r.packedUints(w, ps.version);
    else if (f === 5) ps.metadataLength = r.uint();
    else if (f === 6) ps.writerVersion = r.uint();
    else if (f === 7) ps.stripeStatisticsLength = r.uint();
    else if (f === 8000) ps.magic = r.string();
    else r.skip(w);
  }
  return ps;
}

export function encodePostScript(ps: PostScript): Uint8Array {
  return new ProtoWriter()
    .uint(1, ps.footerLength)
    .uint(2, ps.compression)
    .uint(3, ps.compressionBlockSize)
    .packedUints(4, ps.version)
    .uint(5, ps.metadataLength)
    .uint(6, ps.writerVersion)
    .string(8000, ps.magic)
    .finish();
}

export interface StripeInformation {
  offset: number;
  indexLength: number;
  dataLength: number;
  footerLength: number;
  numberOfRows: number;
  encrypted: boolean;
}

function decodeStripeInfo(r: ProtoReader): StripeInformation {
  const s: StripeInformation = {
    offset: 0,
    indexLength: 0,
    dataLength: 0,
    footerLength: 0,
    numberOfRows: 0,
    encrypted: false,
  };
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) s.offset = r.uint();
    else if (f === 2) s.indexLength = r.uint();
    else if (f === 3) s.dataLength = r.uint();
    else if (f === 4) s.footerLength = r.uint();
    else if (f === 5) s.numberOfRows = r.uint();
    else if (f === 6 || f === 7) {
      s.encrypted = true;
      r.skip(w);
    } else r.skip(w);
  }
  return s;
}

function encodeStripeInfo(s: StripeInformation): ProtoWriter {
  return new ProtoWriter()
    .uint(1, s.offset)
    .uint(2, s.indexLength)
    .uint(3, s.dataLength)
    .uint(4, s.footerLength)
    .uint(5, s.numberOfRows);
}

/** Type.Kind numbers. */
export const Kind = {
  BOOLEAN: 0,
  BYTE: 1,
  SHORT: 2,
  INT: 3,
  LONG: 4,
  FLOAT: 5,
  DOUBLE: 6,
  STRING: 7,
  BINARY: 8,
  TIMESTAMP: 9,
  LIST: 10,
  MAP: 11,
  STRUCT: 12,
  UNION: 13,
  DECIMAL: 14,
  DATE: 15,
  VARCHAR: 16,
  CHAR: 17,
  TIMESTAMP_INSTANT: 18,
} as const;

export interface ProtoType {
  kind: number;
  subtypes: number[];
  fieldNames: string[];
  maximumLength: number | undefined;
  precision: number | undefined;
  scale: number | undefined;
  attributes: Array<{ key: string; value: string }>;
}

function decodeType(r: ProtoReader): ProtoType {
  const t: ProtoType = {
    kind: 0,
    subtypes: [],
    fieldNames: [],
    maximumLength: undefined,
    precision: undefined,
    scale: undefined,
    attributes: [],
  };
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) t.kind = r.uint();
    else if (f === 2) r.packedUints(w, t.subtypes);
    else if (f === 3) t.fieldNames.push(r.string());
    else if (f === 4) t.maximumLength = r.uint();
    else if (f === 5) t.precision = r.uint();
    else if (f === 6) t.scale = r.uint();
    else if (f === 7) {
      const a = r.message('attribute');
      const kv = { key: '', value: '' };
      while (a.more()) {
        const [af, aw] = a.key();
        if (af === 1) kv.key = a.string();
        else if (af === 2) kv.value = a.string();
        else a.skip(aw);
      }
      t.attributes.push(kv);
    } else r.skip(w);
  }
  return t;
}

function encodeType(t: ProtoType): ProtoWriter {
  const w = new ProtoWriter().uint(1, t.kind).packedUints(2, t.subtypes);
  for (const n of t.fieldNames) w.string(3, n);
  w.uint(4, t.maximumLength).uint(5, t.precision).uint(6, t.scale);
  for (const a of t.attributes) w.message(7, new ProtoWriter().string(1, a.key).string(2, a.value));
  return w;
}

/** Column statistics as stored (each part present only when the writer wrote it). */
export interface ColumnStatistics {
  numberOfValues?: number;
  hasNull?: boolean;
  bytesOnDisk?: number;
  int?: { min?: bigint; max?: bigint; sum?: bigint };
  double?: { min?: number; max?: number; sum?: number };
  string?: { min?: string; max?: string; sum?: bigint; lowerBound?: string; upperBound?: string };
  bucket?: { count: number[] };
  decimal?: { min?: string; max?: string; sum?: string };
  date?: { min?: number; max?: number };
  binary?: { sum?: bigint };
  timestamp?: {
    min?: bigint;
    max?: bigint;
    minUtc?: bigint;
    maxUtc?: bigint;
    minNanos?: number;
    maxNanos?: number;
  };
  collection?: { minChildren?: number; maxChildren?: number; totalChildren?: number };
}

export function decodeColumnStatistics(r: ProtoReader): ColumnStatistics {
  const s: ColumnStatistics = {};
  while (r.more()) {
    const [f, w] = r.key();
    switch (f) {
      case 1:
        s.numberOfValues = r.uint();
        break;
      case 2: {
        const m = r.message('intStatistics');
        const x: NonNullable<ColumnStatistics['int']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.min = m.sint64();
          else if (g === 2) x.max = m.sint64();
          else if (g === 3) x.sum = m.sint64();
          else m.skip(gw);
        }
        s.int = x;
        break;
      }
      case 3: {
        const m = r.message('doubleStatistics');
        const x: NonNullable<ColumnStatistics['double']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1 && gw === 1) x.min = m.double();
          else if (g === 2 && gw === 1) x.max = m.double();
          else if (g === 3 && gw === 1) x.sum = m.double();
          else m.skip(gw);
        }
        s.double = x;
        break;
      }
      case 4: {
        const m = r.message('stringStatistics');
        const x: NonNullable<ColumnStatistics['string']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.min = m.string();
          else if (g === 2) x.max = m.string();
          else if (g === 3) x.sum = m.sint64();
          else if (g === 4) x.lowerBound = m.string();
          else if (g === 5) x.upperBound = m.string();
          else m.skip(gw);
        }
        s.string = x;
        break;
      }
      case 5: {
        const m = r.message('bucketStatistics');
        const x = { count: [] as number[] };
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) m.packedUints(gw, x.count);
          else m.skip(gw);
        }
        s.bucket = x;
        break;
      }
      case 6: {
        const m = r.message('decimalStatistics');
        const x: NonNullable<ColumnStatistics['decimal']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.min = m.string();
          else if (g === 2) x.max = m.string();
          else if (g === 3) x.sum = m.string();
          else m.skip(gw);
        }
        s.decimal = x;
        break;
      }
      case 7: {
        const m = r.message('dateStatistics');
        const x: NonNullable<ColumnStatistics['date']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.min = m.sint32();
          else if (g === 2) x.max = m.sint32();
          else m.skip(gw);
        }
        s.date = x;
        break;
      }
      case 8: {
        const m = r.message('binaryStatistics');
        const x: NonNullable<ColumnStatistics['binary']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.sum = m.sint64();
          else m.skip(gw);
        }
        s.binary = x;
        break;
      }
      case 9: {
        const m = r.message('timestampStatistics');
        const x: NonNullable<ColumnStatistics['timestamp']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.min = m.sint64();
          else if (g === 2) x.max = m.sint64();
          else if (g === 3) x.minUtc = m.sint64();
          else if (g === 4) x.maxUtc = m.sint64();
          else if (g === 5) x.minNanos = m.uint();
          else if (g === 6) x.maxNanos = m.uint();
          else m.skip(gw);
        }
        s.timestamp = x;
        break;
      }
      case 10:
        s.hasNull = r.bool();
        break;
      case 11:
        s.bytesOnDisk = r.uint();
        break;
      case 12: {
        const m = r.message('collectionStatistics');
        const x: NonNullable<ColumnStatistics['collection']> = {};
        while (m.more()) {
          const [g, gw] = m.key();
          if (g === 1) x.minChildren = m.uint();
          else if (g === 2) x.maxChildren = m.uint();
          else if (g === 3) x.totalChildren = m.uint();
          else m.skip(gw);
        }
        s.collection = x;
        break;
      }
      default:
        r.skip(w);
    }
  }
  return s;
}

export function encodeColumnStatistics(s: ColumnStatistics): ProtoWriter {
  const w = new ProtoWriter().uint(1, s.numberOfValues);
  if (s.int) w.message(2, new ProtoWriter().sint64(1, s.int.min).sint64(2, s.int.max).sint64(3, s.int.sum));
  if (s.double)
    w.message(3, new ProtoWriter().double(1, s.double.min).double(2, s.double.max).double(3, s.double.sum));
  if (s.string)
    w.message(
      4,
      new ProtoWriter()
        .string(1, s.string.min)
        .string(2, s.string.max)
        .sint64(3, s.string.sum)
        .string(4, s.string.lowerBound)
        .string(5, s.string.upperBound),
    );
  if (s.bucket) w.message(5, new ProtoWriter().packedUints(1, s.bucket.count));
  if (s.decimal)
    w.message(
      6,
      new ProtoWriter().string(1, s.decimal.min).string(2, s.decimal.max).string(3, s.decimal.sum),
    );
  if (s.date) w.message(7, new ProtoWriter().sint32(1, s.date.min).sint32(2, s.date.max));
  if (s.binary) w.message(8, new ProtoWriter().sint64(1, s.binary.sum));
  if (s.timestamp) {
    const t = s.timestamp;
    w.message(
      9,
      new ProtoWriter()
        .sint64(1, t.min)
        .sint64(2, t.max)
        .sint64(3, t.minUtc)
        .sint64(4, t.maxUtc)
        .uint(5, t.minNanos)
        .uint(6, t.maxNanos),
    );
  }
  w.bool(10, s.hasNull);
  w.uint(11, s.bytesOnDisk);
  if (s.collection)
    w.message(
      12,
      new ProtoWriter()
        .uint(1, s.collection.minChildren)
        .uint(2, s.collection.maxChildren)
        .uint(3, s.collection.totalChildren),
    );
  return w;
}

export interface Footer {
  headerLength: number;
  contentLength: number;
  stripes: StripeInformation[];
  types: ProtoType[];
  metadata: Array<{ name: string; value: Uint8Array }>;
  numberOfRows: number;
  statistics: ColumnStatistics[];
  rowIndexStride: number;
  writer: number | undefined;
  encrypted: boolean;
  calendar: number | undefined;
  softwareVersion: string | undefined;
}

export function decodeFooter(r: ProtoReader): Footer {
  const ft: Footer = {
    headerLength: 0,
    contentLength: 0,
    stripes: [],
    types: [],
    metadata: [],
    numberOfRows: 0,
    statistics: [],
    rowIndexStride: 0,
    writer: undefined,
    encrypted: false,
    calendar: undefined,
    softwareVersion: undefined,
  };
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) ft.headerLength = r.uint();
    else if (f === 2) ft.contentLength = r.uint();
    else if (f === 3) ft.stripes.push(decodeStripeInfo(r.message(`stripe ${ft.stripes.length}`)));
    else if (f === 4) ft.types.push(decodeType(r.message(`type ${ft.types.length}`)));
    else if (f === 5) {
      const m = r.message('user metadata');
      const item = { name: '', value: new Uint8Array(0) };
      while (m.more()) {
        const [g, gw] = m.key();
        if (g === 1) item.name = m.string();
        else if (g === 2) item.value = m.bytes().slice();
        else m.skip(gw);
      }
      ft.metadata.push(item);
    } else if (f === 6) ft.numberOfRows = r.uint();
    else if (f === 7)
      ft.statistics.push(decodeColumnStatistics(r.message(`statistics of column ${ft.statistics.length}`)));
    else if (f === 8) ft.rowIndexStride = r.uint();
    else if (f === 9) ft.writer = r.uint();
    else if (f === 10) {
      ft.encrypted = true;
      r.skip(w);
    } else if (f === 11) ft.calendar = r.uint();
    else if (f === 12) ft.softwareVersion = r.string();
    else r.skip(w);
  }
  return ft;
}

export function encodeFooter(ft: Footer): Uint8Array {
  const w = new ProtoWriter().uint(1, ft.headerLength).uint(2, ft.contentLength);
  for (const s of ft.stripes) w.message(3, encodeStripeInfo(s));
  for (const t of ft.types) w.message(4, encodeType(t));
  for (const m of ft.metadata) w.message(5, new ProtoWriter().string(1, m.name).bytes(2, m.value));
  w.uint(6, ft.numberOfRows);
  for (const s of ft.statistics) w.message(7, encodeColumnStatistics(s));
  w.uint(8, ft.rowIndexStride).uint(9, ft.writer).uint(11, ft.calendar).string(12, ft.softwareVersion);
  return w.finish();
}

/** Per-stripe statistics (the file's Metadata section). */
export function decodeMetadata(r: ProtoReader): ColumnStatistics[][] {
  const out: ColumnStatistics[][] = [];
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) {
      const m = r.message(`stripe ${out.length} statistics`);
      const cols: ColumnStatistics[] = [];
      while (m.more()) {
        const [g, gw] = m.key();
        if (g === 1) cols.push(decodeColumnStatistics(m.message(`column ${cols.length}`)));
        else m.skip(gw);
      }
      out.push(cols);
    } else r.skip(w);
  }
  return out;
}

export function encodeMetadata(stripes: ColumnStatistics[][]): Uint8Array {
  const w = new ProtoWriter();
  for (const cols of stripes) {
    const m = new ProtoWriter();
    for (const c of cols) m.message(1, encodeColumnStatistics(c));
    w.message(1, m);
  }
  return w.finish();
}

export const StreamKind = {
  PRESENT: 0,
  DATA: 1,
  LENGTH: 2,
  DICTIONARY_DATA: 3,
  DICTIONARY_COUNT: 4,
  SECONDARY: 5,
  ROW_INDEX: 6,
  BLOOM_FILTER: 7,
  BLOOM_FILTER_UTF8: 8,
  ENCRYPTED_INDEX: 9,
  ENCRYPTED_DATA: 10,
} as const;

export const EncodingKind = { DIRECT: 0, DICTIONARY: 1, DIRECT_V2: 2, DICTIONARY_V2: 3 } as const;

export interface StreamInfo {
  kind: number;
  column: number;
  length: number;
}

export interface ColumnEncoding {
  kind: number;
  dictionarySize: number;
}

export interface StripeFooter {
  streams: StreamInfo[];
  columns: ColumnEncoding[];
  writerTimezone: string | undefined;
  encrypted: boolean;
}

export function decodeStripeFooter(r: ProtoReader): StripeFooter {
  const sf: StripeFooter = { streams: [], columns: [], writerTimezone: undefined, encrypted: false };
  while (r.more()) {
    const [f, w] = r.key();
    if (f === 1) {
      const m = r.message(`stream ${sf.streams.length}`);
      const s: StreamInfo = { kind: 0, column: 0, length: 0 };
      while (m.more()) {
        const [g, gw] = m.key();
        if (g === 1) s.kind = m.uint();
        else if (g === 2) s.column = m.uint();
        else if (g === 3) s.length = m.uint();
        else m.skip(gw);
      }
      sf.streams.push(s);
    } else if (f === 2) {
      const m = r.message(`column encoding ${sf.columns.length}`);
      const e: ColumnEncoding = { kind: 0, dictionarySize: 0 };
      while (m.more()) {
        const [g, gw] = m.key();
        if (g === 1) e.kind = m.uint();
        else if (g === 2) e.dictionarySize = m.uint();
        else m.skip(gw);
      }
      sf.columns.push(e);
    } else if (f === 3) sf.writerTimezone = r.string();
    else if (f === 4) {
      sf.encrypted = true;
      r.skip(w);
    } else r.skip(w);
  }
  return sf;
}

export function encodeStripeFooter(sf: StripeFooter): Uint8Array {
  const w = new ProtoWriter();
  for (const s of sf.streams)
    w.message(1, new ProtoWriter().uint(1, s.kind).uint(2, s.column).uint(3, s.length));
  for (const c of sf.columns)
    w.message(
      2,
      new ProtoWriter().uint(1, c.kind).uint(2, c.kind === 1 || c.kind === 3 ? c.dictionarySize : undefined),
    );
  w.string(3, sf.writerTimezone);
  return w.finish();
}

/** Row index entries of one column: positions plus statistics per row group. */
export function encodeRowIndex(entries: Array<{ positions: number[]; statistics: ColumnStatistics }>) {
  const w = new ProtoWriter();
  for (const e of entries)
    w.message(
      1,
      new ProtoWriter().packedUints(1, e.positions).message(2, encodeColumnStatistics(e.statistics)),
    );
  return w.finish();
}

export { LEN };
