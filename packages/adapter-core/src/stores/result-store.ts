import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptResultError, DagcacheError } from '../errors.js';
import { getFormat } from '../formats/registry.js';
import type { FormatContext, FormatName } from '../formats/result-format.js';
import { writeFileAtomic } from './atomic-write.js';

/** What the result store knows about each stored result (kept in a sidecar beside the bytes). */
export interface ResultEntry {
  dataVersion: string;
  format: FormatName;
  /** File holding the bytes, relative to the store folder. */
  file: string;
  byteSize: number;
  /** SHA-256 of the bytes, hex. Checked on every read. */
  checksum: string;
  createdAt: number;
  /** Last time the result was read or written (the sidecar's mtime). */
  lastUsedAt: number;
  /** Format metadata needed to decode (e.g. records vs Arrow, CSV schema). */
  meta: Record<string, string>;
}

type Sidecar = Omit<ResultEntry, 'lastUsedAt'> & { v: 1 };

const DV = /^[A-Za-z0-9_-]{16,128}$/;

/** Data versions are url-safe base64; anything else never reaches the file system. */
function checkDataVersion(dv: string): void {
  if (!DV.test(dv)) throw new DagcacheError(`result store: invalid data version ${JSON.stringify(dv)}`);
}

/**
 * Content-addressed result store: data version → bytes in a format, so equal results are stored once.
 * Writes are atomic (temp + rename; the sidecar is written last, so a result without a sidecar does not
 * exist); reads verify the checksum, and a bad entry is reported, never served.
 */
export class ResultStore {
  constructor(readonly dir: string) {}

  private paths(dv: string, ext?: string) {
    checkDataVersion(dv);
    const folder = join(this.dir, dv.slice(0, 2));
    return { folder, sidecar: join(folder, `${dv}.meta.json`), data: ext ? join(folder, `${dv}.${ext}`) : '' };
  }

  /** The entry for a data version, or undefined when there is none (or its sidecar is unreadable). */
  async entry(dv: string): Promise<ResultEntry | undefined> {
    const { sidecar } = this.paths(dv);
    let text: string;
    let mtime: number;
    try {
      const [t, s] = await Promise.all([readFile(sidecar, 'utf8'), stat(sidecar)]);
      text = t;
      mtime = s.mtimeMs;
    } catch {
      return undefined;
    }
    try {
      const side = JSON.parse(text) as Sidecar;
      const { v: _v, ...rest } = side;
      return { ...rest, lastUsedAt: mtime };
    } catch {
      return undefined;
    }
  }

  async has(dv: string): Promise<boolean> {
    try {
      await stat(this.paths(dv).sidecar);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Encodes and stores a result unless one is already stored for this data version. Encoding happens
   * first, so a value the format cannot hold fails before anything is written.
   * Returns the entry and whether it was written now.
   */
  async set(
    dv: string,
    value: unknown,
    format: FormatName,
    ctx: FormatContext,
  ): Promise<{ entry: ResultEntry; written: boolean }> {
    const existing = await this.entry(dv);
    if (existing && existing.format === format) return { entry: existing, written: false };
    const impl = await getFormat(format);
    const encoded = await impl.encode(value, ctx);
    return { entry: await this.setBytes(dv, format, impl.extension, encoded.bytes, encoded.meta ?? {}), written: true };
  }

  /** Stores already encoded bytes (used by `set` and by tools copying results between stores). */
  async setBytes(
    dv: string,
    format: FormatName,
    extension: string,
    bytes: Uint8Array,
    meta: Record<string, string>,
  ): Promise<ResultEntry> {
    const { sidecar, data } = this.paths(dv, extension);
    const previous = await this.entry(dv);
    const checksum = createHash('sha256').update(bytes).digest('hex');
    await writeFileAtomic(data, bytes);
    const side: Sidecar = {
      v: 1,
      dataVersion: dv,
      format,
      file: data.slice(this.dir.length + 1),
      byteSize: bytes.byteLength,
      checksum,
      createdAt: Date.now(),
      meta,
    };
    await writeFileAtomic(sidecar, JSON.stringify(side));
    if (previous && previous.file !== side.file) await rm(join(this.dir, previous.file), { force: true });
    return { ...side, lastUsedAt: side.createdAt };
  }

  /**
   * Reads, verifies and decodes a result. Resolves `undefined` when nothing is stored; throws
   * `CorruptResultError` when the bytes are missing, do not match their checksum, or cannot be decoded.
   */
  async get(dv: string, ctx: FormatContext): Promise<{ value: unknown; entry: ResultEntry } | undefined> {
    const entry = await this.entry(dv);
    if (!entry) return undefined;
    const bytes = await this.readVerified(entry);
    const impl = await getFormat(entry.format);
    let value: unknown;
    try {
      value = await impl.decode(bytes, entry.meta, ctx);
    } catch (err) {
      throw new CorruptResultError(
        `result ${dv} (${entry.format}) for node "${ctx.nodeName}" cannot be decoded: ${(err as Error).message}`,
      );
    }
    const now = new Date();
    // Last-used time drives eviction; failing to record it must not fail a read.
    await utimes(this.paths(dv).sidecar, now, now).catch(() => undefined);
    return { value, entry };
  }

  /** The stored bytes after checking them against the checksum. */
  async readVerified(entry: ResultEntry): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, entry.file));
    } catch {
      throw new CorruptResultError(`result ${entry.dataVersion}: file ${entry.file} is missing`);
    }
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (sum !== entry.checksum || bytes.byteLength !== entry.byteSize) {
      throw new CorruptResultError(`result ${entry.dataVersion}: checksum mismatch in ${entry.file}`);
    }
    return bytes;
  }

  async delete(dv: string): Promise<void> {
    const entry = await this.entry(dv);
    const { sidecar } = this.paths(dv);
    // Sidecar first: once it is gone the result no longer exists, even if removing the bytes fails.
    await rm(sidecar, { force: true });
    if (entry) await rm(join(this.dir, entry.file), { force: true });
  }

  /** Every stored result. */
  async *list(): AsyncGenerator<ResultEntry> {
    let shards: string[];
    try {
      shards = (await readdir(this.dir)).sort();
    } catch {
      return;
    }
    for (const shard of shards) {
      let files: string[];
      try {
        files = await readdir(join(this.dir, shard));
      } catch {
        continue;
      }
      for (const f of files.sort()) {
        if (!f.endsWith('.meta.json')) continue;
        const entry = await this.entry(f.slice(0, -'.meta.json'.length));
        if (entry) yield entry;
      }
    }
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
