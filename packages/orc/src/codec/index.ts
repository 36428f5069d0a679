/**
 * ORC compression framing: a compressed stream is a series of chunks, each with a 3-byte little-endian
 * header `(length << 1) | isOriginal`, followed by `length` bytes that are either stored as is or
 * compressed with the file's codec, and that decompress to at most the compression block size.
 */
import { createRequire } from 'node:module';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { OrcFormatError } from '../errors.js';
import { CompressionKind } from '../proto/messages.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

interface SnappyJs {
  uncompress(src: Uint8Array, maxLength: number): Uint8Array;
  compress(src: Uint8Array): Uint8Array;
}
const snappy = createRequire(import.meta.url)('snappyjs') as SnappyJs;

/** Codec names accepted by the writer. */
export type Compression = 'none' | 'zlib' | 'snappy' | 'lz4' | 'zstd';

export const compressionKinds: Record<Compression, number> = {
  none: CompressionKind.NONE,
  zlib: CompressionKind.ZLIB,
  snappy: CompressionKind.SNAPPY,
  lz4: CompressionKind.LZ4,
  zstd: CompressionKind.ZSTD,
};

const names = ['NONE', 'ZLIB', 'SNAPPY', 'LZO', 'LZ4', 'ZSTD', 'BROTLI'];

/** Name of a CompressionKind number, for messages. */
export function compressionName(kind: number): string {
  return names[kind] ?? `unknown (${kind})`;
}

/** Throws when the file's codec is one this package cannot read. */
export function checkCodecSupported(kind: number): void {
  if (kind === CompressionKind.LZO) throw new OrcFormatError('postscript: LZO compression is not supported');
  if (kind === CompressionKind.BROTLI)
    throw new OrcFormatError('postscript: BROTLI compression is not supported');
  if (kind < 0 || kind > 6) throw new OrcFormatError(`postscript: unknown compression kind ${kind}`);
}

function decompressChunk(kind: number, chunk: Uint8Array, blockSize: number): Uint8Array {
  switch (kind) {
    case CompressionKind.ZLIB:
      return inflateRawSync(chunk, { maxOutputLength: Math.max(1, blockSize) });
    case CompressionKind.SNAPPY:
      return snappy.uncompress(chunk, blockSize);
    case CompressionKind.LZ4:
      return lz4Decompress(chunk, blockSize);
    case CompressionKind.ZSTD:
      return zstdDecompress(chunk, blockSize);
    default:
      throw new Error(`${compressionName(kind)} compression is not supported`);
  }
}

/**
 * Decompresses a whole ORC stream. The output is bounded by (number of chunks × block size), and the
 * number of chunks by the input length, so a hostile header cannot make us allocate without limit.
 */
export function decompressStream(
  kind: number,
  data: Uint8Array,
  blockSize: number,
  where: string,
): Uint8Array {
  if (kind === CompressionKind.NONE) return data;
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    if (pos + 3 > data.length) throw new OrcFormatError(`${where}: truncated compression chunk header`);
    const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    pos += 3;
    const isOriginal = (header & 1) === 1;
    const len = header >>> 1;
    if (pos + len > data.length)
      throw new OrcFormatError(`${where}: compression chunk of ${len} bytes runs past the stream end`);
    const chunk = data.subarray(pos, pos + len);
    pos += len;
    let out: Uint8Array;
    if (isOriginal) {
      out = chunk;
    } else {
      try {
        out = decompressChunk(kind, chunk, blockSize);
      } catch (err) {
        throw new OrcFormatError(
          `${where}: cannot decompress ${compressionName(kind)} chunk (${(err as Error).message})`,
        );
      }
    }
    parts.push(out);
    total += out.length;
  }
  // Always hand out a plain Uint8Array (Node Buffers from zlib share a pool and slice without copying).
  if (parts.length === 1) return new Uint8Array(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.length);
  const result = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    result.set(p, off);
    off += p.length;
  }
  return result;
}

function compressChunk(kind: number, chunk: Uint8Array, level: number | undefined): Uint8Array {
  switch (kind) {
    case CompressionKind.ZLIB:
      return deflateRawSync(chunk, { level: level ?? 6 });
    case CompressionKind.SNAPPY:
      return snappy.compress(chunk);
    case CompressionKind.LZ4:
      return lz4Compress(chunk);
    case CompressionKind.ZSTD:
      return zstdCompress(chunk, level ?? 3);
    default:
      throw new OrcFormatError(`cannot write ${compressionName(kind)} compression`);
  }
}

/** Compresses a whole stream into ORC chunks of at most `blockSize` uncompressed bytes. */
export function compressStream(
  kind: number,
  data: Uint8Array,
  blockSize: number,
  level?: number,
): Uint8Array {
  if (kind === CompressionKind.NONE) return data;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let pos = 0; pos < data.length; pos += blockSize) {
    const chunk = data.subarray(pos, Math.min(data.length, pos + blockSize));
    const c = compressChunk(kind, chunk, level);
    const original = c.length >= chunk.length;
    const body = original ? chunk : c;
    const header = new Uint8Array(3);
    const h = body.length * 2 + (original ? 1 : 0);
    header[0] = h & 0xff;
    header[1] = (h >>> 8) & 0xff;
    header[2] = (h >>> 16) & 0xff;
    parts.push(header, body);
    total += 3 + body.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
