import KeyvPostgres from '@keyv/postgres';
import pg from 'pg';

/**
 * @keyv/postgres with a connection pool per store instead of its one module-wide pool. The module-wide
 * pool is replaced (and leaked) when another URL is used and ended for every cache when any one of
 * them disconnects, which breaks several caches in one process (Nx batch mode, a Temporal worker with
 * several task queues, tests). An idle connection dropped by the server is reported on the next query
 * instead of as an unhandled error.
 */
export class KeyvPostgresStore extends KeyvPostgres {
  // `declare`: a field initializer would run after the base constructor and wipe the pool set by connect().
  declare private ownPool: pg.Pool | undefined;

  // Called by the base constructor, before this class's own fields exist: keep it free of field reads.
  override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<any[]>> {
    const opts = this.opts as { uri: string; connectionTimeoutMillis?: number };
    const pool = new pg.Pool({
      connectionString: opts.uri,
      max: 4,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
    });
    pool.on('error', () => undefined);
    this.ownPool = pool;
    return async (sql, values) => (await pool.query(sql, values)).rows;
  }

  override async disconnect(): Promise<void> {
    await this.ownPool?.end();
    this.ownPool = undefined;
  }
}
