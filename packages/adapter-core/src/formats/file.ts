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
    if (meta.input === 'buffer') return Buffer.from(bytes);
    if (meta.input === 'uint8array') return new Uint8Array(bytes);
    const dir = resolve(ctx.fileDir);
    const name = createHash('sha256').update(bytes).digest('hex') + (meta.extension ?? '');
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
function safeExtension(path: string): string {
  const ext = extname(path);
  return /^\.[A-Za-z0-9]{1,12}$/.test(ext) ? ext : '';
}
