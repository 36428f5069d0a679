import { fileURLToPath } from 'node:url';
import { openCache } from '@dagcache/core';
import type { WorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { DagcacheWorkerPlugin, lineageWorkflowModule } from '../src/index.js';
import * as activities from '../../../e2e/temporal-sample/src/activities.js';
import { sampleWorkerOptions } from '../../../e2e/temporal-sample/src/worker-options.js';
import { activityEnv, callInfo, tempCachePath } from './helpers/env.js';

const converterPath = fileURLToPath(new URL('./fixtures/payload-converter.cjs', import.meta.url));
const series = { symbol: 'ACME', prices: [1, 2, 3] };

function workerOptions(extra: Partial<WorkerOptions> = {}): WorkerOptions {
  return { taskQueue: 'prices', activities, ...extra };
}

describe('DagcacheWorkerPlugin', () => {
  it('installs the caching activity interceptor after the worker’s own interceptors', () => {
    const own = () => ({});
    const configured = new DagcacheWorkerPlugin().configureWorker(
      workerOptions({ interceptors: { activity: [own] } }),
    );
    expect(configured.interceptors?.activity).toHaveLength(2);
    expect(configured.interceptors?.activity?.[0]).toBe(own);
    expect(configured.interceptors?.workflowModules ?? []).toEqual([]);
  });

  it('caches activity calls through the installed interceptor', async () => {
    const path = tempCachePath();
    const plugin = new DagcacheWorkerPlugin({ path });
    const { interceptors } = plugin.configureWorker(workerOptions());
    let runs = 0;
    const counted = async (s: typeof series) => {
      runs++;
      return activities.computeStats(s);
    };
    const first = await activityEnv(interceptors ?? {}, callInfo('computeStats')).run(counted, series);
    const second = await activityEnv(interceptors ?? {}, callInfo('computeStats')).run(counted, series);
    await plugin.close();
    expect(runs).toBe(1);
    expect(second).toEqual(first);
  });

  it('uses the payload converter named by dataConverter.payloadConverterPath', async () => {
    const path = tempCachePath();
    const plugin = new DagcacheWorkerPlugin({ path });
    const { interceptors } = plugin.configureWorker(
      workerOptions({ dataConverter: { payloadConverterPath: converterPath } }),
    );
    await activityEnv(interceptors ?? {}, callInfo('computeStats')).run(activities.computeStats, series);
    await plugin.close();
    const cache = await openCache({ path });
    const [run] = await cache.listRuns();
    const record = await cache.getRun(run!.runId);
    await cache.close();
    // The same value encoded by the default converter would give another fingerprint: compare against it.
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const { toStoredPayload } = await import('../src/payload/stored-payload.js');
    const other = await openCache({ path: tempCachePath() });
    const defaultVersion = other.versionData(toStoredPayload(defaultPayloadConverter.toPayload(series)));
    await other.close();
    expect(record?.nodes.computeStats?.keyParts?.dependencies.arg0).toBeDefined();
    expect(record?.nodes.computeStats?.keyParts?.dependencies.arg0).not.toBe(defaultVersion);
  });

  it('versions activities by the source of the worker’s activity functions when nothing else is declared', async () => {
    const path = tempCachePath();
    const plugin = new DagcacheWorkerPlugin({ path });
    const { interceptors } = plugin.configureWorker(workerOptions());
    await activityEnv(interceptors ?? {}, callInfo('renderReport')).run(activities.renderReport, {
      symbol: 'A',
      count: 1,
      mean: 1,
      min: 1,
      max: 1,
    });
    await plugin.close();
    const cache = await openCache({ path });
    const [run] = await cache.listRuns();
    const record = await cache.getRun(run!.runId);
    expect(record?.nodes.renderReport?.keyParts?.codeVersion).toBe(
      cache.versionCode(activities.renderReport),
    );
    await cache.close();
  });

  it('with lineage: registers the workflow interceptor module for workers and bundles', () => {
    const plugin = new DagcacheWorkerPlugin({ lineage: true });
    const worker = plugin.configureWorker(workerOptions({ workflowsPath: '/somewhere/workflows.ts' }));
    expect(worker.interceptors?.workflowModules).toEqual([lineageWorkflowModule()]);
    const bundle = plugin.configureBundler({ workflowsPath: '/somewhere/workflows.ts' });
    expect(bundle.workflowInterceptorModules).toEqual([lineageWorkflowModule()]);
  });

  it('stops the worker at start on bad configuration, before polling any activity', async () => {
    const plugin = new DagcacheWorkerPlugin({ path: tempCachePath(), recompute: ['a'], ignore: ['a'] });
    plugin.configureWorker(workerOptions());
    let polled = false;
    const fakeWorker = {} as Parameters<DagcacheWorkerPlugin['runWorker']>[0];
    await expect(
      plugin.runWorker(fakeWorker, async () => {
        polled = true;
      }),
    ).rejects.toMatchObject({ name: 'ConfigError' });
    expect(polled).toBe(false);
  });

  it('finishes its runs when the worker stops', async () => {
    const path = tempCachePath();
    const plugin = new DagcacheWorkerPlugin({ path });
    const { interceptors } = plugin.configureWorker(workerOptions());
    const fakeWorker = {} as Parameters<DagcacheWorkerPlugin['runWorker']>[0];
    await plugin.runWorker(fakeWorker, async () => {
      await activityEnv(interceptors ?? {}, callInfo('computeStats')).run(activities.computeStats, series);
    });
    const cache = await openCache({ path });
    const [run] = await cache.listRuns();
    expect(run?.finishedAt).toBeDefined();
    await cache.close();
  });

  it('the sample worker’s options (one plugin line) cache the sample’s activities', async () => {
    const path = tempCachePath();
    const options = sampleWorkerOptions(path);
    const plugins = (options.plugins ?? []) as DagcacheWorkerPlugin[];
    expect(plugins.map((p) => p.name)).toEqual(['dagcache.DagcacheWorkerPlugin']);
    let configured = { ...options } as WorkerOptions;
    for (const plugin of plugins) configured = plugin.configureWorker(configured);
    const env = () => activityEnv(configured.interceptors ?? {}, callInfo('fetchPrices'));
    const beats: unknown[] = [];
    const first = env();
    first.on('heartbeat', (d: unknown) => beats.push(d));
    const a = await first.run(activities.fetchPrices, 'ACME', 15);
    const second = env();
    second.on('heartbeat', (d: unknown) => beats.push(d));
    const b = await second.run(activities.fetchPrices, 'ACME', 15);
    for (const plugin of plugins) await plugin.close();
    expect(b).toEqual(a);
    // Heartbeats only from the executed call: the hit did not run the activity.
    expect(beats).toEqual([{ day: 0 }, { day: 10 }]);
    const cache = await openCache({ path });
    const runs = await cache.listRuns();
    await cache.close();
    expect(runs.map((r) => r.counts)).toEqual(expect.arrayContaining([{ executed: 1 }, { retrieved: 1 }]));
    expect(runs).toHaveLength(2);
  });
});
