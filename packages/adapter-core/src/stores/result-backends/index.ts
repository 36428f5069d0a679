import { ConfigError } from '../../errors.js';
import type { ResultBackend } from '../result-backend.js';
import { PostgresResultBackend } from './postgres-result-backend.js';
import { RedisResultBackend } from './redis-result-backend.js';

export { PostgresResultBackend, type PostgresResultBackendOptions } from './postgres-result-backend.js';
export { RedisResultBackend, type RedisResultBackendOptions } from './redis-result-backend.js';

/** Which shared server to keep results on (the `kind`, `url` and `namespace` of a parsed store URL). */
export interface ResultBackendSpec {
  kind: 'postgres' | 'redis';
  /** Connection URL, without dagcache's own query parameters. */
  url: string;
  /** Separates caches sharing one server: table-name prefix on Postgres, key prefix on Redis. */
  namespace: string;
  /**
   * Redis only: how long a deleted result's blob stays readable before its keys expire (ms; default
   * 10 minutes). On Postgres the caller's `sweep(olderThan)` sets that window.
   */
  graceMs?: number;
  /** How long connecting may take before open fails with `StoreUnavailableError` (ms). Default 3 s. */
  connectTimeoutMs?: number;
}

/**
 * Opens the result backend a spec names. Rejects with `ConfigError` for a bad namespace or kind, and
 * with a `StoreUnavailableError` (a `DagcacheError`) whose message starts `store unavailable: ` when the
 * server cannot be reached (within a few seconds).
 *
 * @example
 * ```ts
 * const { kind, url, namespace } = parseStoreUrl('redis://cache:6379?namespace=team-a', 'resultStore');
 * if (kind === 'postgres' || kind === 'redis') {
 *   const backend = await openResultBackend({ kind, url, namespace });
 *   console.log(await backend.usage()); // { count: 0, bytes: 0 }
 *   await backend.close();
 * }
 * ```
 */
export function openResultBackend(spec: ResultBackendSpec): Promise<ResultBackend> {
  switch (spec.kind) {
    case 'postgres':
      return PostgresResultBackend.open({
        url: spec.url,
        namespace: spec.namespace,
        connectTimeoutMs: spec.connectTimeoutMs,
      });
    case 'redis':
      return RedisResultBackend.open({
        url: spec.url,
        namespace: spec.namespace,
        graceMs: spec.graceMs,
        connectTimeoutMs: spec.connectTimeoutMs,
      });
    default:
      return Promise.reject(
        new ConfigError(
          `result store: unknown backend kind ${JSON.stringify((spec as { kind: unknown }).kind)}`,
        ),
      );
  }
}
