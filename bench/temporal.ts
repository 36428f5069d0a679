// Overhead of dagcache's Temporal activity interceptor per activity call, via MockActivityEnvironment (no
// server), default SQLite store. 10,000 calls shaped like real pipelines: 1,000 workflow executions of 10
// activities each (so one core run per execution, as on a worker). Measured: calling the activities with
// no interceptor, a cold pass (every call a miss: the activity runs, its result is stored and committed before
// the call returns) and a warm pass (every call a hit). Run records of hits are written off the call path;
// the time `close()` then needs for the remaining ones is reported too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { createCachingInterceptors } from '@dagcache/temporal';
import { report, type Row } from './lib.js';

const EXECUTIONS = 1_000;
const STEPS = 10;
const N = EXECUTIONS * STEPS;
const logger = new DefaultLogger('ERROR');

/** A small activity of the kind worth caching: a summary of a series (cheap here, so overhead shows). */
async function summarize(series: { symbol: string; prices: number[] }) {
  const sum = series.prices.reduce((a, b) => a + b, 0);
  return { symbol: series.symbol, mean: sum / series.prices.length, count: series.prices.length };
}

const series = (i: number) => ({
  symbol: `S${i}`,
  prices: Array.from({ length: 20 }, (_, d) => 100 + ((i * 31 + d) % 17)),
});

/** One environment per (execution, step), as a worker has one activity context per call. */
function environments(interceptors: ActivityInterceptorsFactory[], tag: string): MockActivityEnvironment[] {
  const envs: MockActivityEnvironment[] = [];
  for (let e = 0; e < EXECUTIONS; e++) {
    for (let s = 0; s < STEPS; s++) {
      envs.push(
        new MockActivityEnvironment(
          { activityType: `step${s}`, workflowExecution: { workflowId: `${tag}-${e}`, runId: 'r' } },
          { interceptors, logger },
        ),
      );
    }
  }
  return envs;
}

async function pass(envs: MockActivityEnvironment[], args: ReturnType<typeof series>[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await envs[i]!.run(summarize, args[i]!);
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dagcache-bench-temporal-'));
  const path = join(dir, '.dagcache');
  try {
    const args = Array.from({ length: N }, (_, i) => series(i));
    await pass(environments([], 'warmup'), args);
    const direct = await pass(environments([], 'direct'), args);

    const cold = createCachingInterceptors({ path });
    const miss = await pass(environments(cold.activity, 'cold'), args);
    let t0 = performance.now();
    await cold.close();
    const missClose = performance.now() - t0;

    const warm = createCachingInterceptors({ path });
    const hit = await pass(environments(warm.activity, 'warm'), args);
    t0 = performance.now();
    await warm.close();
    const hitClose = performance.now() - t0;

    const us = (ms: number) => +((ms * 1000) / N).toFixed(1);
    const rows: Row[] = [
      {
        path: 'direct (no interceptor)',
        calls: N,
        us_per_call: us(direct),
        overhead_us_per_call: 0,
        close_ms: null,
        target_us: null,
      },
      {
        path: 'hit (warm)',
        calls: N,
        us_per_call: us(hit),
        overhead_us_per_call: us(hit - direct),
        close_ms: Math.round(hitClose),
        target_us: 200,
      },
      {
        path: 'miss (cold, store write)',
        calls: N,
        us_per_call: us(miss),
        overhead_us_per_call: us(miss - direct),
        close_ms: Math.round(missClose),
        target_us: null,
      },
    ];
    report(
      'temporal',
      'Temporal activity interceptor: overhead per activity call (MockActivityEnvironment, SQLite)',
      rows,
      {
        shape: `${EXECUTIONS} workflow executions x ${STEPS} activities, sequential calls`,
        close_ms:
          'time close() needs afterwards to finish the open runs (run records of hits are written off the call path)',
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
