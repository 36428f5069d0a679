import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Builder, node, StoreUnavailableError, type CacheOptions } from '../../src/index.js';
import { missing, startPostgres, startRedis, type KillableServer } from '../support/servers.js';
import { Calls, tempDir } from '../support/tmp.js';

/**
 * A cache is an optimisation: a Postgres or Redis store SIGKILLed mid-run or between runs never hangs a
 * run; with `onStoreUnavailable: 'disable'` the run returns its correct values uncached with one warning
 * naming the store, with 'error' it rejects with one StoreUnavailableError naming the store; once the
 * server is back on its port, the same driver caches again.
 *
 * No test asserts a time: each has a vitest timeout, which a hang (the old Redis offline queue) hits.
 */
const TIMEOUT = 45_000;

const calls = new Calls();
let counter = 0;

/** Waits until the driver's background writes (the last run's record) are done. */
async function settled(dr: { cache: { ready(): Promise<{ settled(): Promise<void> }> } }): Promise<void> {
  await (await dr.cache.ready()).settled();
}

/** Warnings dagcache emitted about unavailable stores while `fn` ran. */
async function storeWarnings<T>(fn: () => Promise<T>): Promise<{ result: T | Error; warnings: string[] }> {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === 'DAGCACHE_STORE_UNAVAILABLE') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    const result = await fn().catch((e: Error) => e);
    // 'warning' events are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off('warning', onWarning);
  }
}

for (const kind of ['redis', 'postgres'] as const) {
  describe(`a ${kind} store that dies`, () => {
    const skip = missing(kind);
    let server: KillableServer | undefined;
    let dead = false;
    const kill = async () => {
      dead = true;
      await server!.kill();
    };
    beforeAll(async () => {
      if (!skip) server = kind === 'redis' ? await startRedis() : await startPostgres();
    }, 60_000);
    afterAll(async () => server?.stop());
    let frozen = false;
    afterEach(async () => {
      if (frozen) server!.freeze(false);
      frozen = false;
      if (dead) await server!.restart();
      dead = false;
    }, 60_000);

    /** host:port, which every message about this store must name. */
    const where = () => new URL(server!.url).host;
    const options = (onStoreUnavailable: 'disable' | 'error'): CacheOptions => ({
      path: tempDir(),
      store: `${server!.url}?namespace=death${++counter}`,
      onStoreUnavailable,
      connectTimeoutMs: 1_000,
    });

    /** a → b → c (and d beside them); `killIn` names the node that kills the server while it runs. */
    const graph = (killIn?: string, how: 'kill' | 'freeze' = 'kill') => {
      const body = async (name: string, value: number) => {
        calls.hit(name);
        if (name === killIn && how === 'kill') await kill();
        if (name === killIn && how === 'freeze') {
          frozen = true;
          server!.freeze(true);
        }
        return value;
      };
      return {
        a: node(() => body('a', 1)),
        b: node(({ a }: { a: number }) => body('b', a + 1)),
        c: node(({ b }: { b: number }) => body('c', b * 10)),
        d: node(({ a }: { a: number }) => body('d', a + 100)),
      };
    };
    const expected = { c: 20, d: 101 };

    it.skipIf(!!skip)(
      "SIGKILLed mid-run, 'disable': the run returns its correct values with one warning naming the store",
      async () => {
        calls.reset();
        const dr = new Builder().withNodes(graph('b')).withCache(options('disable')).build();
        const { result, warnings } = await storeWarnings(async () => {
          const out = await dr.execute(['c', 'd']);
          await dr.cache.close();
          return out;
        });
        expect(result).toEqual(expected);
        expect(calls.all).toEqual({ a: 1, b: 1, c: 1, d: 1 });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(where());
        expect(warnings[0]).toMatch(/running uncached/);
      },
      TIMEOUT,
    );

    it.skipIf(!!skip)(
      "SIGKILLed mid-run, 'error': one StoreUnavailableError naming the store, no hang",
      async () => {
        const dr = new Builder().withNodes(graph('b')).withCache(options('error')).build();
        const { result } = await storeWarnings(() => dr.execute(['c', 'd']));
        expect(result).toBeInstanceOf(StoreUnavailableError);
        expect((result as Error).message).toContain(where());
        await dr.cache.close();
      },
      TIMEOUT,
    );

    it.skipIf(!!skip)(
      "stops answering mid-run (SIGSTOP, connections left open), 'disable': correct values, one warning, no hang",
      async () => {
        calls.reset();
        const dr = new Builder().withNodes(graph('b', 'freeze')).withCache(options('disable')).build();
        const { result, warnings } = await storeWarnings(async () => {
          const out = await dr.execute(['c', 'd']);
          await dr.cache.close();
          return out;
        });
        expect(result).toEqual(expected);
        expect(calls.all).toEqual({ a: 1, b: 1, c: 1, d: 1 });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(where());
        expect(warnings[0]).toMatch(/no answer within/);
      },
      TIMEOUT,
    );

    it.skipIf(!!skip)(
      "SIGKILLed between runs, 'disable': the next run returns its correct values with one warning",
      async () => {
        calls.reset();
        const dr = new Builder().withNodes(graph()).withCache(options('disable')).build();
        expect(await dr.execute(['c', 'd'])).toEqual(expected);
        await settled(dr);
        await kill();
        const { result, warnings } = await storeWarnings(() => dr.execute(['c', 'd']));
        expect(result).toEqual(expected);
        expect(calls.all).toEqual({ a: 2, b: 2, c: 2, d: 2 });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(where());
        await dr.cache.close();
      },
      TIMEOUT,
    );

    it.skipIf(!!skip)(
      "SIGKILLed between runs, 'error': one StoreUnavailableError naming the store, no hang",
      async () => {
        const dr = new Builder().withNodes(graph()).withCache(options('error')).build();
        expect(await dr.execute(['c', 'd'])).toEqual(expected);
        await settled(dr);
        await kill();
        const { result } = await storeWarnings(() => dr.execute(['c', 'd']));
        expect(result).toBeInstanceOf(StoreUnavailableError);
        expect((result as Error).message).toContain(where());
        await dr.cache.close();
      },
      TIMEOUT,
    );

    it.skipIf(!!skip)(
      'restarted on the same port: the same driver caches again',
      async () => {
        calls.reset();
        const dr = new Builder().withNodes(graph()).withCache(options('disable')).build();
        expect(await dr.execute(['c', 'd'])).toEqual(expected);
        await settled(dr);
        await kill();
        expect((await storeWarnings(() => dr.execute(['c', 'd']))).result).toEqual(expected);
        await server!.restart();
        dead = false;
        // The first run once the client has reconnected stores again (Redis came back empty); a
        // Redis client retries with a backoff of at most 500 ms, so that may take a run or two.
        for (let i = 0; ; i++) {
          calls.reset();
          expect(await dr.execute(['c', 'd'])).toEqual(expected);
          const rec = await dr.cache.getRun(dr.cache.lastRunId);
          // Postgres kept its data: the run hits what the first run stored.
          const cached = Object.values(rec!.nodes).every((n) => n.status === 'retrieved');
          const stored = rec!.events.some(
            (e) => e.eventType === 'SET_DATA_VERSION' && e.actor === 'metadata_store',
          );
          if (cached || stored) break;
          if (kind === 'postgres' || i > 20)
            throw new Error(`run ${i} after the restart neither hit nor stored`);
          await new Promise((r) => setTimeout(r, 100));
        }
        calls.reset();
        expect(await dr.execute(['c', 'd'])).toEqual(expected);
        expect(calls.all).toEqual({});
        const rec = await dr.cache.getRun(dr.cache.lastRunId);
        expect(rec!.nodes.c!.status).toBe('retrieved');
        await dr.cache.close();
      },
      TIMEOUT,
    );
  });
}
