import type pg from 'pg';
import type { SharedPool } from '../pg-pool.js';

import { redact } from '../store-url.js';
import type { LeaseLock } from './lease-lock.js';
import { checkNamespace, connectPostgres } from '../connect.js';

/** How long opening (and every later connection) may take before the store counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5_000;

// Two lease statements that lock overlapping rows in different orders deadlock; Postgres then aborts
// one of them. Sorting keys makes acquires lock in one order, but an UPDATE's scan order is the
// planner's, so a rare deadlock is retried rather than surfaced.
const DEADLOCK = '40P01';
const RETRIES = 5;

/**
 * Leases in a table `<namespace>_leases` on a Postgres server, shared by every machine using it.
 * Times come from the server (`clock_timestamp()`), so client clocks may disagree without harm.
 */
export class PostgresLeaseLock implements LeaseLock {
  readonly location: string;
  private readonly sql: { acquire: string; renew: string; release: string; holders: string };

  private readonly pool: pg.Pool;

  private constructor(
    private readonly shared: SharedPool,
    url: string,
    table: string,
  ) {
    this.pool = shared.pool;
    this.location = redact(url);
    // clock_timestamp(), not now(): now() is fixed when a statement's transaction starts, so a
    // statement that waited on a row lock would hand out a lease already shortened by the wait.
    // Keys are sorted so concurrent acquires lock shared rows in the same order (no deadlock).
    this.sql = {
      acquire: `INSERT INTO ${table} AS l (key, owner, expires_at)
        SELECT k, $2, clock_timestamp() + make_interval(secs => $3 / 1000.0)
        FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS u(k)) AS d ORDER BY k
        ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner
        RETURNING key`,
      // Only unexpired leases are extended: one that ran out was lost even if nobody took it yet.
      renew: `UPDATE ${table} SET expires_at = clock_timestamp() + make_interval(secs => $3 / 1000.0)
        WHERE key = ANY($1::text[]) AND owner = $2 AND expires_at > clock_timestamp()
        RETURNING key`,
      release: `DELETE FROM ${table} WHERE key = ANY($1::text[]) AND owner = $2`,
      holders: `SELECT key, owner FROM ${table} WHERE key = ANY($1::text[]) AND expires_at > clock_timestamp()`,
    };
  }

  /**
   * Connects (failing within a few seconds if the server cannot be reached) and creates the lease
   * table if it is missing.
   */
  static async open(
    url: string,
    namespace: string,
    connectTimeoutMs = CONNECT_TIMEOUT_MS,
  ): Promise<PostgresLeaseLock> {
    checkNamespace(namespace, 'lease lock');
    const table = `"${namespace}_leases"`;
    const shared = await connectPostgres(url, connectTimeoutMs);
    const pool = shared.pool;
    try {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${table} (key text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)`,
      );
    } catch (e) {
      // IF NOT EXISTS is not atomic: processes creating the table at once can all pass the check, and
      // the losers fail on a catalog index (23505, 42P07 or 42710 "type already exists") once the
      // winner has committed. So the table exists now unless the failure was something else.
      const { rows } = await pool
        .query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table])
        .catch(() => ({ rows: [] }));
      if (!rows[0]?.t) {
        await shared.release();
        throw e;
      }
    }
    return new PostgresLeaseLock(shared, url, table);
  }

  async acquire(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    return this.keysOf(this.sql.acquire, [keys, owner, leaseMs]);
  }

  async renew(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    return this.keysOf(this.sql.renew, [keys, owner, leaseMs]);
  }

  async release(keys: readonly string[], owner: string): Promise<void> {
    if (keys.length === 0) return;
    await this.query(this.sql.release, [keys, owner]);
  }

  async holders(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.query<{ key: string; owner: string }>(this.sql.holders, [keys]);
    return new Map(rows.map((r) => [r.key, r.owner]));
  }

  close(): Promise<void> {
    return this.shared.release();
  }

  private async keysOf(sql: string, params: unknown[]): Promise<Set<string>> {
    const { rows } = await this.query<{ key: string }>(sql, params);
    return new Set(rows.map((r) => r.key));
  }

  private async query<R extends pg.QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query<R>(sql, params);
      } catch (e) {
        if ((e as { code?: string }).code !== DEADLOCK || attempt >= RETRIES) throw e;
      }
    }
  }
}
