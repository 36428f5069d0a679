/**
 * File-level reading: postscript → footer → metadata → stripes.
 */
import { checkCodecSupported, compressionName, decompressStream } from '../codec/index.js';
import { OrcFormatError, wrapError } from '../errors.js';
import {
  decodeFooter,
  decodeMetadata,
  decodePostScript,
  decodeStripeFooter,
  type ColumnStatistics,
  type Footer,
  type PostScript,
  type StripeFooter,
} from '../proto/messages.js';
import { ProtoReader } from '../proto/wire.js';
import { vectorToValues, type OrcValue } from '../rows.js';
import { typeFromProto, typeTree, type OrcType, type TypeNode } from '../schema.js';
import { concatVectors, type ColumnVector } from '../vector.js';
import { readColumn, type StripeContext } from './columns.js';

export interface ReadOptions {
  /**
   * Time zone of TIMESTAMP columns in files that do not record their writer's time zone (files written
   * before ORC 0.12 / Hive 0.13). ORC's own tools use the reading machine's zone there. Default `'UTC'`.
   */
  defaultTimezone?: string;
  /**
   * Read only these top-level fields (of a struct root), in this order; the others are not decoded.
   * `schema`, `data` and `rows()` then hold only these; `statistics` stay indexed by the file's column ids.
   */
  columns?: readonly string[];
}

/** One stripe as listed in the footer, plus what its stripe footer says. */
export interface StripeSummary {
  offset: number;
  indexLength: number;
  dataLength: number;
  footerLength: number;
  numberOfRows: number;
  writerTimezone: string | undefined;
  /** Encoding per column id: DIRECT, DICTIONARY, DIRECT_V2 or DICTIONARY_V2. */
  encodings: string[];
}

/** A decoded ORC file. */
export interface OrcFile {
  /** The file's type (normally a struct of the columns). */
  schema: OrcType;
  numRows: number;
  /** The data as one column vector of the root type (per-stripe vectors concatenated). */
  data: ColumnVector;
  /** User metadata (key → bytes). */
  metadata: Record<string, Uint8Array>;
  /** File-level statistics, indexed by column id (0 = root). */
  statistics: ColumnStatistics[];
  /** Per-stripe statistics from the file's metadata section, [stripe][column id]. */
  stripeStatistics: ColumnStatistics[][];
  stripes: StripeSummary[];
  compression: string;
  compressionBlockSize: number;
  /** File format version, e.g. "0.12". */
  version: string;
  writerVersion: number | undefined;
  softwareVersion: string | undefined;
  rowIndexStride: number;
  /** Rows as plain JavaScript values (see rows.ts for the mapping). */
  rows(): OrcValue[];
}

export interface FileTail {
  ps: PostScript;
  footer: Footer;
  schema: OrcType;
  blockSize: number;
  contentEnd: number;
  metadataStart: number;
}

const MAGIC = [0x4f, 0x52, 0x43]; // "ORC"

/** Parses the postscript and footer. */
export function readTail(file: Uint8Array): FileTail {
  if (file.length < 4) throw new OrcFormatError(`file: ${file.length} bytes is too short to be an ORC file`);
  if (file[0] !== MAGIC[0] || file[1] !== MAGIC[1] || file[2] !== MAGIC[2])
    throw new OrcFormatError('file: does not start with the ORC magic');
  const psLen = file[file.length - 1]!;
  if (psLen === 0 || psLen + 1 > file.length - 3)
    throw new OrcFormatError(`postscript: length ${psLen} does not fit the file`);
  const psStart = file.length - 1 - psLen;
  const ps = decodePostScript(new ProtoReader(file, 'postscript', psStart, file.length - 1));
  if (ps.magic !== undefined && ps.magic !== 'ORC') throw new OrcFormatError('postscript: bad magic');
  checkCodecSupported(ps.compression);
  const blockSize = ps.compressionBlockSize ?? 256 * 1024;
  if (blockSize <= 0 || blockSize > 64 * 1024 * 1024)
    throw new OrcFormatError(`postscript: compression block size ${blockSize} out of range`);
  const footerStart = psStart - ps.footerLength;
  const metadataStart = footerStart - ps.metadataLength;
  if (footerStart < 3 || metadataStart < 3)
    throw new OrcFormatError(`postscript: footer (${ps.footerLength} bytes) does not fit the file`);
  const footerBytes = decompressStream(
    ps.compression,
    file.subarray(footerStart, psStart),
    blockSize,
    'footer',
  );
  const footer = decodeFooter(new ProtoReader(footerBytes, 'footer'));
  if (footer.encrypted) throw new OrcFormatError('footer: encrypted ORC files are not supported');
  const schema = typeFromProto(footer.types);
  return { ps, footer, schema, blockSize, contentEnd: metadataStart, metadataStart };
}

const encodingNames = ['DIRECT', 'DICTIONARY', 'DIRECT_V2', 'DICTIONARY_V2'];

/**
 * Reads a whole ORC file.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { readOrc } from '@dagcache/orc';
 * const file = readOrc(readFileSync('data.orc'));
 * console.log(file.numRows, file.schema, file.rows()[0]);
 * ```
 * @throws OrcFormatError naming the part of the file at fault.
 */
export function readOrc(bytes: Uint8Array, opts: ReadOptions = {}): OrcFile {
  try {
    return readFile(bytes, opts);
  } catch (err) {
    throw wrapError(err, 'file');
  }
}

function readFile(file: Uint8Array, opts: ReadOptions): OrcFile {
  // ORC's Java reader treats a zero-length file as an empty table with no columns; so do we.
  if (file.length === 0) return emptyFile();
  const tail = readTail(file);
  const { ps, footer, schema, blockSize } = tail;
  const decimalAsLong = ps.version.length === 2 && ps.version[0] === 1 && ps.version[1] === 9999;
  const fullRoot = typeTree(schema);
  const nodes: TypeNode[] = [];
  const collect = (n: TypeNode) => {
    nodes.push(n);
    n.children.forEach(collect);
  };
  collect(fullRoot);
  const { root, type: outType } = project(fullRoot, opts.columns);
  const parts: ColumnVector[] = [];
  const stripes: StripeSummary[] = [];
  let rows = 0;
  footer.stripes.forEach((s, i) => {
    const where = `stripe ${i}`;
    const end = s.offset + s.indexLength + s.dataLength + s.footerLength;
    if (s.offset < 3 || end > tail.contentEnd)
      throw new OrcFormatError(`${where}: extends past the file content (offset ${s.offset}, end ${end})`);
    if (s.encrypted) throw new OrcFormatError(`${where}: encrypted ORC files are not supported`);
    const sfStart = s.offset + s.indexLength + s.dataLength;
    const sfBytes = decompressStream(
      ps.compression,
      file.subarray(sfStart, sfStart + s.footerLength),
      blockSize,
      `${where} footer`,
    );
    const sf = decodeStripeFooter(new ProtoReader(sfBytes, `${where} footer`));
    if (sf.encrypted) throw new OrcFormatError(`${where}: encrypted ORC files are not supported`);
    const ctx = stripeContext(file, sf, s.offset, s.indexLength + s.dataLength, nodes, where, {
      compression: ps.compression,
      blockSize,
      timezone: sf.writerTimezone || opts.defaultTimezone || 'UTC',
      decimalAsLong,
    });
    parts.push(readColumn(ctx, root, s.numberOfRows));
    rows += s.numberOfRows;
    stripes.push({
      offset: s.offset,
      indexLength: s.indexLength,
      dataLength: s.dataLength,
      footerLength: s.footerLength,
      numberOfRows: s.numberOfRows,
      writerTimezone: sf.writerTimezone,
      encodings: sf.columns.map((c) => encodingNames[c.kind] ?? String(c.kind)),
    });
  });
  if (rows !== footer.numberOfRows && footer.numberOfRows !== 0)
    throw new OrcFormatError(`footer: stripes hold ${rows} rows but the footer says ${footer.numberOfRows}`);
  const data = parts.length > 0 ? concatVectors(outType, parts) : readEmpty(root, nodes);
  // Stripe statistics are read after the data, so a data error is the one reported for a broken file.
  let stripeStatistics: ColumnStatistics[][] = [];
  if (ps.metadataLength > 0) {
    const mb = decompressStream(
      ps.compression,
      file.subarray(tail.metadataStart, tail.metadataStart + ps.metadataLength),
      blockSize,
      'metadata',
    );
    stripeStatistics = decodeMetadata(new ProtoReader(mb, 'metadata'));
  }
  const metadata: Record<string, Uint8Array> = {};
  for (const m of footer.metadata) metadata[m.name] = m.value;
  return {
    schema: outType,
    numRows: rows,
    data,
    metadata,
    statistics: footer.statistics,
    stripeStatistics,
    stripes,
    compression: compressionName(ps.compression),
    compressionBlockSize: blockSize,
    version: ps.version.join('.'),
    writerVersion: ps.writerVersion,
    softwareVersion: footer.softwareVersion,
    rowIndexStride: footer.rowIndexStride,
    rows: () => vectorToValues(data),
  };
}

/** The root node and type restricted to the selected top-level fields (column ids are kept). */
function project(root: TypeNode, columns: readonly string[] | undefined): { root: TypeNode; type: OrcType } {
  if (!columns) return { root, type: root.type };
  const t = root.type;
  if (t.kind !== 'struct') throw new OrcFormatError('columns option: the file root is not a struct');
  const picked = columns.map((name) => {
    const i = t.fields.findIndex((f) => f.name === name);
    if (i < 0)
      throw new OrcFormatError(
        `columns option: no column '${name}' (has ${t.fields.map((f) => f.name).join(', ')})`,
      );
    return i;
  });
  const type: OrcType = { ...t, fields: picked.map((i) => t.fields[i]!) };
  return { root: { ...root, type, children: picked.map((i) => root.children[i]!) }, type };
}

function emptyFile(): OrcFile {
  const schema: OrcType = { kind: 'struct', fields: [] };
  const data: ColumnVector = { type: schema, length: 0, present: null, children: [] };
  return {
    schema,
    numRows: 0,
    data,
    metadata: {},
    statistics: [],
    stripeStatistics: [],
    stripes: [],
    compression: 'NONE',
    compressionBlockSize: 0,
    version: '',
    writerVersion: undefined,
    softwareVersion: undefined,
    rowIndexStride: 0,
    rows: () => [],
  };
}

/** A zero-row vector of the schema (files without stripes). */
function readEmpty(root: TypeNode, nodes: TypeNode[]): ColumnVector {
  const ctx: StripeContext = {
    where: 'empty file',
    stream: () => undefined,
    encoding: () => ({ kind: 0, dictionarySize: 0 }),
    writerTimezone: 'UTC',
    decimalAsLong: false,
  };
  void nodes;
  return readColumn(ctx, root, 0);
}

function stripeContext(
  file: Uint8Array,
  sf: StripeFooter,
  start: number,
  length: number,
  nodes: TypeNode[],
  where: string,
  o: { compression: number; blockSize: number; timezone: string; decimalAsLong: boolean },
): StripeContext {
  if (sf.columns.length < nodes.length)
    throw new OrcFormatError(
      `${where} footer: ${sf.columns.length} column encodings for ${nodes.length} columns`,
    );
  const ranges = new Map<number, [number, number]>();
  let pos = start;
  for (const s of sf.streams) {
    const from = pos;
    pos += s.length;
    if (pos > start + length)
      throw new OrcFormatError(
        `${where} footer: stream ${s.kind} of column ${s.column} runs past the stripe data`,
      );
    if (s.column >= nodes.length) continue;
    ranges.set(s.column * 64 + s.kind, [from, s.length]);
  }
  const cache = new Map<number, Uint8Array>();
  return {
    where,
    writerTimezone: o.timezone,
    decimalAsLong: o.decimalAsLong,
    encoding: (col) => sf.columns[col]!,
    stream(col, kind) {
      const key = col * 64 + kind;
      const hit = cache.get(key);
      if (hit) return hit;
      const r = ranges.get(key);
      if (!r) return undefined;
      const node = nodes[col];
      const bytes = decompressStream(
        o.compression,
        file.subarray(r[0], r[0] + r[1]),
        o.blockSize,
        `${where} column ${col} (${node?.name || 'root'}) stream ${kind}`,
      );
      cache.set(key, bytes);
      return bytes;
    },
  };
}

/** What the file tail says, without decoding any stripe. */
export type OrcInfo = Omit<OrcFile, 'data' | 'rows' | 'stripes'> & {
  stripes: Array<Omit<StripeSummary, 'writerTimezone' | 'encodings'>>;
};

/**
 * Reads only the postscript, footer and metadata: schema, row count, statistics, stripes, user metadata.
 * Cheap, whatever the file size.
 *
 * @example
 * ```ts
 * const info = readOrcInfo(bytes);
 * console.log(info.numRows, typeToString(info.schema), info.statistics[1]);
 * ```
 */
export function readOrcInfo(bytes: Uint8Array): OrcInfo {
  try {
    if (bytes.length === 0) {
      const { data: _d, rows: _r, ...rest } = emptyFile();
      return rest;
    }
    const tail = readTail(bytes);
    const { ps, footer, schema, blockSize } = tail;
    let stripeStatistics: ColumnStatistics[][] = [];
    if (ps.metadataLength > 0) {
      const mb = decompressStream(
        ps.compression,
        bytes.subarray(tail.metadataStart, tail.metadataStart + ps.metadataLength),
        blockSize,
        'metadata',
      );
      stripeStatistics = decodeMetadata(new ProtoReader(mb, 'metadata'));
    }
    const metadata: Record<string, Uint8Array> = {};
    for (const m of footer.metadata) metadata[m.name] = m.value;
    return {
      schema,
      numRows: footer.numberOfRows,
      metadata,
      statistics: footer.statistics,
      stripeStatistics,
      stripes: footer.stripes.map((s) => ({
        offset: s.offset,
        indexLength: s.indexLength,
        dataLength: s.dataLength,
        footerLength: s.footerLength,
        numberOfRows: s.numberOfRows,
      })),
      compression: compressionName(ps.compression),
      compressionBlockSize: blockSize,
      version: ps.version.join('.'),
      writerVersion: ps.writerVersion,
      softwareVersion: footer.softwareVersion,
      rowIndexStride: footer.rowIndexStride,
    };
  } catch (err) {
    throw wrapError(err, 'file');
  }
}
