import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openCache } from '@dagcache/core';
import { describe, expect, it } from 'vitest';
import { tempCachePath } from './helpers/env.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));

/** Runs one worker process against the shared cache folder. */
async function worker(path: string, workflowId: string, symbol: string, days: number) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--conditions=@dagcache/source', fixture, path, workflowId, symbol, String(days)],
    { cwd: packageDir, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { executed: string[]; report: string };
}

describe('two workers sharing one SQLite store', () => {
  it('a second worker process is served what the first one stored', async () => {
    const path = tempCachePath();
    const a = await worker(path, 'prices-ACME-1', 'ACME', 30);
    const b = await worker(path, 'prices-ACME-2', 'ACME', 30);
    expect(a.executed).toEqual(['fetchPrices', 'computeStats', 'renderReport']);
    expect(b.executed).toEqual([]);
    expect(b.report).toBe(a.report);
  });

  it('workers writing at the same time both succeed, and each one’s results serve later calls', async () => {
    const path = tempCachePath();
    const [a, b] = await Promise.all([worker(path, 'wf-a', 'ACME', 40), worker(path, 'wf-b', 'BETA', 40)]);
    expect(a.executed).toHaveLength(3);
    expect(b.executed).toHaveLength(3);
    const [c, d] = await Promise.all([worker(path, 'wf-c', 'BETA', 40), worker(path, 'wf-d', 'ACME', 40)]);
    expect(c).toEqual({ executed: [], report: b.report });
    expect(d).toEqual({ executed: [], report: a.report });
    // Each process wrote its own run, labelled with its workflow execution.
    const cache = await openCache({ path });
    const runs = await cache.listRuns();
    await cache.close();
    expect(runs.map((r) => r.labels.workflowId).sort()).toEqual(['wf-a', 'wf-b', 'wf-c', 'wf-d']);
    expect(runs.every((r) => r.tool === 'temporal')).toBe(true);
  });
});
