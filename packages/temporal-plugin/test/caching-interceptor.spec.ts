import { openCache } from '@dagcache/core';
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createCachingInterceptors,
  LINEAGE_HEADER,
  UNHASHABLE_ARGUMENT,
  withLineage,
  type CachingInterceptorOptions,
  type DagcacheCache,
} from '../src/index.js';
import {
  computeStats,
  fetchPrices,
  renderReport,
  type PriceSeries,
  type PriceStats,
} from '../../../e2e/temporal-sample/src/activities.js';
import * as sampleActivities from '../../../e2e/temporal-sample/src/activities.js';
import { activityEnv, callInfo, tempCachePath, TypedActivityEnvironment } from './helpers/env.js';
import { payloadConverter as taggedConverter } from './helpers/tagged-json-converter.js';

const series: PriceSeries = { symbol: 'ACME', prices: [101.5, 99.25, 104] };

let path: string;
let inspector: DagcacheCache | undefined;
beforeEach(() => {
  path = tempCachePath();
  inspector = undefined;
});
afterEach(async () => {
  await inspector?.close();
});

/** The cache as a later process sees it (opened after the interceptors closed theirs). */
async function inspect(): Promise<DagcacheCache> {
  inspector ??= await openCache({ path });
  return inspector;
}

/** An activity that counts its executions, wrapping one of the sample's activities. */
function counted<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const calls = { count: 0 };
  const wrapped = async (...args: A): Promise<R> => {
    calls.count++;
    return fn(...args);
  };
  return Object.assign(wrapped, { calls });
}

/** Interceptors over the test's cache folder, knowing the sample's activities (as the worker plugin would). */
function caching(options: Omit<CachingInterceptorOptions, 'cache' | 'path'> = {}) {
  return createCachingInterceptors({
    path,
    activities: sampleActivities,
    // Activities written inline in these tests declare a version, as a user would for such functions.
    versions: { shift: '1', touch: '1', countSince: '1', pick: '1', renderLatest: '1', ...options.versions },
    ...options,
  });
}

/** Every node record the interceptors wrote, as sorted `activityType:status` (runs may share a millisecond). */
async function statuses(): Promise<string[]> {
  const out: string[] = [];
  const cache = await inspect();
  for (const summary of await cache.listRuns()) {
    const run = await cache.getRun(summary.runId);
    for (const node of Object.values(run?.nodes ?? {})) out.push(`${node.nodeName}:${node.status}`);
  }
  return out.sort();
}

/** What `why` reports for a node across every run that has it (which run is newest may tie on the clock). */
async function whyChanges(nodeName: string) {
  const cache = await inspect();
  const changes = [];
  for (const summary of await cache.listRuns()) {
    const run = await cache.getRun(summary.runId);
    if (run?.nodes[nodeName]) changes.push(...(await cache.why(summary.runId, nodeName)).changes);
  }
  return changes;
}

describe('hit and miss', () => {
  it('runs the activity on the first call and serves the same call from the cache afterwards', async () => {
    const interceptors = caching();
    const activity = counted(computeStats);
    const first = await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    const second = await activityEnv(interceptors, callInfo('computeStats', { activityId: '7' })).run(
      activity,
      series,
    );
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
    expect(second).toEqual(first);
    expect(await statuses()).toEqual(['computeStats:executed', 'computeStats:retrieved']);
  });

  it('runs again when an argument changes, and `why` names the argument', async () => {
    const interceptors = caching();
    const activity = counted(fetchPrices);
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, 'ACME', 30);
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, 'ACME', 31);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    const changes = await whyChanges('fetchPrices');
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'dependency', name: 'arg1' }));
    expect(changes).not.toContainEqual(expect.objectContaining({ kind: 'dependency', name: 'arg0' }));
  });

  it('leaves attempt numbers, workflow ids and run ids out of the key', async () => {
    const interceptors = caching();
    const activity = counted(computeStats);
    await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    await activityEnv(
      interceptors,
      callInfo('computeStats', {
        attempt: 3,
        activityId: '9',
        workflowExecution: { workflowId: 'other', runId: 'r2' },
      }),
    ).run(activity, series);
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
  });

  it('misses when the declared code version or the build id changes', async () => {
    const activity = counted(computeStats);
    const v1 = caching({ versions: { computeStats: '1' } });
    await activityEnv(v1, callInfo('computeStats')).run(activity, series);
    await activityEnv(v1, callInfo('computeStats')).run(activity, series);
    const v2 = caching({ versions: { computeStats: '2' } });
    await activityEnv(v2, callInfo('computeStats')).run(activity, series);
    const build = caching({ buildId: 'build-42' });
    await activityEnv(build, callInfo('computeStats')).run(activity, series);
    await activityEnv(build, callInfo('computeStats')).run(activity, series);
    await Promise.all([v1.close(), v2.close(), build.close()]);
    expect(activity.calls.count).toBe(3);
  });

  it('versions unversioned activities by their source when the worker passes its activities', async () => {
    const activity = counted(computeStats);
    const a = caching({ activities: { computeStats: (s: PriceSeries) => s.prices.length } });
    const b = caching({ activities: { computeStats: (s: PriceSeries) => s.prices.length + 1 } });
    await activityEnv(a, callInfo('computeStats')).run(activity, series);
    await activityEnv(a, callInfo('computeStats')).run(activity, series);
    await activityEnv(b, callInfo('computeStats')).run(activity, series);
    await Promise.all([a.close(), b.close()]);
    expect(activity.calls.count).toBe(2);
  });
});

describe('activities nothing can version', () => {
  /** Collects the DagcacheWarnings emitted while `fn` runs. */
  async function warnings(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const on = (w: Error) => {
      if (w.name === 'DagcacheWarning') seen.push(w.message);
    };
    process.on('warning', on);
    try {
      await fn();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', on);
    }
    return seen;
  }

  it('the README example without `activities`: never cached (a fixed build would keep serving old results), one warning per type', async () => {
    const interceptors = createCachingInterceptors({ path, recompute: ['sendEmail'] });
    const activity = counted(computeStats);
    const seen = await warnings(async () => {
      await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
      await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    });
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/activity "computeStats" runs uncached: nothing versions its code/);
    expect(await statuses()).toEqual(['computeStats:executed', 'computeStats:executed']);
  });

  it('MockActivityEnvironment without info: farewell is never served greet’s result', async () => {
    const interceptors = createCachingInterceptors({ path, activities: { greet: () => 1, farewell: () => 2 } });
    const greet = counted(async (name: string) => `Hello, ${name}!`);
    const farewell = counted(async (name: string) => `Bye, ${name}!`);
    const seen = await warnings(async () => {
      // As Temporal's samples test activities: no info, so the type is the mock's default.
      const env = () => new TypedActivityEnvironment(undefined, { interceptors: interceptors.activity });
      expect(await env().run(greet, 'Ada')).toBe('Hello, Ada!');
      expect(await env().run(farewell, 'Ada')).toBe('Bye, Ada!');
      expect(await env().run(greet, 'Ada')).toBe('Hello, Ada!');
    });
    await interceptors.close();
    expect([greet.calls.count, farewell.calls.count]).toEqual([2, 1]);
    expect(seen.join('\n')).toMatch(/names no activity/);
  });
});

describe('behaviors', () => {
  it('recompute: runs every time, still stores so downstream keys see the new version', async () => {
    const interceptors = caching({ recompute: ['fetchPrices'] });
    const activity = counted(fetchPrices);
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, 'ACME', 5);
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, 'ACME', 5);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(await statuses()).toEqual(['fetchPrices:recomputed', 'fetchPrices:recomputed']);
    // Back to default behavior: the stored result is served.
    const plain = caching();
    await activityEnv(plain, callInfo('fetchPrices')).run(activity, 'ACME', 5);
    await plain.close();
    expect(activity.calls.count).toBe(2);
  });

  it('disable: runs every time and stores nothing', async () => {
    const interceptors = caching({ disable: ['renderReport'] });
    const activity = counted(renderReport);
    const stats = await computeStats(series);
    await activityEnv(interceptors, callInfo('renderReport')).run(activity, stats);
    await activityEnv(interceptors, callInfo('renderReport')).run(activity, stats);
    await interceptors.close();
    const plain = caching();
    await activityEnv(plain, callInfo('renderReport')).run(activity, stats);
    await plain.close();
    expect(activity.calls.count).toBe(3);
    expect(await statuses()).toEqual([
      'renderReport:disabled',
      'renderReport:disabled',
      'renderReport:executed',
    ]);
  });

  it('ignore: runs every time (true applies to every activity)', async () => {
    const interceptors = caching({ ignore: true });
    const activity = counted(computeStats);
    await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(await statuses()).toEqual(['computeStats:ignored', 'computeStats:ignored']);
  });

  it('rejects bad behavior configuration before any activity runs', async () => {
    const interceptors = createCachingInterceptors({
      path: tempCachePath(),
      recompute: ['a'],
      disable: ['a'],
    });
    const activity = counted(computeStats);
    await expect(activityEnv(interceptors, callInfo('computeStats')).run(activity, series)).rejects.toThrow(
      /"?a"?.*(recompute|disable)|(recompute|disable).*"?a"?/,
    );
    expect(activity.calls.count).toBe(0);
    await interceptors.close();
  });
});

describe('failures and cancellation', () => {
  it('passes the activity’s own failure through unchanged and stores nothing', async () => {
    const interceptors = caching();
    const failure = ApplicationFailure.nonRetryable('upstream is down', 'Upstream');
    let fail = true;
    const activity = counted(async (s: PriceSeries) => {
      if (fail) throw failure;
      return computeStats(s);
    });
    await expect(activityEnv(interceptors, callInfo('computeStats')).run(activity, series)).rejects.toBe(
      failure,
    );
    fail = false;
    await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(await statuses()).toEqual(['computeStats:executed', 'computeStats:failed']);
  });

  it('a cancelled activity stores nothing; cancellation reaches the activity through its own Context', async () => {
    const interceptors = caching();
    const env = activityEnv(interceptors, callInfo('fetchPrices'));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slow = counted(async (symbol: string, days: number) => {
      started();
      await Context.current().cancelled;
      return fetchPrices(symbol, days);
    });
    const call = env.run(slow, 'ACME', 5);
    await running;
    env.cancel();
    await expect(call).rejects.toBeInstanceOf(CancelledFailure);
    const again = await activityEnv(interceptors, callInfo('fetchPrices')).run(fetchPrices, 'ACME', 5);
    await interceptors.close();
    expect(again.prices).toHaveLength(5);
    expect(await statuses()).toEqual(['fetchPrices:executed', 'fetchPrices:failed']);
  });

  it('async completion (CompleteAsyncError) passes through and stores nothing', async () => {
    const interceptors = caching();
    const activity = counted(async (_s: PriceSeries): Promise<PriceStats> => {
      throw new CompleteAsyncError();
    });
    await expect(
      activityEnv(interceptors, callInfo('computeStats')).run(activity, series),
    ).rejects.toBeInstanceOf(CompleteAsyncError);
    await expect(
      activityEnv(interceptors, callInfo('computeStats')).run(activity, series),
    ).rejects.toBeInstanceOf(CompleteAsyncError);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
  });

  it('heartbeats and Context.current() pass through untouched on a miss', async () => {
    const interceptors = caching();
    const env = activityEnv(interceptors, callInfo('fetchPrices'));
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    let seen: Context | undefined;
    await env.run(
      async (symbol: string, days: number) => {
        seen = Context.current();
        return fetchPrices(symbol, days);
      },
      'ACME',
      25,
    );
    await interceptors.close();
    expect(seen).toBe(env.context);
    expect(beats).toEqual([{ day: 0 }, { day: 10 }, { day: 20 }]);
  });

  it('an argument the payload converter cannot encode is a non-retryable ApplicationFailure naming activity and path', async () => {
    const interceptors = caching();
    const activity = counted(async (_opts: unknown) => 'never');
    const error = await activityEnv(interceptors, callInfo('fetchPrices'))
      .run(activity, { symbol: 'ACME', window: { days: 10n } })
      .catch((e: unknown) => e);
    await interceptors.close();
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: UNHASHABLE_ARGUMENT, nonRetryable: true });
    expect((error as Error).message).toContain('"fetchPrices"');
    expect((error as Error).message).toContain('arg0.window.days');
    expect(activity.calls.count).toBe(0);
  });

  it('unhashable: recompute runs such calls uncached instead', async () => {
    const interceptors = caching({ unhashable: { fetchPrices: 'recompute' } });
    const activity = counted(async (_opts: unknown) => 'ran');
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, { days: 10n });
    await activityEnv(interceptors, callInfo('fetchPrices')).run(activity, { days: 10n });
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    // Still recorded by core, with the reason in the events.
    expect(await statuses()).toEqual(['fetchPrices:executed', 'fetchPrices:executed']);
    const cache = await inspect();
    const [first] = await cache.listRuns();
    const events = (await cache.getRun(first!.runId))!.events;
    expect(events).toContainEqual(
      expect.objectContaining({
        eventType: 'UNHASHABLE_DATA_VERSION',
        msg: expect.stringContaining('arg0.days'),
      }),
    );
  });
});

describe('payload converters and formats', () => {
  it('stores results as payloads: binary data comes back byte for byte with the default converter', async () => {
    const interceptors = caching();
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const activity = counted(async (n: number) => bytes.map((b) => (b + n) % 256));
    const first = await activityEnv(interceptors, callInfo('shift')).run(activity, 1);
    const hit = await activityEnv(interceptors, callInfo('shift')).run(activity, 1);
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
    expect(hit).toBeInstanceOf(Uint8Array);
    expect([...(hit as Uint8Array)]).toEqual([...first]);
  });

  it('an activity that returns nothing is cached too (undefined and null come back as they were)', async () => {
    const interceptors = caching();
    const activity = counted(async (kind: string) => (kind === 'null' ? null : undefined));
    const first = [
      await activityEnv(interceptors, callInfo('touch')).run(activity, 'undefined'),
      await activityEnv(interceptors, callInfo('touch')).run(activity, 'null'),
    ];
    const again = [
      await activityEnv(interceptors, callInfo('touch')).run(activity, 'undefined'),
      await activityEnv(interceptors, callInfo('touch')).run(activity, 'null'),
    ];
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(first).toEqual([undefined, null]);
    expect(again).toStrictEqual([undefined, null]);
  });

  it('round-trips whatever a custom payload converter round-trips (Date, Map, bigint)', async () => {
    const interceptors = caching({ payloadConverter: taggedConverter });
    const activity = counted(async (since: Date, n: bigint) => ({
      since,
      counts: new Map([['ACME', n * 2n]]),
    }));
    const since = new Date('2026-01-02T03:04:05.000Z');
    const first = await activityEnv(interceptors, callInfo('countSince')).run(activity, since, 21n);
    const hit = await activityEnv(interceptors, callInfo('countSince')).run(activity, new Date(since), 21n);
    const other = await activityEnv(interceptors, callInfo('countSince')).run(activity, since, 22n);
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(hit).toEqual(first);
    expect(hit.since).toBeInstanceOf(Date);
    expect(hit.counts.get('ACME')).toBe(42n);
    expect(other.counts.get('ACME')).toBe(44n);
  });

  it('fingerprints arguments as the converter encodes them, so equal encodings share a key', async () => {
    // The default (JSON) converter encodes undefined object fields away: both calls are the same call.
    const interceptors = caching();
    const activity = counted(async (o: { a: number; b?: number }) => o.a);
    await activityEnv(interceptors, callInfo('pick')).run(activity, { a: 1 });
    await activityEnv(interceptors, callInfo('pick')).run(activity, { a: 1, b: undefined });
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
  });

  it('stores a result with a core format when the activity names one', async () => {
    const interceptors = caching({ formats: { computeStats: 'json' } });
    const activity = counted(computeStats);
    const first = await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    const hit = await activityEnv(interceptors, callInfo('computeStats')).run(activity, series);
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
    expect(hit).toEqual(first);
    const cache = await inspect();
    const runs = await cache.listRuns();
    const record = await cache.getRun(runs[0]!.runId);
    expect(record?.nodes.computeStats?.format).toBe('json');
  });
});

describe('changing how a result is stored', () => {
  it('switching an activity between a core format and payloads runs it again instead of serving the other kind', async () => {
    const activity = counted(computeStats);
    const asJson = caching({ formats: { computeStats: 'json' } });
    await activityEnv(asJson, callInfo('computeStats')).run(activity, series);
    await asJson.close();
    const asPayload = caching();
    const result = await activityEnv(asPayload, callInfo('computeStats')).run(activity, series);
    const hit = await activityEnv(asPayload, callInfo('computeStats')).run(activity, series);
    await asPayload.close();
    expect(activity.calls.count).toBe(2);
    expect(hit).toEqual(result);
    expect(result).toEqual(await computeStats(series));
  });
});

describe('runs and events', () => {
  it('groups calls of one workflow execution into runs of tool "temporal", labelled with the execution', async () => {
    const interceptors = caching();
    const info = { workflowExecution: { workflowId: 'prices-ACME', runId: 'r-1' } };
    const prices = await activityEnv(interceptors, callInfo('fetchPrices', info)).run(fetchPrices, 'ACME', 3);
    const stats = await activityEnv(interceptors, callInfo('computeStats', info)).run(computeStats, prices);
    await activityEnv(interceptors, callInfo('renderReport', info)).run(renderReport, stats);
    // The same activity type again in the same execution goes to a further run of the same group.
    await activityEnv(interceptors, callInfo('computeStats', info)).run(computeStats, prices);
    await interceptors.close();
    const cache = await inspect();
    const runs = await cache.listRuns();
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.tool).toBe('temporal');
      expect(run.labels).toMatchObject({
        group: 'prices-ACME/r-1',
        workflowId: 'prices-ACME',
        workflowRunId: 'r-1',
      });
    }
    const first = await cache.getRun(runs[0]!.runId);
    expect(Object.keys(first!.nodes).sort()).toEqual(['computeStats', 'fetchPrices', 'renderReport']);
    expect(first!.events.map((e) => e.eventType)).toContain('EXECUTE_NODE');
    expect(first!.finishedAt).toBeDefined();
  });

  it('a fan-out (the same activity type called concurrently in one execution) records every call', async () => {
    const activity = counted(fetchPrices);
    const fanOut = async (interceptors: ReturnType<typeof caching>) => {
      await Promise.all(
        ['A', 'B', 'C', 'D', 'E'].map((symbol, i) =>
          activityEnv(interceptors, callInfo('fetchPrices', { activityId: String(i + 1) })).run(
            activity,
            symbol,
            4,
          ),
        ),
      );
      await interceptors.close();
    };
    await fanOut(caching());
    await fanOut(caching());
    expect(activity.calls.count).toBe(5);
    expect(await statuses()).toEqual([
      ...Array(5).fill('fetchPrices:executed'),
      ...Array(5).fill('fetchPrices:retrieved'),
    ]);
  });

  it('persists the run after each call, before the worker stops', async () => {
    const cache = await openCache({ path });
    const interceptors = createCachingInterceptors({ cache });
    await activityEnv(interceptors, callInfo('computeStats')).run(computeStats, series);
    await expect.poll(async () => (await cache.listRuns()).map((r) => r.counts)).toEqual([{ executed: 1 }]);
    await interceptors.close();
    // The caller's cache stays open.
    expect(await cache.listRuns()).toHaveLength(1);
    await cache.close();
  });

  it('finishes the least recently used runs beyond maxOpenRuns, and the rest on close', async () => {
    const cache = await openCache({ path });
    const interceptors = createCachingInterceptors({ cache, maxOpenRuns: 1 });
    for (const workflowId of ['wf-a', 'wf-b', 'wf-c']) {
      const info = { workflowExecution: { workflowId, runId: 'r' } };
      await activityEnv(interceptors, callInfo('computeStats', info)).run(computeStats, series);
    }
    const finished = async () =>
      Object.fromEntries(
        (await cache.listRuns()).map((r) => [r.labels.workflowId, r.finishedAt !== undefined]),
      );
    await expect.poll(finished).toEqual({ 'wf-a': true, 'wf-b': true, 'wf-c': false });
    await interceptors.close();
    expect(await finished()).toEqual({ 'wf-a': true, 'wf-b': true, 'wf-c': true });
    await cache.close();
  });

  it('refuses core options beside an open cache instead of silently dropping them', async () => {
    const cache = await openCache({ path });
    expect(() => createCachingInterceptors({ cache, recompute: ['fetchPrices'] })).toThrow(
      /recompute.*openCache/,
    );
    await cache.close();
  });
});

describe('lineage (opt-in)', () => {
  const withUpstream = (version: string) => ({
    headers: withLineage({}, { fetchPrices: version }),
  });

  it('makes upstream data versions from the activity header part of the key', async () => {
    const interceptors = caching({ lineage: true });
    const activity = counted(async () => 'report of the latest prices');
    // The mock environment passes no headers, so run the interceptor directly with the headers a workflow sends.
    const call = async (version: string) => {
      const env = activityEnv({}, callInfo('renderLatest'));
      const inbound = interceptors.activity[0]!(env.context).inbound!;
      return env.run(() => inbound.execute!({ args: [], ...withUpstream(version) }, () => activity()));
    };
    await call('v1');
    await call('v1');
    await call('v2');
    await interceptors.close();
    expect(activity.calls.count).toBe(2);
    expect(await whyChanges('renderLatest')).toContainEqual(
      expect.objectContaining({ kind: 'dependency', name: 'fetchPrices' }),
    );
  });

  it('ignores the header unless lineage is on', async () => {
    const interceptors = caching();
    const activity = counted(async () => 'x');
    for (const version of ['v1', 'v2']) {
      const env = activityEnv({}, callInfo('renderLatest'));
      const inbound = interceptors.activity[0]!(env.context).inbound!;
      await env.run(() => inbound.execute!({ args: [], ...withUpstream(version) }, () => activity()));
    }
    await interceptors.close();
    expect(activity.calls.count).toBe(1);
    expect(defaultPayloadConverter.fromPayload(withUpstream('v1').headers[LINEAGE_HEADER]!)).toEqual({
      fetchPrices: 'v1',
    });
  });
});
