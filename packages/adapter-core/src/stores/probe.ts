import { StoreUnavailableError } from '../errors.js';
import { redact, type StoreUrl } from './store-url.js';

/**
 * Checks that a Postgres or Redis server answers (`SELECT 1` / `PING`) within `timeoutMs`. Store
 * clients retry or queue commands while a server is down, which would turn a wrong URL into a hang on
 * the first lookup; this turns it into one error when the cache opens.
 */
export async function probeStore(store: StoreUrl, what: string, timeoutMs: number): Promise<void> {
  if (store.kind !== 'postgres' && store.kind !== 'redis') return;
  let timer: NodeJS.Timeout | undefined;
  let cleanup: () => Promise<void> = async () => undefined;
  const attempt = async () => {
    if (store.kind === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: store.url, connectionTimeoutMillis: timeoutMs });
      cleanup = () => client.end().catch(() => undefined);
      await client.connect();
      await client.query('SELECT 1');
    } else {
      const { createClient } = await import('@redis/client');
      const client = createClient({
        url: store.url,
        socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
      });
      client.on('error', () => undefined);
      cleanup = async () => {
        if (client.isOpen) client.destroy();
      };
      await client.connect();
      await client.ping();
    }
  };
  try {
    await Promise.race([
      attempt(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new StoreUnavailableError(
      `${what} ${redact(store.url)} is unreachable: ${(err as Error).message || String(err)} ` +
        `(check the URL and that the server runs; onStoreUnavailable: 'disable' runs uncached instead)`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
    // Closing a client that never connected throws; that must not hide why it did not connect.
    await cleanup().catch(() => undefined);
  }
}
