import pg from 'pg';

/** Connections one process opens to one Postgres server, whatever uses them. */
const MAX_CONNECTIONS = 8;

const pools = new Map<string, { pool: pg.Pool; users: number }>();

/** A process-wide pool for a URL, shared by every store that uses the server; `release` when done. */
export interface SharedPool {
  readonly pool: pg.Pool;
  release(): Promise<void>;
}

/**
 * One pool per server URL per process, shared by the metadata store (its four Keyv namespaces), the
 * result store and the leases. Eight processes of one cache then hold at most 64 connections, inside
 * Postgres's default limit of 100; a pool per store needed several times that ("too many clients").
 * The connect timeout goes on each connection attempt, not on the pool: pg-pool would also apply it to
 * waiting for a free connection, failing reads whenever long blob reads keep the pool busy.
 *
 * @example
 * ```ts
 * const shared = sharedPool(url, 5_000);
 * await shared.pool.query('SELECT 1');
 * await shared.release(); // the last user ends the pool
 * ```
 */
export function sharedPool(url: string, connectTimeoutMs: number): SharedPool {
  let slot = pools.get(url);
  if (!slot) {
    class TimedClient extends pg.Client {
      constructor(config?: string | pg.ClientConfig) {
        super({
          ...(typeof config === 'string' ? { connectionString: config } : config),
          connectionTimeoutMillis: connectTimeoutMs,
        });
      }
    }
    const pool = new pg.Pool({
      connectionString: url,
      Client: TimedClient,
      max: MAX_CONNECTIONS,
      idleTimeoutMillis: 10_000,
      // Idle pooled connections alone do not keep a finished CLI run alive.
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server is reported here; without a listener it would crash the
    // process. The next query simply opens a new connection.
    pool.on('error', () => undefined);
    slot = { pool, users: 0 };
    pools.set(url, slot);
  }
  slot.users++;
  const mine = slot;
  let released = false;
  return {
    pool: mine.pool,
    async release() {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      if (pools.get(url) === mine) pools.delete(url);
      await mine.pool.end().catch(() => undefined);
    },
  };
}
