import { createRequire } from 'node:module';
import type { Database } from 'sqlite3';

const require = createRequire(import.meta.url);

/**
 * Runs a single statement again when SQLite answers SQLITE_BUSY at once. The busy timeout covers
 * waiting for a lock, but some conflicts are refused without waiting: a statement that read before it
 * writes when another process committed first (WAL cannot upgrade that snapshot), or two connections
 * switching a brand-new file to WAL together. A refused statement did nothing, so running it again
 * is safe.
 */
export async function retryBusy<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await statement();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt * 2, 50)));
    }
  }
}

/** A promise-based handle on one SQLite connection, with writes batched into transactions. */
export class SqliteDb {
  private queue: Array<{
    sql: string;
    params: unknown[];
    resolve: (changes: number) => void;
    reject: (e: Error) => void;
  }> = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;

  private constructor(private readonly db: Database) {}

  /** Opens (creating) a database file in WAL mode with a busy timeout, so processes can share it. */
  static async open(file: string): Promise<SqliteDb> {
    const sqlite3 = require('sqlite3') as typeof import('sqlite3');
    const db = await new Promise<Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    db.configure('busyTimeout', 15_000);
    const handle = new SqliteDb(db);
    await handle.all('PRAGMA journal_mode=WAL');
    await handle.all('PRAGMA synchronous=NORMAL');
    return handle;
  }

  private readonly statements = new Map<string, import('sqlite3').Statement>();

  /**
   * Like `all`, through a statement prepared once and reused: on the hot read paths this halves the
   * round trip (SQL is not parsed again on every call).
   */
  allPrepared<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    const stmt = st;
    return new Promise((resolve, reject) =>
      stmt.all(params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return retryBusy(
      () =>
        new Promise<T[]>((resolve, reject) =>
          this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
        ),
    );
  }

  run(sql: string, params: unknown[] = []): Promise<void> {
    return retryBusy(
      () =>
        new Promise<void>((resolve, reject) =>
          this.db.run(sql, params, (err) => (err ? reject(err) : resolve())),
        ),
    );
  }

  /**
   * Queues a write; writes queued within 25 ms (or up to 1,000 of them) commit together in one
   * transaction. Resolves with the number of rows it changed once its transaction has committed.
   */
  write(sql: string, params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sql, params, resolve, reject });
      if (this.queue.length >= 1_000) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => void this.flush(), 25);
      }
    });
  }

  /**
   * Runs one write statement that returns rows (`… RETURNING`), in its own transaction, after the
   * queued writes. Used for multi-row upserts that need to know which rows changed.
   */
  async writeAll<T>(sql: string, params: unknown[]): Promise<T[]> {
    await this.flush();
    while (this.flushing) await this.flushing;
    return this.all<T>(sql, params);
  }

  /** Commits every queued write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.flushing = new Promise<void>((done) => {
      const db = this.db;
      const errors = new Map<number, Error>();
      const changes = new Map<number, number>();
      db.serialize(() => {
        // If BEGIN fails the statements still run, each in its own transaction: slower, never lost.
        db.run('BEGIN IMMEDIATE', () => undefined);
        batch.forEach((w, i) =>
          db.run(w.sql, w.params, function (err) {
            if (err) errors.set(i, err);
            else changes.set(i, this.changes);
          }),
        );
        db.run('COMMIT', (commitErr) => {
          batch.forEach((w, i) => {
            const e =
              errors.get(i) ??
              (commitErr && !/no transaction/.test(commitErr.message) ? commitErr : undefined);
            if (e) w.reject(e);
            else w.resolve(changes.get(i) ?? 0);
          });
          done();
        });
      });
    }).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.queue.length && !this.scheduled) {
      this.scheduled = true;
      setTimeout(() => void this.flush(), 25);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all(
      [...this.statements.values()].map((st) => new Promise<void>((r) => st.finalize(() => r()))),
    );
    this.statements.clear();
    await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}
