import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';
import { ConfigError } from '../errors.js';
import { retryBusy } from './sqlite-db.js';
import { parseStoreUrl } from './store-url.js';

/** Makes one Keyv per namespace; dagcache keeps keys, run records and run summaries apart so listing runs never scans keys. */
export type KeyvFactory = ((namespace: string) => Keyv) & {
  /** Set for the SQLite store: the database file, which core also reads directly on hot paths. */
  sqliteFile?: string;
};

/** A metadata store option: a URL (`sqlite://`, `postgres://`, `postgresql://`, `redis://`, `rediss://`) or a factory. */
export type MetadataStoreOption = string | KeyvFactory;

/**
 * Builds the Keyv factory for a metadata store option. SQLite runs in WAL mode with a busy timeout, so
 * several processes (Nx tasks, Temporal workers) can share one file safely. Postgres and Redis clients
 * fail fast: `connectTimeoutMs` bounds each connection, and a command sent while a server is down
 * fails at once instead of waiting for it to come back.
 *
 * @example
 * ```ts
 * const factory = await keyvFactoryFor('redis://127.0.0.1:6379', '.dagcache/meta.sqlite', 2_000);
 * const keys = factory('dagcache:keys');
 * ```
 */
export async function keyvFactoryFor(
  option: MetadataStoreOption | undefined,
  defaultSqlite: string,
  connectTimeoutMs = 5_000,
): Promise<KeyvFactory> {
  if (typeof option === 'function') return option;
  const url = option ?? `sqlite://${defaultSqlite}`;
  if (typeof url !== 'string') {
    throw new ConfigError(
      'metadataStore: expected a URL string (sqlite://, postgres://, redis://) or a (namespace) => Keyv factory',
    );
  }
  const parsed = parseStoreUrl(url, 'metadataStore');
  // The namespaces dagcache asks for start with `dagcache`; a URL's ?namespace= replaces that prefix.
  const ns = (namespace: string) => namespace.replace(/^dagcache/, parsed.namespace);
  switch (parsed.kind) {
    case 'sqlite': {
      const file = resolve(parsed.path!);
      mkdirSync(dirname(file), { recursive: true });
      const { default: KeyvSqlite } = await import('@keyv/sqlite');
      // Create the table and switch to WAL once, before several connections race to do it.
      const first = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 15_000 } as any);
      await retryBusy(() => (first as any).query('PRAGMA journal_mode=WAL'));
      await retryBusy(() => (first as any).query('PRAGMA synchronous=NORMAL'));
      let reuse: any = first;
      const factory: KeyvFactory = (namespace) => {
        let store = reuse;
        if (!store) {
          store = new KeyvSqlite({
            uri: `sqlite://${file}`,
            busyTimeout: 15_000,
            iterationLimit: 500,
          } as any);
          // synchronous is per connection: without this every commit on it waits for an fsync.
          void store.query('PRAGMA synchronous=NORMAL').catch(() => undefined);
        }
        reuse = undefined;
        (store as any).opts.iterationLimit = 500;
        return new Keyv({ store, namespace, useKeyPrefix: true });
      };
      factory.sqliteFile = file;
      return factory;
    }
    case 'postgres': {
      const { KeyvPostgresStore } = await import('./keyv-postgres-store.js');
      return (namespace) =>
        new Keyv({
          store: new KeyvPostgresStore({
            uri: parsed.url,
            iterationLimit: 500,
            connectionTimeoutMillis: connectTimeoutMs,
          } as any),
          namespace: ns(namespace),
          // Keyv turns a store error into a miss (get) or `false` (set) unless told otherwise; a dead
          // server must be seen as one (StoreGuard), not as an empty cache that never fills.
          throwOnErrors: true,
        });
    }
    case 'redis': {
      const { default: KeyvRedis } = await import('@keyv/redis');
      const { connectRedis } = await import('./connect.js');
      // KeyvRedis's own client queues commands while the server is down and reconnects forever, so a
      // server that died hung every lookup; this one fails them at once (see connectRedis). One client
      // serves the namespaces; the first Keyv to disconnect closes it for all (MetadataStore closes them
      // together).
      const client = await connectRedis(parsed.url, connectTimeoutMs);
      return (namespace) =>
        new Keyv({ store: new KeyvRedis(client as any), namespace: ns(namespace), throwOnErrors: true });
    }
    default:
      throw new ConfigError(
        `metadataStore: unsupported URL ${JSON.stringify(url)}; use sqlite://FILE, postgres://…, redis://… or pass a (namespace) => Keyv factory`,
      );
  }
}
