import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Builder, node, openCache, type CacheOptions } from '../../src/index.js';
import { missing, startPostgres, startRedis } from '../support/servers.js';
import { Calls, tempDir } from '../support/tmp.js';

const calls = new Calls();

/** The same warm/cold/why behaviour against any metadata store. */
async function exerciseStore(options: CacheOptions): Promise<void> {
  const nodes = {
    A: node(() => (calls.hit('A'), 1)),
    B: node(({ A, x }) => (calls.hit('B'), A + x)),
  };
  calls.reset();
  let dr = new Builder().withNodes(nodes).withCache(options).build();
  expect(await dr.execute(['B'], { inputs: { x: 1 } })).toEqual({ B: 2 });
  await dr.cache.close();
  dr = new Builder().withNodes(nodes).withCache(options).build();
  expect(await dr.execute(['B'], { inputs: { x: 1 } })).toEqual({ B: 2 });
  expect(calls.all).toEqual({ A: 1, B: 1 });
  expect(await dr.execute(['B'], { inputs: { x: 5 } })).toEqual({ B: 6 });
  const why = await dr.cache.why(undefined, 'B');
  expect(why.reasons.join('\n')).toMatch(/dependency "x" changed/);
  const runs = await dr.cache.listRuns();
  expect(runs.length).toBeGreaterThanOrEqual(3);
  expect(runs.at(-1)!.counts).toMatchObject({ retrieved: 1, executed: 1 });
  await dr.cache.close();
}

describe('metadata stores', () => {
  it('SQLite (the default) at <path>/meta.sqlite', async () => {
    await exerciseStore({ path: tempDir() });
  });

  describe('PostgreSQL (a real throwaway server)', () => {
    const skip = missing('postgres');
    let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
    beforeAll(async () => {
      if (!skip) pg = await startPostgres();
    });
    afterAll(async () => pg?.stop());
    it.skipIf(!!skip)('keeps keys and runs in Postgres, shared by two caches', async () => {
      await exerciseStore({ path: tempDir(), metadataStore: pg!.url });
    });
  });

  describe('Redis (a real throwaway server)', () => {
    const skip = missing('redis');
    let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
    beforeAll(async () => {
      if (!skip) redis = await startRedis();
    });
    afterAll(async () => redis?.stop());
    it.skipIf(!!skip)('keeps keys and runs in Redis', async () => {
      await exerciseStore({ path: tempDir(), metadataStore: redis!.url });
    });
  });

  it('an unsupported URL is a clear ConfigError', async () => {
    await expect(openCache({ path: tempDir(), metadataStore: 'mysql://x' })).rejects.toThrow(/metadataStore: unsupported URL "mysql:\/\/x"/);
  });
});

describe('a second process reusing the cache folder', () => {
  it('sees the earlier runs and hits what the first process stored', async () => {
    const path = tempDir();
    const script = join(tempDir(), 'pipeline.mts');
    const core = resolve(__dirname, '../../src/index.ts');
    writeFileSync(
      script,
      `import { Builder, node } from ${JSON.stringify(core)};
const executed: string[] = [];
const dr = new Builder()
  .withNodes({
    load: node(() => (executed.push('load'), [3, 1, 2])),
    sorted: node(({ load }) => (executed.push('sorted'), [...load].sort())),
    total: node(({ sorted }) => (executed.push('total'), sorted.reduce((a, b) => a + b, 0))),
  })
  .withCache({ path: ${JSON.stringify(path)} })
  .build();
const out = await dr.execute(['total']);
console.log(JSON.stringify({ out, executed, runs: dr.cache.runIds.length }));
await dr.cache.close();
`,
    );
    const run = () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: resolve(__dirname, '../..') });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    };
    expect(run()).toEqual({ out: { total: 6 }, executed: ['load', 'sorted', 'total'], runs: 1 });
    expect(run()).toEqual({ out: { total: 6 }, executed: [], runs: 2 });
  });
});
