import { StoreUnavailableError } from '../../errors.js';
import { SqliteDb } from '../sqlite-db.js';
import type { LeaseLock } from './lease-lock.js';

// Keys travel as one JSON array (json_each) rather than one `(?, ?, ?)` group per key: the statement
// text stays the same for any number of keys and never runs into SQLite's bound-parameter limit.
// The `WHERE true` is SQLite's documented way to let `INSERT … SELECT` take an upsert clause.
const ACQUIRE = `
INSERT INTO leases (key, owner, expires_at)
SELECT value, ?2, ?3 FROM json_each(?1) WHERE true
ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
  WHERE leases.expires_at <= ?4 OR leases.owner = excluded.owner
RETURNING key`;

// Only unexpired leases are extended: a lease that ran out was lost, even if nobody took it yet,
// and the holder must hear so (the same answer Redis gives once the key has expired away).
const RENEW = `
UPDATE leases SET expires_at = ?3
WHERE key IN (SELECT value FROM json_each(?1)) AND owner = ?2 AND expires_at > ?4
RETURNING key`;

const RELEASE = `DELETE FROM leases WHERE key IN (SELECT value FROM json_each(?1)) AND owner = ?2`;

const HOLDERS = `SELECT key, owner FROM leases WHERE key IN (SELECT value FROM json_each(?1)) AND expires_at > ?2`;

/**
 * Leases in a SQLite file of their own (e.g. `<cache>/locks.sqlite`), shared by the processes of one
 * machine. Expiry uses this machine's clock, which every process sharing the file reads.
 */
export class SqliteLeaseLock implements LeaseLock {
  readonly location: string;

  private constructor(
    private readonly db: SqliteDb,
    file: string,
  ) {
    this.location = `sqlite:${file}`;
  }

  /** Opens (creating) the lease file; WAL mode and the busy timeout come from `SqliteDb.open`. */
  static async open(file: string): Promise<SqliteLeaseLock> {
    let db: SqliteDb;
    try {
      db = await SqliteDb.open(file);
    } catch (e) {
      throw new StoreUnavailableError(
        `store unavailable: cannot open sqlite:${file}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    try {
      await db.run(
        'CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)',
      );
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    return new SqliteLeaseLock(db, file);
  }

  async acquire(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const now = Date.now();
    // writeAll: its own transaction, so the upsert is one atomic step against other processes.
    const rows = await this.db.writeAll<{ key: string }>(ACQUIRE, [
      JSON.stringify(unique(keys)),
      owner,
      now + leaseMs,
      now,
    ]);
    return new Set(rows.map((r) => r.key));
  }

  async renew(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const now = Date.now();
    const rows = await this.db.writeAll<{ key: string }>(RENEW, [
      JSON.stringify(unique(keys)),
      owner,
      now + leaseMs,
      now,
    ]);
    return new Set(rows.map((r) => r.key));
  }

  async release(keys: readonly string[], owner: string): Promise<void> {
    if (keys.length === 0) return;
    await this.db.writeAll(RELEASE, [JSON.stringify(unique(keys)), owner]);
  }

  async holders(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.allPrepared<{ key: string; owner: string }>(HOLDERS, [
      JSON.stringify(unique(keys)),
      Date.now(),
    ]);
    return new Map(rows.map((r) => [r.key, r.owner]));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

// A key listed twice would make json_each yield it twice; the upsert handles that, but there is no
// reason to send it.
function unique(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}
