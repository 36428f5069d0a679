import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCachingInterceptors, DagcacheWorkerPlugin } from '../src/index.js';
import * as activities from '../../../e2e/temporal-sample/src/activities.js';
import { activityEnv, callInfo, tempCachePath } from './helpers/env.js';
import { buildHistory, type ActivityStep } from './helpers/history.js';

const workflowsPath = fileURLToPath(
  new URL('../../../e2e/temporal-sample/src/workflows.ts', import.meta.url),
);
const logger = new DefaultLogger('ERROR');

let plain: WorkflowBundleWithSourceMap;
let withLineage: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  // The negative test's expected non-determinism would otherwise be logged by the Rust core as a warning.
  Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  // Bundling (webpack, offline) takes about a second: once per bundle for the whole file.
  plain = await bundleWorkflowCode({ workflowsPath, logger });
  // The lineage bundle gets its workflow interceptor module from the plugin, as a user's bundle would.
  withLineage = await bundleWorkflowCode({
    workflowsPath,
    logger,
    plugins: [new DagcacheWorkerPlugin({ lineage: true })],
  });
  expect(withLineage.code).toContain('dagcache-lineage');
  expect(plain.code).not.toContain('dagcache-lineage');
});

/**
 * Runs the sample pipeline's activities the way a worker would for one workflow execution, through the
 * caching interceptor, and returns the steps as the server would record them.
 */
async function runPipeline(
  path: string,
  symbol: string,
  days: number,
): Promise<{ steps: ActivityStep[]; executed: number }> {
  const caching = createCachingInterceptors({ path, activities });
  let executed = 0;
  const call = async <A extends unknown[], R>(type: string, fn: (...a: A) => Promise<R>, ...args: A) => {
    const result = await activityEnv(caching, callInfo(type)).run(
      async (...a: A) => {
        executed++;
        return fn(...a);
      },
      ...args,
    );
    steps.push({ activityType: type, args, result });
    return result;
  };
  const steps: ActivityStep[] = [];
  const series = await call('fetchPrices', activities.fetchPrices, symbol, days);
  const stats = await call('computeStats', activities.computeStats, series);
  await call('renderReport', activities.renderReport, stats);
  await caching.close();
  return { steps, executed };
}

function pipelineHistory(symbol: string, days: number, steps: ActivityStep[]) {
  return buildHistory({
    workflowType: 'pricePipeline',
    args: [symbol, days],
    activities: steps,
    result: steps.at(-1)!.result,
  });
}

describe('replay of workflows whose activities were cached', () => {
  it('the cached run returns exactly what the executed run returned', async () => {
    const path = tempCachePath();
    const first = await runPipeline(path, 'ACME', 20);
    const second = await runPipeline(path, 'ACME', 20);
    expect(first.executed).toBe(3);
    expect(second.executed).toBe(0);
    expect(second.steps).toEqual(first.steps);
  });

  it('does not diverge without the plugin', async () => {
    const path = tempCachePath();
    await runPipeline(path, 'ACME', 20);
    const { steps } = await runPipeline(path, 'ACME', 20);
    await expect(
      Worker.runReplayHistory({ workflowBundle: plain }, pipelineHistory('ACME', 20, steps), 'prices-ACME'),
    ).resolves.toBeUndefined();
  });

  it('does not diverge with the plugin installed on the replay worker', async () => {
    const path = tempCachePath();
    await runPipeline(path, 'ACME', 20);
    const { steps } = await runPipeline(path, 'ACME', 20);
    const plugin = new DagcacheWorkerPlugin({ path });
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: plain, plugins: [plugin] },
        pipelineHistory('ACME', 20, steps),
        'prices-ACME-plugin',
      ),
    ).resolves.toBeUndefined();
    await plugin.close();
  });

  it('does not diverge with lineage headers added by the workflow interceptor', async () => {
    const path = tempCachePath();
    const { steps } = await runPipeline(path, 'ZETA', 12);
    const plugin = new DagcacheWorkerPlugin({ path, lineage: true });
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: withLineage, plugins: [plugin] },
        pipelineHistory('ZETA', 12, steps),
        'prices-ZETA-lineage',
      ),
    ).resolves.toBeUndefined();
    await plugin.close();
  });

  it('does not diverge when the plugin bundles the workflows itself (workflowsPath, lineage module added)', async () => {
    const path = tempCachePath();
    const { steps } = await runPipeline(path, 'OMEGA', 8);
    const plugin = new DagcacheWorkerPlugin({ path, lineage: true });
    await expect(
      Worker.runReplayHistory(
        { workflowsPath, plugins: [plugin] },
        pipelineHistory('OMEGA', 8, steps),
        'prices-OMEGA-path',
      ),
    ).resolves.toBeUndefined();
    await plugin.close();
  });

  it('still detects a real divergence (the replay check can fail)', async () => {
    const { steps } = await runPipeline(tempCachePath(), 'ACME', 5);
    // A history in which the workflow completed after two activities: the code schedules a third.
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: plain },
        pipelineHistory('ACME', 5, steps.slice(0, 2)),
        'prices-bad',
      ),
    ).rejects.toMatchObject({ name: 'DeterminismViolationError' });
  });
});
