import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { FormatError } from '../errors.js';
import type { EncodedResult, ResultFormat } from './result-format.js';

/**
 * `file`: the node returns a path to a file it wrote (a string) or the file's bytes (a Buffer or
 * Uint8Array). The file's bytes are stored. On decode a copy is written to `ctx.fileDir` and its path is
 * returned (for a Buffer/Uint8Array input, the bytes are returned as a Buffer).
 *
 * The copy is named by the SHA-256 of its bytes (plus the original extension), never by the node name,
 * and written atomically (temp file + rename), so concurrent restores of the same result are safe and
 * node names never become file paths.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('file');
 * const { bytes, meta } = await fmt.encode('/tmp/model.onnx', ctx);
 * await fmt.decode(bytes, meta ?? {}, { ...ctx, fileDir: '.dagcache/files' }); // '.dagcache/files/3f…a9.onnx' (absolute)
 * ```
 */
export const fileFormat: ResultFormat = {
  name: 'file',
  extension: 'bin',
  async encode(value, ctx): Promise<EncodedResult> {
    if (typeof value === 'string') {
      const path = resolve(value);
      let bytes: Buffer;
      try {
        const info = await stat(path);
        if (!info.isFile())
          throw new FormatError(
            `file format: node "${ctx.nodeName}" returned "${path}", which is not a file`,
          );
        bytes = await readFile(path);
      } catch (err) {
        if (err instanceof FormatError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        throw new FormatError(
          `file format: node "${ctx.nodeName}" returned the path "${path}", which cannot be read` +
            (code === 'ENOENT' ? ' (no such file)' : ` (${(err as Error).message})`),
        );
      }
      return { bytes, meta: { input: 'path', extension: safeExtension(path) } };
    }
    if (value instanceof Uint8Array) {
      return { bytes: value, meta: { input: Buffer.isBuffer(value) ? 'buffer' : 'uint8array' } };
    }
    throw new FormatError(
      `file format: node "${ctx.nodeName}" must return a file path (string) or a Buffer/Uint8Array, got ` +
        (value === null
          ? 'null'
          : typeof value === 'object'
            ? `a ${value.constructor?.name ?? 'object'}`
            : `a ${typeof value}`),
    );
  },
  async decode(bytes, meta, ctx) {
    if (meta.input === 'buffer') return ownBytes(bytes, true);
    if (meta.input === 'uint8array') return ownBytes(bytes, false);
    const dir = resolve(ctx.fileDir);
    // The extension comes from the store, which someone else may have written: checked again here so
    // that it can never add a path separator.
    const name = createHash('sha256').update(bytes).digest('hex') + safeExtension(`x${meta.extension ?? ''}`);
    const target = join(dir, name);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return target;
  },
};

/** The original extension when it is short and plain (so restored files open in the right tool), else ''. */
/**
 * The bytes for the caller to keep. Large results are read fresh for each call and handed over as
 * they are, so a 2 GiB result is not held twice; small ones may be shared with the store's in-memory
 * cache and are copied, so a caller that mutates its Buffer cannot change what the next hit returns.
 */
export function ownBytes(bytes: Uint8Array, asBuffer: boolean): Uint8Array {
  if (bytes.byteLength > OWN_COPY_MAX) {
    return asBuffer
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return asBuffer ? Buffer.from(bytes) : new Uint8Array(bytes);
}

/** Same bound as the result store's in-memory cache of small results (inline results). */
const OWN_COPY_MAX = 256 * 1024;

function safeExtension(path: string): string {
  const ext = extname(path);
  return /^\.[A-Za-z0-9]{1,12}$/.test(ext) ? ext : '';
}
