import KeyvPostgres from '@keyv/postgres';
import { sharedPool, type SharedPool } from './pg-pool.js';

/**
 * @keyv/postgres on dagcache's shared pool (see `sharedPool`) instead of its own module-wide pool, which
 * is replaced (and leaked) when another URL is used and ended for every cache when any one of them
 * disconnects — that breaks several caches in one process (Nx batch mode, a Temporal worker, tests).
 */
export class KeyvPostgresStore extends KeyvPostgres {
  // `declare`: a field initializer would run after the base constructor and wipe the pool set by connect().
  declare private shared: SharedPool | undefined;

  // Called by the base constructor, before this class's own fields exist: keep it free of field reads.
  override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<any[]>> {
    const opts = this.opts as { uri: string; connectionTimeoutMillis?: number };
    const shared = sharedPool(opts.uri, opts.connectionTimeoutMillis ?? 10_000);
    this.shared = shared;
    return async (sql, values) => (await shared.pool.query(sql, values)).rows;
  }

  override async disconnect(): Promise<void> {
    await this.shared?.release();
    this.shared = undefined;
  }
}
