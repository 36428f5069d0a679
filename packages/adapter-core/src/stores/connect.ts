import { createClient, type RedisClientType } from '@redis/client';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { sharedPool, type SharedPool } from './pg-pool.js';
import { redact } from './store-url.js';

const NAMESPACE = /^[A-Za-z0-9_-]{1,40}$/;

/** Namespaces become table names and key prefixes: letters, digits, `_` and `-` only. */
export function checkNamespace(namespace: string, what: string): void {
  if (!NAMESPACE.test(namespace)) {
    throw new ConfigError(
      `${what}: namespace ${JSON.stringify(namespace)} must be 1-40 letters, digits, "_" or "-"`,
    );
  }
}

/** A driver error as one line. */
export function errorMessage(e: unknown): string {
  // Connecting to `localhost` tries IPv4 and IPv6; Node reports both failures in an AggregateError whose
  // own message is empty.
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map(errorMessage).join('; ');
  return e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
}

/**
 * The process's shared pool for a Postgres server, after checking that it answers (`SELECT 1`), so a
 * wrong URL or a server that is down is one `StoreUnavailableError` when a store opens.
 */
export async function connectPostgres(url: string, connectTimeoutMs: number): Promise<SharedPool> {
  const shared = sharedPool(url, connectTimeoutMs);
  try {
    await shared.pool.query('SELECT 1');
    return shared;
  } catch (e) {
    await shared.release();
    throw new StoreUnavailableError(
      `store unavailable: cannot reach Postgres at ${redact(url)}: ${errorMessage(e)}`,
      { cause: e },
    );
  }
}

/**
 * A connected Redis client that fails fast: no offline queue (a command sent while the connection is
 * down fails at once instead of stalling a run), no retries before the first connection (they only hide
 * a wrong URL), capped-backoff reconnects after it (every 500 ms at most), and an overall deadline, since `connectTimeout`
 * only covers TCP and a server that accepts but never answers would otherwise hang the open.
 */
export async function connectRedis(url: string, connectTimeoutMs: number): Promise<RedisClientType> {
  let connected = false;
  const client: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // At most 500 ms between attempts, so a cache caches again soon after its server is back.
      reconnectStrategy: (retries, cause) => (connected ? Math.min(50 * 2 ** retries, 500) : cause),
    },
  });
  // The client reports connection trouble as 'error' events, and an unheard 'error' event crashes the
  // process; failures reach callers through the rejected commands instead.
  client.on('error', () => undefined);
  const deadlineMs = connectTimeoutMs + 1_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]);
    connected = true;
    return client;
  } catch (e) {
    // A refused first connection has already closed the client; destroying it again would throw.
    if (client.isOpen) client.destroy();
    throw new StoreUnavailableError(
      `store unavailable: cannot reach Redis at ${redact(url)}: ${errorMessage(e)}`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
}
