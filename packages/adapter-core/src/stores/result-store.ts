import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptResultError, DagcacheError } from '../errors.js';
import { getFormat } from '../formats/registry.js';
import type { FormatContext, FormatName } from '../formats/result-format.js';
import { writeFileAtomic } from './atomic-write.js';
import { Lru } from './lru.js';
import { SqliteDb } from './sqlite-db.js';

import type { ResultEntry } from './result-backend.js';

export type { ResultEntry } from './result-backend.js';

interface Row {
  dv: string;
  format: string;
  byte_size: number;
  checksum: string;
  created_at: number;
  last_used_at: number;
  meta: string;
  file: string | null;
  data?: Buffer | null;
}

/** Results up to this size live inside the index database: one row instead of several file operations. */
export const INLINE_MAX_BYTES = 256 * 1024;

const DV = /^[A-Za-z0-9_-]{16,128}$/;
const COLUMNS = 'dv, format, byte_size, checksum, created_at, last_used_at, meta, file';

function checkDataVersion(dv: string): void {
  if (!DV.test(dv)) throw new DagcacheError(`result store: invalid data version ${JSON.stringify(dv)}`);
}

const toEntry = (r: Row): ResultEntry => ({
  dataVersion: r.dv,
  format: r.format as FormatName,
  file: r.file,
  byteSize: r.byte_size,
  checksum: r.checksum,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  meta: JSON.parse(r.meta) as Record<string, string>,
});

/**
 * Content-addressed result store: data version → bytes in a format, so equal results are stored once.
 * An SQLite index (`<dir>/index.sqlite`) knows every result — format, size, checksum, created and
 * last-used times — so size accounting and eviction cover every format. Small results are stored in
 * the index itself; large ones as files written atomically (temp + rename) before their row commits, so
 * a row never points at a partial file. Reads verify the checksum: a bad entry is reported, never served.
 *
 * @example
 * ```ts
 * const store = await ResultStore.open('.dagcache/results');
 * await store.set(dv, { a: 1 }, 'json', { nodeName: 'n', fileDir: '/tmp' }).then((r) => r.done);
 * (await store.get(dv, { nodeName: 'n', fileDir: '/tmp' }))?.value; // { a: 1 }
 * ```
 */
export class ResultStore {
  /** Small results read or written lately, already verified: repeated hits in a process skip the index. */
  private readonly recent = new Lru<string, { entry: ResultEntry; bytes: Uint8Array }>(10_000, 64 * 1024 * 1024, (v) => v.bytes.byteLength);
  /** Written but not yet committed: readers in this process see them at once. */
  private readonly pending = new Map<string, { entry: ResultEntry; bytes: Uint8Array }>();

  private constructor(
    readonly dir: string,
    /** Reads. */
    private readonly db: SqliteDb,
    /** Writes, on their own connection: in WAL mode reads never wait behind a write transaction. */
    private readonly writer: SqliteDb,
  ) {}

  static async open(dir: string): Promise<ResultStore> {
    await mkdir(dir, { recursive: true });
    const writer = await SqliteDb.open(join(dir, 'index.sqlite'));
    await writer.run(`CREATE TABLE IF NOT EXISTS results (
      dv TEXT PRIMARY KEY, format TEXT NOT NULL, byte_size INTEGER NOT NULL, checksum TEXT NOT NULL,
      created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, meta TEXT NOT NULL, file TEXT, data BLOB)`);
    const db = await SqliteDb.open(join(dir, 'index.sqlite'));
    return new ResultStore(dir, db, writer);
  }

  /** The entry for a data version, or undefined when there is none. */
  async entry(dv: string): Promise<ResultEntry | undefined> {
    checkDataVersion(dv);
    const p = this.pending.get(dv) ?? this.recent.get(dv);
    if (p) return p.entry;
    const rows = await this.db.allPrepared<Row>(`SELECT ${COLUMNS} FROM results WHERE dv = ?`, [dv]);
    return rows[0] ? toEntry(rows[0]) : undefined;
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
    for (let i = 0; i < ask.length; i += 5_000) {
      const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM results WHERE dv IN (SELECT value FROM json_each(?))`, [
        JSON.stringify(ask.slice(i, i + 5_000)),
      ]);
      for (const r of rows) out.set(r.dv, toEntry(r));
    }
    return out;
  }

  async has(dv: string): Promise<boolean> {
    return (await this.entry(dv)) !== undefined;
  }

  /**
   * Encodes and stores a result unless one is already stored for this data version in this format.
   * Encoding happens first, so a value the format cannot hold fails before anything is written.
   * Resolves once the bytes are encoded; `written` resolves, once committed, to whether this call
   * stored them (false when an equal result was already there).
   */
  async set(
    dv: string,
    value: unknown,
    format: FormatName,
    ctx: FormatContext,
  ): Promise<{ entry: ResultEntry; written: Promise<boolean> }> {
    checkDataVersion(dv);
    const queued = this.pending.get(dv);
    if (queued && queued.entry.format === format) return { entry: queued.entry, written: Promise.resolve(false) };
    const impl = await getFormat(format);
    const encoded = await impl.encode(value, ctx);
    if (encoded.bytes.byteLength > INLINE_MAX_BYTES) {
      // Skip rewriting a large file that is already stored.
      const existing = await this.entry(dv);
      if (existing && existing.format === format) return { entry: existing, written: Promise.resolve(false) };
    }
    return this.setBytes(dv, format, impl.extension, encoded.bytes, encoded.meta ?? {});
  }

  /** Stores already encoded bytes. Large ones go to a file first; the row is the commit point. */
  async setBytes(
    dv: string,
    format: FormatName,
    extension: string,
    bytes: Uint8Array,
    meta: Record<string, string>,
  ): Promise<{ entry: ResultEntry; written: Promise<boolean> }> {
    checkDataVersion(dv);
    const checksum = createHash('sha256').update(bytes).digest('hex');
    let file: string | null = null;
    if (bytes.byteLength > INLINE_MAX_BYTES) {
      file = join('blobs', dv.slice(0, 2), `${dv}.${extension}`);
      await writeFileAtomic(join(this.dir, file), bytes);
    }
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
    this.pending.set(dv, { entry, bytes });
    if (!file) this.recent.set(dv, { entry, bytes });
    const written = this.queueInsert([
      dv,
      format,
      bytes.byteLength,
      checksum,
      now,
      now,
      JSON.stringify(meta),
      file,
      file ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    ]).finally(() => {
      if (this.pending.get(dv)?.entry === entry) this.pending.delete(dv);
    });
    return { entry, written };
  }

  /**
   * Reads, verifies and decodes a result. Resolves `undefined` when nothing is stored; throws
   * `CorruptResultError` when the bytes are missing, do not match their checksum, or cannot be decoded.
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
      const row = await this.fetchRow(dv);
      if (!row) return undefined;
      entry = toEntry(row);
      bytes = await this.readVerified(entry, row.data ?? null);
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

  private rowWaiters = new Map<string, Array<{ resolve: (row: Row | undefined) => void; reject: (e: Error) => void }>>();
  private rowsScheduled = false;

  /**
   * Reads a row with its bytes. Reads asked for in the same tick share one query (a run that needs
   * 1,000 final results reads them in one round trip, not 1,000).
   */
  private fetchRow(dv: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.rowWaiters.get(dv);
      if (list) list.push({ resolve, reject });
      else this.rowWaiters.set(dv, [{ resolve, reject }]);
      if (this.rowsScheduled) return;
      this.rowsScheduled = true;
      setImmediate(() => {
        this.rowsScheduled = false;
        const waiters = this.rowWaiters;
        this.rowWaiters = new Map();
        const dvs = [...waiters.keys()];
        this.db
          .allPrepared<Row>(`SELECT ${COLUMNS}, data FROM results WHERE dv IN (SELECT value FROM json_each(?))`, [JSON.stringify(dvs)])
          .then((rows) => {
            const byDv = new Map(rows.map((r) => [r.dv, r]));
            for (const [d, ws] of waiters) for (const w of ws) w.resolve(byDv.get(d));
          })
          .catch((err: Error) => {
            for (const ws of waiters.values()) for (const w of ws) w.reject(err);
          });
      });
    });
  }

  private inserts: Array<{ row: unknown[]; resolve: (written: boolean) => void; reject: (e: Error) => void }> = [];
  private insertBytes = 0;
  private insertsQueued = false;

  /**
   * Rows are inserted many per statement (one multi-row upsert per batch instead of a statement per
   * result): a cold run of 1,000 nodes commits its results in a single round trip. `RETURNING` tells
   * which rows were written, since an equal result in the same format is left as it is.
   */
  private queueInsert(row: unknown[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.inserts.push({ row, resolve, reject });
      this.insertBytes += (row[8] as Buffer | null)?.byteLength ?? 0;
      if (this.inserts.length >= 1_000 || this.insertBytes > 16 * 1024 * 1024) void this.writeInserts();
      else if (!this.insertsQueued) {
        this.insertsQueued = true;
        setTimeout(() => void this.writeInserts(), 25);
      }
    });
  }

  private async writeInserts(): Promise<void> {
    this.insertsQueued = false;
    const batch = this.inserts;
    this.inserts = [];
    this.insertBytes = 0;
    if (batch.length === 0) return;
    // Last write wins within a batch too.
    const byDv = new Map(batch.map((b) => [b.row[0] as string, b]));
    const rows = [...byDv.values()];
    const sql = `INSERT INTO results (${COLUMNS}, data) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
      ON CONFLICT(dv) DO UPDATE SET format=excluded.format, byte_size=excluded.byte_size, checksum=excluded.checksum,
        created_at=excluded.created_at, last_used_at=excluded.last_used_at, meta=excluded.meta, file=excluded.file,
        data=excluded.data
      WHERE results.format <> excluded.format
      RETURNING dv`;
    try {
      const changed = new Set((await this.writer.writeAll<{ dv: string }>(sql, rows.flatMap((r) => r.row))).map((r) => r.dv));
      for (const b of batch) b.resolve(changed.has(b.row[0] as string) && byDv.get(b.row[0] as string) === b);
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
    return this.writer
      .write('UPDATE results SET last_used_at = ? WHERE dv IN (SELECT value FROM json_each(?))', [Date.now(), JSON.stringify(dvs)])
      .catch(() => undefined);
  }

  /** The stored bytes after checking them against the checksum. */
  async readVerified(entry: ResultEntry, inline?: Buffer | null): Promise<Uint8Array> {
    let bytes: Buffer | null | undefined = inline;
    if (entry.file) {
      try {
        bytes = await readFile(join(this.dir, entry.file));
      } catch {
        throw new CorruptResultError(`result ${entry.dataVersion}: file ${entry.file} is missing`);
      }
    } else if (bytes === undefined) {
      const rows = await this.db.all<{ data: Buffer | null }>('SELECT data FROM results WHERE dv = ?', [entry.dataVersion]);
      bytes = rows[0]?.data;
    }
    if (!bytes) throw new CorruptResultError(`result ${entry.dataVersion}: its bytes are missing`);
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (sum !== entry.checksum || bytes.byteLength !== entry.byteSize) {
      throw new CorruptResultError(`result ${entry.dataVersion}: checksum mismatch${entry.file ? ` in ${entry.file}` : ''}`);
    }
    return bytes;
  }

  async delete(dv: string): Promise<void> {
    const entry = await this.entry(dv);
    this.pending.delete(dv);
    this.recent.delete(dv);
    // Row first: once it is gone the result no longer exists, even if removing the file fails.
    await this.writer.write('DELETE FROM results WHERE dv = ?', [dv]);
    if (entry?.file) await rm(join(this.dir, entry.file), { force: true });
  }

  /** Every stored result, oldest first. */
  async *list(): AsyncGenerator<ResultEntry> {
    await this.flush();
    let after = '';
    for (;;) {
      const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM results WHERE dv > ? ORDER BY dv LIMIT 1000`, [after]);
      if (rows.length === 0) return;
      for (const r of rows) yield toEntry(r);
      after = rows[rows.length - 1]!.dv;
    }
  }

  /** Commits every pending write. */
  async flush(): Promise<void> {
    const inserted = this.writeInserts();
    void this.writeTouched();
    await this.writer.flush();
    await inserted;
  }

  async clear(): Promise<void> {
    this.pending.clear();
    this.recent.clear();
    await this.writer.write('DELETE FROM results', []);
    await rm(join(this.dir, 'blobs'), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all([this.db.close(), this.writer.close()]);
  }
}
