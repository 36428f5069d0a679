import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachingInterceptors } from '../src/index.js';
import { computeStats, type PriceSeries } from '../../../e2e/temporal-sample/src/activities.js';
import { missing, startRedis, type KillableServer } from '../../adapter-core/test/support/servers.js';
import { activityEnv, callInfo, tempCachePath } from './helpers/env.js';

const series: PriceSeries = { symbol: 'ACME', prices: [101.5, 99.25, 104] };

/**
 * A cache is an optimisation for an activity too: a store that dies while the activity runs does not
 * fail an activity whose work succeeded (the interceptor's default is onStoreUnavailable: 'disable').
 */
describe('a shared store that dies under a Temporal worker', () => {
  const skip = missing('redis');
  let redis: KillableServer | undefined;
  beforeAll(async () => {
    if (!skip) redis = await startRedis();
  }, 60_000);
  afterAll(async () => redis?.stop());

  it.skipIf(!!skip)(
    'SIGKILLed while an activity runs: the activity returns its value, one warning names the store, and the worker caches again once it is back',
    async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error & { code?: string }) => {
        if (w.code === 'DAGCACHE_STORE_UNAVAILABLE') warnings.push(w.message);
      };
      process.on('warning', onWarning);
      const interceptors = createCachingInterceptors({
        path: tempCachePath(),
        store: `${redis!.url}?namespace=temporal-death`,
        connectTimeoutMs: 1_000,
        versions: { computeStats: '1' },
      });
      let calls = 0;
      let killNow = true;
      const activity = async (s: PriceSeries) => {
        calls++;
        if (killNow) await redis!.kill();
        return computeStats(s);
      };
      try {
        const expected = await computeStats(series);
        // The store dies while the activity computes; its value still comes back.
        expect(await activityEnv(interceptors, callInfo('computeStats')).run(activity, series)).toEqual(
          expected,
        );
        killNow = false;
        // While the store is down, a new call computes and returns its value too.
        const other: PriceSeries = { symbol: 'BETA', prices: [1, 2, 3] };
        expect(
          await activityEnv(interceptors, callInfo('computeStats', { activityId: '2' })).run(activity, other),
        ).toEqual(await computeStats(other));
        expect(calls).toBe(2);
        await new Promise((r) => setImmediate(r));
        expect(warnings, warnings.join('\n')).toHaveLength(1);
        expect(warnings[0]).toContain(new URL(redis!.url).host);
        await redis!.restart();
        // Back: once the client has reconnected, a new call is stored there and the same call then hits.
        let hit = false;
        for (let i = 0; i < 40 && !hit; i++) {
          const fresh: PriceSeries = { symbol: `BACK${i}`, prices: [i, i + 1] };
          const call = (n: number) =>
            activityEnv(
              interceptors,
              callInfo('computeStats', {
                activityId: `r${i}-${n}`,
                workflowExecution: { workflowId: `wf-back-${i}-${n}`, runId: `run-${i}-${n}` },
              }),
            ).run(activity, fresh);
          expect(await call(1)).toEqual(await computeStats(fresh));
          const before = calls;
          expect(await call(2)).toEqual(await computeStats(fresh));
          hit = calls === before;
          if (!hit) await new Promise((r) => setTimeout(r, 250));
        }
        expect(hit).toBe(true);
        await interceptors.close();
        // The server came back empty: what it holds now, this worker stored there since.
        const port = new URL(redis!.url).port;
        expect(
          Number(execFileSync('redis-cli', ['-p', port, 'dbsize'], { encoding: 'utf8' }).trim()),
        ).toBeGreaterThan(0);
      } finally {
        process.off('warning', onWarning);
        await interceptors.close();
      }
    },
    90_000,
  );
});
