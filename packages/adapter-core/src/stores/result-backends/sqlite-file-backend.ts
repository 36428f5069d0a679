import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FormatName } from '../../formats/result-format.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { ResultBackend, ResultEntry } from '../result-backend.js';
import { SqliteDb } from '../sqlite-db.js';

interface Row {
  dv: string;
  format: string;
  byte_size: number;
  checksum: string;
  created_at: number;
  last_used_at: number;
  meta: string;
  file: string | null;
  sig: string | null;
  data?: Buffer | null;
}

const COLUMNS = 'dv, format, byte_size, checksum, created_at, last_used_at, meta, file, sig';

const toEntry = (r: Row): ResultEntry => ({
  dataVersion: r.dv,
  format: r.format as FormatName,
  file: r.file,
  byteSize: r.byte_size,
  checksum: r.checksum,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  meta: JSON.parse(r.meta) as Record<string, string>,
  ...(r.sig ? { signature: r.sig } : {}),
});

/** Reads are chunked below Node's 2 GiB single-read limit, into one buffer of the final size. */
const READ_CHUNK = 256 * 1024 * 1024;

/**
 * The default result backend: an SQLite index (`<dir>/index.sqlite`) that knows every result, holding
 * small results itself, and files under `<dir>/blobs` for large ones. Files are written atomically
 * (temp + rename) before their row commits, so a row never names a partial file; a reader that has
 * opened a file keeps reading it even if it is deleted meanwhile (POSIX), so eviction cannot tear a read.
 *
 * @example
 * ```ts
 * const backend = await SqliteFileBackend.open('.dagcache/results');
 * const store = ResultStore.fromBackend(backend);
 * ```
 */
export class SqliteFileBackend implements ResultBackend {
  readonly inlineMax = 256 * 1024;

  private constructor(
    readonly dir: string,
    /** Reads. */
    private readonly db: SqliteDb,
    /** Writes, on their own connection: in WAL mode reads never wait behind a write transaction. */
    private readonly writer: SqliteDb,
  ) {}

  get location(): string {
    return `sqlite:${this.dir}`;
  }

  static async open(dir: string): Promise<SqliteFileBackend> {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const writer = await SqliteDb.open(join(dir, 'index.sqlite'));
    await writer.run(`CREATE TABLE IF NOT EXISTS results (
      dv TEXT PRIMARY KEY, format TEXT NOT NULL, byte_size INTEGER NOT NULL, checksum TEXT NOT NULL,
      created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, meta TEXT NOT NULL, file TEXT, data BLOB, sig TEXT)`);
    // Caches made before signing existed have no sig column.
    const columns = await writer.all<{ name: string }>('PRAGMA table_info(results)');
    if (!columns.some((c) => c.name === 'sig')) {
      await writer.run('ALTER TABLE results ADD COLUMN sig TEXT').catch((err: Error) => {
        if (!/duplicate column/.test(err.message)) throw err;
      });
    }
    const db = await SqliteDb.open(join(dir, 'index.sqlite'));
    return new SqliteFileBackend(dir, db, writer);
  }

  async entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>> {
    const out = new Map<string, ResultEntry>();
    if (dvs.length === 1) {
      const rows = await this.db.allPrepared<Row>(`SELECT ${COLUMNS} FROM results WHERE dv = ?`, [dvs[0]]);
      if (rows[0]) out.set(rows[0].dv, toEntry(rows[0]));
      return out;
    }
    for (let i = 0; i < dvs.length; i += 5_000) {
      const rows = await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM results WHERE dv IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(dvs.slice(i, i + 5_000))],
      );
      for (const r of rows) out.set(r.dv, toEntry(r));
    }
    return out;
  }

  async fetch(dvs: readonly string[]): Promise<Map<string, { entry: ResultEntry; bytes?: Uint8Array }>> {
    const rows = await this.db.allPrepared<Row>(
      `SELECT ${COLUMNS}, data FROM results WHERE dv IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(dvs)],
    );
    return new Map(
      rows.map((r) => [r.dv, r.data ? { entry: toEntry(r), bytes: r.data } : { entry: toEntry(r) }]),
    );
  }

  async writeBlob(dv: string, extension: string, bytes: Uint8Array): Promise<string> {
    const file = join('blobs', dv.slice(0, 2), `${dv}.${extension}`);
    await writeFileAtomic(join(this.dir, file), bytes);
    return file;
  }

  async readBytes(entry: ResultEntry): Promise<Uint8Array | undefined> {
    if (!entry.file) {
      const rows = await this.db.all<{ data: Buffer | null }>('SELECT data FROM results WHERE dv = ?', [
        entry.dataVersion,
      ]);
      return rows[0]?.data ?? undefined;
    }
    let handle;
    try {
      handle = await open(join(this.dir, entry.file), 'r');
    } catch {
      return undefined;
    }
    try {
      // Read straight into one buffer of the recorded size: a 2 GiB+ result is held once, and
      // readFile's 2 GiB limit does not apply. A file of another size is reported as such.
      const { size } = await handle.stat();
      if (size !== entry.byteSize) return Buffer.alloc(0);
      const out = Buffer.allocUnsafe(size);
      let at = 0;
      while (at < size) {
        const { bytesRead } = await handle.read(out, at, Math.min(READ_CHUNK, size - at), at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return at === size ? out : out.subarray(0, at);
    } finally {
      await handle.close();
    }
  }

  async put(items: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const byDv = new Map(items.map((i) => [i.entry.dataVersion, i]));
    const rows = [...byDv.values()];
    const sql = `INSERT INTO results (${COLUMNS}, data) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
      ON CONFLICT(dv) DO UPDATE SET format=excluded.format, byte_size=excluded.byte_size, checksum=excluded.checksum,
        created_at=excluded.created_at, last_used_at=excluded.last_used_at, meta=excluded.meta, file=excluded.file,
        sig=excluded.sig, data=excluded.data
      WHERE results.format <> excluded.format OR (excluded.sig IS NOT NULL AND results.sig IS NOT excluded.sig)
      RETURNING dv`;
    const params = rows.flatMap(({ entry: e, bytes }) => [
      e.dataVersion,
      e.format,
      e.byteSize,
      e.checksum,
      e.createdAt,
      e.lastUsedAt,
      JSON.stringify(e.meta),
      e.file,
      e.signature ?? null,
      e.file || !bytes ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    ]);
    return new Set((await this.writer.writeAll<{ dv: string }>(sql, params)).map((r) => r.dv));
  }

  async touch(dvs: readonly string[], at: number): Promise<void> {
    await this.writer.write(
      'UPDATE results SET last_used_at = ? WHERE dv IN (SELECT value FROM json_each(?))',
      [at, JSON.stringify(dvs)],
    );
  }

  async delete(dvs: readonly string[]): Promise<void> {
    const entries = await this.entries(dvs);
    // Rows first: once they are gone the results no longer exist, even if removing a file fails.
    await this.writer.write('DELETE FROM results WHERE dv IN (SELECT value FROM json_each(?))', [
      JSON.stringify(dvs),
    ]);
    await this.writer.flush();
    for (const e of entries.values()) if (e.file) await rm(join(this.dir, e.file), { force: true });
  }

  async list(after: string, limit: number): Promise<ResultEntry[]> {
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM results WHERE dv > ? ORDER BY dv LIMIT ?`, [
      after,
      limit,
    ]);
    return rows.map(toEntry);
  }

  async usage(): Promise<{ count: number; bytes: number }> {
    const rows = await this.db.all<{ n: number; b: number | null }>(
      'SELECT count(*) AS n, sum(byte_size) AS b FROM results',
    );
    return { count: rows[0]?.n ?? 0, bytes: rows[0]?.b ?? 0 };
  }

  /** Removes files under `blobs/` that no row names (temp files of interrupted writes, deleted results). */
  async sweep(olderThan: number, dryRun = false): Promise<number> {
    let removed = 0;
    const blobs = join(this.dir, 'blobs');
    for (const shard of await readdir(blobs).catch(() => [] as string[])) {
      const names = await readdir(join(blobs, shard)).catch(() => [] as string[]);
      const files = names.map((n) => join('blobs', shard, n));
      const known = new Set(
        (
          await this.db.all<{ file: string }>(
            'SELECT file FROM results WHERE file IN (SELECT value FROM json_each(?))',
            [JSON.stringify(files)],
          )
        ).map((r) => r.file),
      );
      for (const rel of files) {
        if (known.has(rel)) continue;
        const info = await stat(join(this.dir, rel)).catch(() => undefined);
        if (!info?.isFile() || info.mtimeMs >= olderThan) continue;
        if (!dryRun) await rm(join(this.dir, rel), { force: true });
        removed++;
      }
    }
    return removed;
  }

  async clear(): Promise<void> {
    await this.writer.write('DELETE FROM results', []);
    await this.writer.flush();
    await rm(join(this.dir, 'blobs'), { recursive: true, force: true });
  }

  /** Commits queued touches. */
  async flush(): Promise<void> {
    await this.writer.flush();
  }

  async close(): Promise<void> {
    await Promise.all([this.db.close(), this.writer.close()]);
  }
}
