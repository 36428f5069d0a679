import { createHash } from 'node:crypto';
import { CorruptResultError, DagcacheError, ResultTooLargeError } from '../errors.js';
import { getFormat } from '../formats/registry.js';
import type { FormatContext, FormatName } from '../formats/result-format.js';
import { Lru } from './lru.js';
import type { ResultBackend, ResultEntry } from './result-backend.js';
import { SqliteFileBackend } from './result-backends/sqlite-file-backend.js';
import { TickBatch } from './tick-batch.js';
import type { Signer } from './signer.js';

export type { ResultEntry } from './result-backend.js';

/** Results up to this size live inside the default index database. */
export const INLINE_MAX_BYTES = 256 * 1024;

const DV = /^[A-Za-z0-9_-]{16,128}$/;
/** Hashing is fed in slices: one update of 2 GiB+ is more than some OpenSSL builds take at once. */
const HASH_SLICE = 256 * 1024 * 1024;

function checkDataVersion(dv: string): void {
  if (!DV.test(dv)) throw new DagcacheError(`result store: invalid data version ${JSON.stringify(dv)}`);
}

function sha256Hex(bytes: Uint8Array): string {
  const h = createHash('sha256');
  for (let at = 0; at < bytes.byteLength; at += HASH_SLICE)
    h.update(bytes.subarray(at, Math.min(at + HASH_SLICE, bytes.byteLength)));
  return h.digest('hex');
}

/** What a result signature covers: everything that decides which bytes are served and how they decode. */
const signedPart = (e: ResultEntry) => ({
  format: e.format,
  byteSize: e.byteSize,
  checksum: e.checksum,
  meta: e.meta,
});

/** Options of the result store. */
export interface ResultStoreOptions {
  /** Signs entries on write and rejects unsigned or tampered ones on read. */
  signer?: Signer | undefined;
  /** Encoded results larger than this are refused with `ResultTooLargeError`. */
  maxResultBytes?: number | undefined;
}

/**
 * Content-addressed result store: data version → bytes in a format, so equal results are stored once.
 * A backend persists entries and bytes (SQLite index + files by default; Postgres or Redis when there
 * is no shared disk); this class encodes, checksums, signs, batches writes and keeps recently used
 * small results in memory. Reads verify the checksum (and the signature when signing is on): a bad
 * entry is reported, never served.
 *
 * @example
 * ```ts
 * const store = await ResultStore.open('.dagcache/results');
 * await store.set(dv, { a: 1 }, 'json', { nodeName: 'n', fileDir: '/tmp' }).then((r) => r.written);
 * (await store.get(dv, { nodeName: 'n', fileDir: '/tmp' }))?.value; // { a: 1 }
 * ```
 */
export class ResultStore {
  /** Small results read or written lately, already verified: repeated hits in a process skip the index. */
  private readonly recent = new Lru<string, { entry: ResultEntry; bytes: Uint8Array }>(
    10_000,
    64 * 1024 * 1024,
    (v) => v.bytes.byteLength,
  );
  /** Written but not yet committed: readers in this process see them at once. */
  private readonly pending = new Map<string, { entry: ResultEntry; bytes: Uint8Array }>();
  private readonly signer: Signer | undefined;
  private readonly maxResultBytes: number | undefined;

  constructor(
    readonly backend: ResultBackend,
    options: ResultStoreOptions = {},
  ) {
    this.signer = options.signer;
    this.maxResultBytes = options.maxResultBytes;
  }

  /** Opens the default store: SQLite index plus files in `dir`. */
  static async open(dir: string, options: ResultStoreOptions = {}): Promise<ResultStore> {
    return new ResultStore(await SqliteFileBackend.open(dir), options);
  }

  /** Where results live, for messages. */
  get location(): string {
    return this.backend.location;
  }

  /** Whether an entry may be served: always without signing; with it, only when its signature matches. */
  trusted(entry: ResultEntry): boolean {
    return this.rejection(entry) === undefined;
  }

  /** Why an entry may not be served (signing is on and it is unsigned or tampered), or undefined. */
  rejection(entry: ResultEntry): string | undefined {
    if (!this.signer) return undefined;
    if (!entry.signature) return `result ${entry.dataVersion}: entry is not signed (rejected: signing is on)`;
    return this.signer.verify('result', entry.dataVersion, signedPart(entry), entry.signature)
      ? undefined
      : `result ${entry.dataVersion}: signature does not match (rejected: signing is on)`;
  }

  /** The entry for a data version, or undefined when there is none. Check `trusted` before serving it. */
  async entry(dv: string): Promise<ResultEntry | undefined> {
    checkDataVersion(dv);
    const p = this.pending.get(dv) ?? this.recent.get(dv);
    if (p) return p.entry;
    return (await this.backend.entries([dv])).get(dv);
  }

  /** Entries of many data versions in one query (a warm run checks all its hits at once). */
  async entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>> {
    const out = new Map<string, ResultEntry>();
    const ask: string[] = [];
    for (const dv of new Set(dvs)) {
      checkDataVersion(dv);
      const p = this.pending.get(dv);
      if (p) out.set(dv, p.entry);
      else ask.push(dv);
    }
    if (ask.length) for (const [dv, e] of await this.backend.entries(ask)) out.set(dv, e);
    return out;
  }

  /** Whether a result that may be served is stored. */
  async has(dv: string): Promise<boolean> {
    const e = await this.entry(dv);
    return e !== undefined && this.trusted(e);
  }

  /**
   * Encodes and stores a result unless one is already stored for this data version in this format.
   * Encoding happens first, so a value the format cannot hold (or one over `maxResultBytes`) fails
   * before anything is written. Resolves once the bytes are encoded; `written` resolves, once
   * committed, to whether this call stored them (false when an equal result was already there).
   */
  async set(
    dv: string,
    value: unknown,
    format: FormatName,
    ctx: FormatContext,
  ): Promise<{ entry: ResultEntry; written: Promise<boolean> }> {
    checkDataVersion(dv);
    const queued = this.pending.get(dv);
    if (queued && queued.entry.format === format)
      return { entry: queued.entry, written: Promise.resolve(false) };
    const impl = await getFormat(format);
    const encoded = await impl.encode(value, ctx);
    if (this.maxResultBytes !== undefined && encoded.bytes.byteLength > this.maxResultBytes) {
      throw new ResultTooLargeError(ctx.nodeName, encoded.bytes.byteLength, this.maxResultBytes);
    }
    if (encoded.bytes.byteLength > this.backend.inlineMax) {
      // Skip rewriting a large blob that is already stored.
      const existing = await this.entry(dv);
      if (existing && existing.format === format && this.trusted(existing))
        return { entry: existing, written: Promise.resolve(false) };
    }
    return this.setBytes(dv, format, impl.extension, encoded.bytes, encoded.meta ?? {});
  }

  /** Stores already encoded bytes. Large ones go to a blob first; the entry is the commit point. */
  async setBytes(
    dv: string,
    format: FormatName,
    extension: string,
    bytes: Uint8Array,
    meta: Record<string, string>,
  ): Promise<{ entry: ResultEntry; written: Promise<boolean> }> {
    checkDataVersion(dv);
    const checksum = sha256Hex(bytes);
    const file =
      bytes.byteLength > this.backend.inlineMax ? await this.backend.writeBlob(dv, extension, bytes) : null;
    const now = Date.now();
    const entry: ResultEntry = {
      dataVersion: dv,
      format,
      file,
      byteSize: bytes.byteLength,
      checksum,
      createdAt: now,
      lastUsedAt: now,
      meta,
    };
    if (this.signer) entry.signature = this.signer.sign('result', dv, signedPart(entry));
    // A large result is not kept for readers in this process: holding it would double its memory.
    if (!file) {
      this.pending.set(dv, { entry, bytes });
      this.recent.set(dv, { entry, bytes });
    }
    const written = this.queuePut(entry, file ? undefined : bytes).finally(() => {
      if (this.pending.get(dv)?.entry === entry) this.pending.delete(dv);
    });
    return { entry, written };
  }

  /**
   * Reads, verifies and decodes a result. Resolves `undefined` when nothing is stored; throws
   * `CorruptResultError` when the bytes are missing, do not match their checksum or signature, or
   * cannot be decoded.
   */
  async get(dv: string, ctx: FormatContext): Promise<{ value: unknown; entry: ResultEntry } | undefined> {
    checkDataVersion(dv);
    let entry: ResultEntry;
    let bytes: Uint8Array;
    const p = this.pending.get(dv) ?? this.recent.get(dv);
    if (p) {
      entry = p.entry;
      bytes = p.bytes;
    } else {
      const row = await this.rows.get(dv);
      if (!row) return undefined;
      entry = row.entry;
      bytes = await this.readVerified(entry, row.bytes);
      if (!entry.file) this.recent.set(dv, { entry, bytes });
    }
    this.touch(dv);
    const impl = await getFormat(entry.format);
    try {
      return { value: await impl.decode(bytes, entry.meta, ctx), entry };
    } catch (err) {
      throw new CorruptResultError(
        `result ${dv} (${entry.format}) for node "${ctx.nodeName}" cannot be decoded: ${(err as Error).message}`,
      );
    }
  }

  /**
   * Reads an entry with its inline bytes. Reads asked for in the same tick share one query (a run that
   * needs 1,000 final results reads them in one round trip, not 1,000).
   */
  private readonly rows = new TickBatch(async (dvs: string[]) => {
    const found = await this.backend.fetch(dvs);
    return (dv: string) => found.get(dv);
  });

  private puts: Array<{
    entry: ResultEntry;
    bytes: Uint8Array | undefined;
    resolve: (written: boolean) => void;
    reject: (e: Error) => void;
  }> = [];
  private putBytes = 0;
  private putsQueued = false;

  /**
   * Entries are written many per statement (one multi-row upsert per batch instead of a statement per
   * result): a cold run of 1,000 nodes commits its results in a single round trip.
   */
  private queuePut(entry: ResultEntry, bytes: Uint8Array | undefined): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.puts.push({ entry, bytes, resolve, reject });
      this.putBytes += bytes?.byteLength ?? 0;
      if (this.puts.length >= 1_000 || this.putBytes > 16 * 1024 * 1024) void this.writePuts();
      else if (!this.putsQueued) {
        this.putsQueued = true;
        setTimeout(() => void this.writePuts(), 25);
      }
    });
  }

  private async writePuts(): Promise<void> {
    this.putsQueued = false;
    const batch = this.puts;
    this.puts = [];
    this.putBytes = 0;
    if (batch.length === 0) return;
    // Last write wins within a batch too.
    const last = new Map(batch.map((b) => [b.entry.dataVersion, b]));
    try {
      const written = await this.backend.put(
        [...last.values()].map((b) => (b.bytes ? { entry: b.entry, bytes: b.bytes } : { entry: b.entry })),
      );
      for (const b of batch)
        b.resolve(written.has(b.entry.dataVersion) && last.get(b.entry.dataVersion) === b);
    } catch (err) {
      for (const b of batch) b.reject(err as Error);
    }
  }

  private touched = new Set<string>();
  private touchTimer: NodeJS.Timeout | undefined;

  /**
   * Records last-used times (for eviction), coalesced into one background statement per second (and at
   * flush/close), so reads never wait on it; it never fails a read.
   */
  private touch(dv: string): void {
    this.touched.add(dv);
    if (this.touchTimer) return;
    this.touchTimer = setTimeout(() => void this.writeTouched(), 1_000);
    this.touchTimer.unref();
  }

  private writeTouched(): Promise<unknown> {
    if (this.touchTimer) clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    if (this.touched.size === 0) return Promise.resolve();
    const dvs = [...this.touched];
    this.touched = new Set();
    return this.backend.touch(dvs, Date.now()).catch(() => undefined);
  }

  /** The stored bytes after checking them against the signature (when signing is on) and checksum. */
  async readVerified(entry: ResultEntry, inline?: Uint8Array): Promise<Uint8Array> {
    const rejected = this.rejection(entry);
    if (rejected) throw new CorruptResultError(rejected);
    const bytes = entry.file
      ? await this.backend.readBytes(entry)
      : (inline ?? (await this.backend.readBytes(entry)));
    if (!bytes) {
      throw new CorruptResultError(
        `result ${entry.dataVersion}: ${entry.file ? `blob ${entry.file} is missing` : 'its bytes are missing'}`,
      );
    }
    if (bytes.byteLength !== entry.byteSize || sha256Hex(bytes) !== entry.checksum) {
      throw new CorruptResultError(
        `result ${entry.dataVersion}: checksum mismatch${entry.file ? ` in ${entry.file}` : ''}`,
      );
    }
    return bytes;
  }

  async delete(dv: string): Promise<void> {
    this.pending.delete(dv);
    this.recent.delete(dv);
    await this.backend.delete([dv]);
  }

  /** Every stored result, in data-version order. */
  async *list(): AsyncGenerator<ResultEntry> {
    await this.flush();
    let after = '';
    for (;;) {
      const entries = await this.backend.list(after, 1000);
      if (entries.length === 0) return;
      yield* entries;
      after = entries[entries.length - 1]!.dataVersion;
    }
  }

  /** Count and bytes of stored results. */
  async usage(): Promise<{ count: number; bytes: number }> {
    await this.flush();
    return this.backend.usage();
  }

  /** Reclaims blobs no entry names that are older than `olderThan` (see `ResultBackend.sweep`). */
  sweep(olderThan: number, dryRun = false): Promise<number> {
    return this.backend.sweep(olderThan, dryRun);
  }

  /** Commits every pending write. */
  async flush(): Promise<void> {
    const put = this.writePuts();
    await this.writeTouched();
    await put;
    await (this.backend as { flush?: () => Promise<void> }).flush?.();
  }

  async clear(): Promise<void> {
    this.pending.clear();
    this.recent.clear();
    await this.backend.clear();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.backend.close();
  }
}
