import { ConfigError } from '../../errors.js';
import type { LeaseLock } from './lease-lock.js';
import { PostgresLeaseLock } from './postgres-lease-lock.js';
import { RedisLeaseLock } from './redis-lease-lock.js';
import { SqliteLeaseLock } from './sqlite-lease-lock.js';

export type { LeaseLock } from './lease-lock.js';

/**
 * Where leases live. SQLite is for the processes of one machine (a file of its own, e.g.
 * `<cache>/locks.sqlite`); Postgres and Redis are shared by many machines, with `namespace`
 * (1-40 letters, digits, `_` or `-`) keeping caches that share a server apart. `connectTimeoutMs`
 * (default 5 s) bounds the connection.
 */
export type LeaseLockSpec =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; namespace: string; connectTimeoutMs?: number }
  | { kind: 'redis'; url: string; namespace: string; connectTimeoutMs?: number };

/**
 * Opens a {@link LeaseLock}. Rejects with a `ConfigError` naming a bad namespace, and, within a few
 * seconds, with a `StoreUnavailableError` whose message starts `store unavailable: ` and names the URL
 * (password redacted) when the server cannot be reached.
 *
 * @example
 * ```ts
 * const lock = await openLeaseLock({ kind: 'redis', url: 'redis://127.0.0.1:6379', namespace: 'dagcache' });
 * const mine = await lock.acquire(['key-a', 'key-b'], runId, 30_000);
 * try {
 *   // execute the nodes whose keys are in `mine`; wait for the others, then retrieve them
 * } finally {
 *   await lock.release([...mine], runId);
 *   await lock.close();
 * }
 * ```
 */
export function openLeaseLock(spec: LeaseLockSpec): Promise<LeaseLock> {
  switch (spec.kind) {
    case 'sqlite':
      return SqliteLeaseLock.open(spec.file);
    case 'postgres':
      return PostgresLeaseLock.open(spec.url, spec.namespace, spec.connectTimeoutMs);
    case 'redis':
      return RedisLeaseLock.open(spec.url, spec.namespace, spec.connectTimeoutMs);
    default:
      // Reachable from plain JavaScript or a config file, which the types do not guard.
      return Promise.reject(
        new ConfigError(
          `lease lock: unknown kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; use sqlite, postgres or redis`,
        ),
      );
  }
}
