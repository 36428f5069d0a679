import { resolve } from 'node:path';
import Keyv from 'keyv';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { keyvFactoryFor, type KeyvFactory, type MetadataStoreOption } from '../stores/keyv-factory.js';
import { openLeaseLock, type LeaseLock } from '../stores/locks/index.js';
import { probeStore } from '../stores/probe.js';
import type { ResultBackend } from '../stores/result-backend.js';
import { openResultBackend } from '../stores/result-backends/index.js';
import { MemoryResultBackend } from '../stores/result-backends/memory-result-backend.js';
import { SqliteFileBackend } from '../stores/result-backends/sqlite-file-backend.js';
import { parseStoreUrl, redact, type StoreUrl } from '../stores/store-url.js';
import type { ServerStores } from './store-guard.js';
import type { CacheOptions } from './types.js';

/** The three stores a cache runs on, opened and reachable. */
export interface OpenedStores {
  factory: KeyvFactory;
  results: ResultBackend;
  /** Undefined when single-flight is off. */
  leases: LeaseLock | undefined;
  /** Set when a store was unreachable and `onStoreUnavailable: 'disable'` made the cache run uncached. */
  unavailable?: string;
  /** The server stores (Postgres, Redis) by role, named for messages; see `StoreGuard`. */
  servers: ServerStores;
}

/** How messages name a server store: role, URL (password redacted) and namespace. */
function serverName(role: string, url: StoreUrl | undefined): string | undefined {
  if (!url || (url.kind !== 'postgres' && url.kind !== 'redis')) return undefined;
  return `${role} ${redact(url.url)} (namespace ${url.namespace})`;
}

/**
 * Opens the metadata store, the result store and the lease store the options name. `store` sets all
 * three; `metadataStore` and `resultStore` override it. Leases follow the metadata store (a custom Keyv
 * factory gets SQLite leases beside the cache). Servers are probed first, so an unreachable one is a
 * `StoreUnavailableError` within `connectTimeoutMs` — or, with `onStoreUnavailable: 'disable'`, a cache
 * that runs every node uncached and writes nothing.
 */
export async function openStores(options: CacheOptions, path: string): Promise<OpenedStores> {
  const timeout = options.connectTimeoutMs ?? 5_000;
  const shared = options.store === undefined ? undefined : parseStoreUrl(options.store, 'store');
  if (shared && shared.kind !== 'postgres' && shared.kind !== 'redis') {
    throw new ConfigError(
      `store: expected a postgres:// or redis:// URL (SQLite is the default under path), got ${shared.kind}://`,
    );
  }
  const metaOption = (options.metadataStore as MetadataStoreOption | undefined) ?? options.store;
  const meta = typeof metaOption === 'string' ? parseStoreUrl(metaOption, 'metadataStore') : undefined;
  const resultUrl: StoreUrl | undefined =
    options.resultStore !== undefined
      ? parseStoreUrl(options.resultStore, 'resultStore')
      : options.resultDir === undefined
        ? shared
        : undefined;
  if (resultUrl && resultUrl.kind === 'sqlite') {
    throw new ConfigError(
      'resultStore: use file://DIR for results on disk (sqlite:// is for the metadata store)',
    );
  }
  const servers: ServerStores = {};
  const name = (role: keyof ServerStores, what: string, url: StoreUrl | undefined) => {
    const n = serverName(what, url);
    if (n !== undefined) servers[role] = n;
  };
  name('metadata', 'metadata store', meta);
  name('results', 'result store', resultUrl);
  if (options.singleFlight !== false) name('leases', 'lease store', meta);
  try {
    for (const [url, what] of [
      [meta, 'metadata store'],
      [resultUrl, 'result store'],
    ] as const) {
      if (url) await probeStore(url, what, timeout);
    }
    const factory = await keyvFactoryFor(metaOption, resolve(path, 'meta.sqlite'), timeout);
    const results =
      !resultUrl || resultUrl.kind === 'file'
        ? await SqliteFileBackend.open(
            resolve(resultUrl?.path ?? options.resultDir ?? resolve(path, 'results')),
          )
        : await openResultBackend({
            kind: resultUrl.kind as 'postgres' | 'redis',
            url: resultUrl.url,
            namespace: resultUrl.namespace,
            connectTimeoutMs: timeout,
          });
    let leases: LeaseLock | undefined;
    if (options.singleFlight !== false) {
      leases =
        meta && (meta.kind === 'postgres' || meta.kind === 'redis')
          ? await openLeaseLock({
              kind: meta.kind,
              url: meta.url,
              namespace: meta.namespace,
              connectTimeoutMs: timeout,
            })
          : await openLeaseLock({ kind: 'sqlite', file: resolve(path, 'locks.sqlite') });
    }
    return { factory, results, leases, servers };
  } catch (err) {
    // Every store raises StoreUnavailableError when it cannot be reached; anything else is a real error.
    if (!(err instanceof StoreUnavailableError) || options.onStoreUnavailable !== 'disable') throw err;
    process.emitWarning(`dagcache: ${err.message}; running uncached (onStoreUnavailable: 'disable')`, {
      code: 'DAGCACHE_STORE_UNAVAILABLE',
    });
    return {
      factory: (namespace) => new Keyv({ namespace }),
      results: new MemoryResultBackend(),
      leases: undefined,
      unavailable: err.message,
      servers: {},
    };
  }
}
