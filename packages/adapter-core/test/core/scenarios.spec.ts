// Hamilton's caching scenarios (shared/hamilton-behavior.md, S-numbers), with dagcache's deliberate fixes.
// Issue 8: the whole suite runs once per store — the default SQLite store under `path`, and shared
// Postgres and Redis stores (`store: '<url>?namespace=…'`) — each test with a fresh `path` and a fresh
// namespace of its own on the server (see storeCases in ../shared/support.ts).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, RESP_TYPES } from '@redis/client';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Builder, node, openCache, type CacheOptions, type NodeInput } from '../../src/index.js';
import { SqliteDb } from '../../src/stores/sqlite-db.js';
import type { Driver } from '../../src/driver/driver.js';
import { Calls } from '../support/tmp.js';
import { storeCases, type StoreCase, type StoreSetup } from '../shared/support.js';

const calls = new Calls();

/** The set-up (store kind, options, namespace) of every cache folder the current test made, by path. */
const setups = new Map<string, StoreSetup>();
afterEach(() => setups.clear());

function setupOf(path: string): StoreSetup {
  const setup = setups.get(path);
  if (!setup) throw new Error(`no store set-up for ${path} (make cache folders with fresh())`);
  return setup;
}

/** Deletes a stored result behind the cache's back (as another process or a manual cleanup would). */
async function removeResult(path: string, dv: string): Promise<void> {
  const cache = await openCache({ ...setupOf(path).options, singleFlight: false });
  try {
    expect(await cache.resultStore.entry(dv), `stored result ${dv} before removing it`).toBeDefined();
    await cache.resultStore.delete(dv);
  } finally {
    await cache.close();
  }
}

const GARBAGE = Buffer.from('garbage');

/** Overwrites a small (inline) stored result's bytes with garbage, keeping its entry and checksum. */
async function corruptResult(path: string, dv: string): Promise<void> {
  const setup = setupOf(path);
  switch (setup.kind) {
    case 'sqlite': {
      const db = await SqliteDb.open(join(path, 'results', 'index.sqlite'));
      try {
        const rows = await db.all<{ file: string | null }>('SELECT file FROM results WHERE dv = ?', [dv]);
        expect(rows, `inline row of ${dv}`).toEqual([{ file: null }]);
        await db.run('UPDATE results SET data = ? WHERE dv = ?', [GARBAGE, dv]);
      } finally {
        await db.close();
      }
      return;
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: setup.serverUrl });
      await client.connect();
      try {
        const n = await client.query(
          `UPDATE "${setup.namespace}_results" SET data = $1 WHERE dv = $2 AND file IS NULL`,
          [GARBAGE, dv],
        );
        expect(n.rowCount, `inline row of ${dv}`).toBe(1);
      } finally {
        await client.end();
      }
      return;
    }
    case 'redis': {
      const client = createClient({ url: setup.serverUrl! });
      await client.connect();
      try {
        const key = `${setup.namespace}:result:${dv}`;
        const [file, data] = await client.hmGet(key, ['file', 'data']);
        expect(file, `${dv} is stored inline`).toBeNull();
        expect(data, `inline bytes of ${dv}`).toBeTruthy();
        await client.hSet(key, 'data', GARBAGE);
      } finally {
        await client.close();
      }
      return;
    }
  }
}

/** Overwrites a large stored result's bytes (its file, or its first chunk on a server) with garbage. */
async function corruptLargeResult(path: string, dv: string): Promise<void> {
  const setup = setupOf(path);
  switch (setup.kind) {
    case 'sqlite': {
      const shard = join(path, 'results', 'blobs', dv.slice(0, 2));
      const file = readdirSync(shard).find((f) => f.startsWith(dv))!;
      writeFileSync(join(shard, file), GARBAGE);
      return;
    }
    case 'postgres': {
      // Blob references are pg:<blobId>:<chunk count>; the bytes are rows of <ns>_chunks.
      const client = new pg.Client({ connectionString: setup.serverUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ file: string | null }>(
          `SELECT file FROM "${setup.namespace}_results" WHERE dv = $1`,
          [dv],
        );
        expect(rows[0]?.file, `${dv} is stored as chunks`).toMatch(/^pg:[^:]+:\d+$/);
        const blob = rows[0]!.file!.split(':')[1]!;
        const n = await client.query(
          `UPDATE "${setup.namespace}_chunks" SET data = $1 WHERE blob = $2 AND idx = 0`,
          [GARBAGE, blob],
        );
        expect(n.rowCount, `chunk 0 of ${dv}`).toBe(1);
      } finally {
        await client.end();
      }
      return;
    }
    case 'redis': {
      // Blob references are redis:<blobId>:<chunk count>; chunks are <ns>:chunk:<blobId>:<i>.
      const client = createClient({ url: setup.serverUrl! });
      await client.connect();
      const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      try {
        const file = (await bin.hGet(`${setup.namespace}:result:${dv}`, 'file'))?.toString();
        expect(file, `${dv} is stored as chunks`).toMatch(/^redis:[^:]+:\d+$/);
        const chunkKey = `${setup.namespace}:chunk:${file!.split(':')[1]}:0`;
        expect(await bin.exists(chunkKey), `chunk 0 of ${dv}`).toBe(1);
        await bin.set(chunkKey, GARBAGE);
      } finally {
        await client.close();
      }
      return;
    }
  }
}

/** Whether the server holds an entry for `dv` in the set-up's namespace (postgres/redis). */
async function storedOnServer(setup: StoreSetup, dv: string): Promise<boolean> {
  if (setup.kind === 'postgres') {
    const client = new pg.Client({ connectionString: setup.serverUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT 1 FROM "${setup.namespace}_results" WHERE dv = $1`, [dv]);
      return rows.length === 1;
    } finally {
      await client.end();
    }
  }
  const client = createClient({ url: setup.serverUrl! });
  await client.connect();
  try {
    return (await client.exists(`${setup.namespace}:result:${dv}`)) === 1;
  } finally {
    await client.close();
  }
}

async function statuses(dr: Driver): Promise<Record<string, string>> {
  const rec = await dr.cache.getRun(dr.cache.lastRunId);
  return Object.fromEntries(
    Object.values(rec!.nodes).map((n) => [n.taskId ? `${n.nodeName}::${n.taskId}` : n.nodeName, n.status]),
  );
}

/** A driver on the cache folder `path` (from fresh()), on that folder's store, with extra cache options. */
function build(path: string, nodes: Record<string, NodeInput>, opts: CacheOptions = {}): Driver {
  return new Builder()
    .withNodes(nodes)
    .withCache({ ...setupOf(path).options, ...opts })
    .build();
}

async function metaSize(dr: Driver): Promise<number> {
  const cache = await dr.cache.ready();
  let n = 0;
  for await (const _ of cache.metadataStore.entries()) n++;
  return n;
}

for (const store of storeCases()) {
  describe.skipIf(!!store.skip)(`${store.kind} store`, () => scenarios(store));
}

function scenarios(store: StoreCase): void {
  /** A fresh cache folder and (on a server) a fresh namespace, for this test only. */
  const fresh = async (): Promise<string> => {
    const setup = await store.setup();
    setups.set(setup.path, setup);
    return setup.path;
  };

  it('the cache runs on the store under test, in a namespace of its own', async () => {
    const path = await fresh();
    const setup = setupOf(path);
    const dr = build(path, { A: node(() => 1) });
    await dr.execute(['A']);
    const dv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'A'))!;
    const cache = await dr.cache.ready();
    await cache.resultStore.flush();
    const files = readdirSync(path);
    if (setup.kind === 'sqlite') {
      expect(cache.resultStore.location).toBe(`sqlite:${join(path, 'results')}`);
      expect(files).toContain('meta.sqlite');
    } else {
      expect(cache.resultStore.location.startsWith(`${setup.kind}://`), cache.resultStore.location).toBe(
        true,
      );
      expect(files.filter((f) => f === 'meta.sqlite' || f === 'results')).toEqual([]);
      expect(await storedOnServer(setup, dv)).toBe(true);
    }
    await dr.cache.close();
  });

  describe('hits and misses', () => {
    it('S1: a cold run executes every node, a warm run retrieves every node', async () => {
      const path = await fresh();
      const nodes = { A: node(() => (calls.hit('A'), 1)), B: node(({ A }) => (calls.hit('B'), -A)) };
      calls.reset();
      let dr = build(path, nodes);
      expect(await dr.execute(['B'])).toEqual({ B: -1 });
      expect(calls.all).toEqual({ A: 1, B: 1 });
      expect(await statuses(dr)).toEqual({ A: 'executed', B: 'executed' });
      expect(await metaSize(dr)).toBe(2);
      await dr.cache.close();
      calls.reset();
      dr = build(path, nodes);
      expect(await dr.execute(['B'])).toEqual({ B: -1 });
      expect(calls.all).toEqual({});
      expect(await statuses(dr)).toEqual({ A: 'retrieved', B: 'retrieved' });
      await dr.cache.close();
    });

    it('S3/lazy loading: a warm run reads only the final results', async () => {
      const path = await fresh();
      const nodes = { A: node(() => 1), B: node(({ A }) => A + 1), C: node(({ B }) => B * 2) };
      let dr = build(path, nodes);
      await dr.execute(['C']);
      await dr.cache.close();
      dr = build(path, nodes);
      await dr.execute(['C']);
      const logs = dr.cache.logs(dr.cache.lastRunId, 'debug');
      const reads = (n: string) => logs[n]!.filter((e) => e.eventType === 'GET_RESULT' && e.msg === 'hit');
      expect(reads('A')).toHaveLength(0);
      expect(reads('B')).toHaveLength(0);
      expect(reads('C')).toHaveLength(1);
      expect(Object.keys(dr.cache.logs(dr.cache.lastRunId, 'info')).sort()).toEqual(['A', 'B', 'C']);
      await dr.cache.close();
    });

    it('S2: debug events of a miss come in Hamilton order with explicit miss', async () => {
      const dr = build(await fresh(), { A: node(() => 1) });
      await dr.execute(['A']);
      const types = dr.cache
        .logs(dr.cache.lastRunId, 'debug')
        .A!.map((e) => `${e.actor}:${e.eventType}${e.msg ? `[${e.msg}]` : ''}`);
      expect(types).toEqual([
        'adapter:IS_FINAL_VAR',
        'adapter:RESOLVED_BEHAVIOR[defaultBehavior]',
        'adapter:SET_CACHE_KEY',
        'metadata_store:GET_DATA_VERSION[miss]',
        'adapter:EXECUTE_NODE',
        'adapter:SET_DATA_VERSION',
        'result_store:SET_RESULT',
        'metadata_store:SET_DATA_VERSION',
      ]);
      expect(Object.keys(dr.cache.logs(dr.cache.lastRunId, 'info'))).toEqual(['A']);
      expect(dr.cache.logs(dr.cache.lastRunId, 'info').A!.map((e) => e.eventType)).toEqual(['EXECUTE_NODE']);
      await dr.cache.close();
    });

    it('S5: a partial request runs only the path to the final vars', async () => {
      calls.reset();
      const dr = build(await fresh(), {
        A: node(() => (calls.hit('A'), 1)),
        B: node(({ A }) => (calls.hit('B'), A)),
      });
      await dr.execute(['A']);
      expect(calls.all).toEqual({ A: 1 });
      await dr.cache.close();
    });
  });

  describe('code changes and early cutoff', () => {
    it('S7: same value after a code change: the node executes, downstream is retrieved', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, { A: node(() => 1), B: node(({ A }) => (calls.hit('B'), A + 1)) });
      await dr.execute(['B']);
      await dr.cache.close();
      dr = build(path, { A: node(() => 1 + 0), B: node(({ A }) => (calls.hit('B'), A + 1)) });
      expect(await dr.execute(['B'])).toEqual({ B: 2 });
      expect(await statuses(dr)).toEqual({ A: 'executed', B: 'retrieved' });
      expect(calls.of('B')).toBe(1);
      expect(await metaSize(dr)).toBe(3);
      await dr.cache.close();
    });

    it('S8: different value after a code change propagates', async () => {
      const path = await fresh();
      let dr = build(path, { A: node(() => 1), B: node(({ A }) => A + 1) });
      await dr.execute(['B']);
      await dr.cache.close();
      dr = build(path, { A: node(() => 2), B: node(({ A }) => A + 1) });
      expect(await dr.execute(['B'])).toEqual({ B: 3 });
      expect(await statuses(dr)).toEqual({ A: 'executed', B: 'executed' });
      expect(await metaSize(dr)).toBe(4);
      await dr.cache.close();
    });

    it('S10: a change in the middle of a chain, then reverting it', async () => {
      const path = await fresh();
      const run = async (B: NodeInput) => {
        const dr = build(path, { A: node(() => 1), B, C: node(({ B }) => B * 2) });
        const out = await dr.execute(['C']);
        const s = await statuses(dr);
        await dr.cache.close();
        return { out, s };
      };
      await run(node(({ A }) => A + 1));
      expect(await run(node(({ A }) => A + 1 + 0))).toEqual({
        out: { C: 4 },
        s: { A: 'retrieved', B: 'executed', C: 'retrieved' },
      });
      expect(await run(node(({ A }) => A + 2))).toEqual({
        out: { C: 6 },
        s: { A: 'retrieved', B: 'executed', C: 'executed' },
      });
      expect(await run(node(({ A }) => A + 1))).toEqual({
        out: { C: 4 },
        s: { A: 'retrieved', B: 'retrieved', C: 'retrieved' },
      });
    });

    it('S12: comments and formatting do not change the code version; tokens do', async () => {
      const path = await fresh();
      const a = build(path, { A: node(() => 1) });
      const b = build(path, {
        A: node(() => {
          // a comment
          return /* inline */ 1;
        }),
      });
      const c = build(path, { A: node(() => { return   (1); }) }); // prettier-ignore
      const d = build(path, { A: node(() => { const x = 1; return x; }) }); // prettier-ignore
      expect(b.cache.versionCode('A')).toBe(
        build(path, { A: node(() => { return 1; }) }).cache.versionCode('A'), // prettier-ignore
      );
      expect(a.cache.versionCode('A')).not.toBe(d.cache.versionCode('A'));
      expect(c.cache.versionCode('A')).not.toBe(d.cache.versionCode('A'));
      for (const dr of [a, b, c, d]) await dr.cache.close();
    });
  });

  describe('inputs, overrides, defaults', () => {
    it('S14/S15: inputs are versioned by value, object key order ignored, array order kept', async () => {
      const path = await fresh();
      calls.reset();
      const dr = build(path, { B: node(({ x }) => (calls.hit('B'), JSON.stringify(x))) });
      await dr.execute(['B'], { inputs: { x: { a: 1, b: 2 } } });
      await dr.execute(['B'], { inputs: { x: { b: 2, a: 1 } } });
      expect(calls.of('B')).toBe(1);
      await dr.execute(['B'], { inputs: { x: [1, 2] } });
      await dr.execute(['B'], { inputs: { x: [2, 1] } });
      expect(calls.of('B')).toBe(3);
      // dagcache fix of S36: 1 and "1" are different inputs, so no wrong value is served.
      expect(await dr.execute(['B'], { inputs: { x: 1 } })).toEqual({ B: '1' });
      expect(await dr.execute(['B'], { inputs: { x: '1' } })).toEqual({ B: '"1"' });
      await dr.cache.close();
    });

    it('S16/S17: overrides replace nodes, are versioned like results and never stored', async () => {
      const path = await fresh();
      calls.reset();
      const nodes = { A: node(() => (calls.hit('A'), 1)), B: node(({ A }) => (calls.hit('B'), A + 1)) };
      const dr = build(path, nodes);
      await dr.execute(['B']);
      expect(await dr.execute(['B'], { overrides: { A: 1 } })).toEqual({ B: 2 });
      expect(await statuses(dr)).toEqual({ A: 'override', B: 'retrieved' });
      expect(await dr.execute(['B'], { overrides: { A: 13 } })).toEqual({ B: 14 });
      expect(await statuses(dr)).toEqual({ A: 'override', B: 'executed' });
      expect(await metaSize(dr)).toBe(3);
      expect(await dr.execute(['B'])).toEqual({ B: 2 });
      expect(calls.all).toEqual({ A: 1, B: 2 });
      await dr.cache.close();
    });

    it('S18: overriding a middle node does not touch its upstream', async () => {
      calls.reset();
      const dr = build(await fresh(), {
        A: node(() => (calls.hit('A'), 1)),
        B: node(({ A }) => A + 1),
        C: node(({ B }) => (calls.hit('C'), B * 10)),
      });
      await dr.execute(['C']);
      calls.reset();
      expect(await dr.execute(['C'], { overrides: { B: 2 } })).toEqual({ C: 20 });
      expect(calls.all).toEqual({});
      expect(await dr.execute(['C'], { overrides: { B: 5 } })).toEqual({ C: 50 });
      expect(calls.all).toEqual({ C: 1 });
      await dr.cache.close();
    });

    it('S19: default parameter values are part of the key', async () => {
      calls.reset();
      const dr = build(await fresh(), { foo: node(({ dep = 3 }) => (calls.hit('foo'), dep + 1)) });
      expect(await dr.execute(['foo'])).toEqual({ foo: 4 });
      const k1 = await dr.cache.getCacheKey(dr.cache.lastRunId, 'foo');
      expect(await dr.execute(['foo'], { inputs: { dep: 3 } })).toEqual({ foo: 4 });
      expect(await dr.cache.getCacheKey(dr.cache.lastRunId, 'foo')).toBe(k1);
      expect(await dr.execute(['foo'], { inputs: { dep: 5 } })).toEqual({ foo: 6 });
      expect(await dr.execute(['foo'])).toEqual({ foo: 4 });
      expect(calls.of('foo')).toBe(2);
      const events = dr.cache.logs(dr.cache.lastRunId, 'debug').dep!;
      expect(events.map((e) => e.eventType)).toContain('IS_DEFAULT_PARAMETER_VALUE');
      await dr.cache.close();
    });

    it('S52: an unused input has no effect', async () => {
      calls.reset();
      const dr = build(await fresh(), { A: node(() => (calls.hit('A'), 1)) });
      await dr.execute(['A'], { inputs: { unused: 5 } });
      await dr.execute(['A'], { inputs: { unused: 6 } });
      expect(calls.of('A')).toBe(1);
      await dr.cache.close();
    });
  });

  describe('behaviors', () => {
    const chain = () => ({
      A: node(() => (calls.hit('A'), 1)),
      B: node(({ A }) => (calls.hit('B'), A + 1)),
      C: node(({ B }) => (calls.hit('C'), B * 2)),
    });

    it('S20/S22: recompute always executes, stores, and downstream gets early cutoff', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, chain(), { recompute: ['A'] });
      await dr.execute(['C']);
      expect(dr.cache.logs(dr.cache.lastRunId, 'debug').A!.map((e) => e.eventType)).toContain('SET_RESULT');
      await dr.execute(['C']);
      expect(await statuses(dr)).toEqual({ A: 'recomputed', B: 'retrieved', C: 'retrieved' });
      await dr.cache.close();
      dr = build(path, chain());
      await dr.execute(['C']);
      expect(await statuses(dr)).toEqual({ A: 'retrieved', B: 'retrieved', C: 'retrieved' });
      await dr.cache.close();
    });

    it('S21/S23: recompute with a changing value; the last write wins', async () => {
      const path = await fresh();
      const values = [1, 2, 1, 3];
      let i = 0;
      const nodes = () => ({ A: node(() => values[i]!), B: node(({ A }) => (calls.hit('B'), A * 10)) });
      calls.reset();
      const dr = build(path, nodes(), { recompute: ['A'] });
      const results: unknown[] = [];
      for (i = 0; i < 4; i++) results.push((await dr.execute(['B'])).B);
      expect(results).toEqual([10, 20, 10, 30]);
      expect(calls.of('B')).toBe(3);
      await dr.cache.close();
      const dr2 = build(path, nodes());
      expect(await dr2.execute(['B'])).toEqual({ B: 30 });
      await dr2.cache.close();
    });

    it('S24: disable executes, writes nothing, and downstream misses; early cutoff further down', async () => {
      const path = await fresh();
      let dr = build(path, chain());
      await dr.execute(['C']);
      const before = await metaSize(dr);
      await dr.cache.close();
      calls.reset();
      dr = build(path, chain(), { disable: ['A'] });
      for (let i = 0; i < 2; i++) {
        await dr.execute(['C']);
        expect(await statuses(dr)).toEqual({ A: 'disabled', B: 'executed', C: 'retrieved' });
        expect(await dr.cache.getCacheKey(dr.cache.lastRunId, 'A')).toBeNull();
      }
      // dagcache fix: no unreachable rows for a key that can never be hit again.
      expect(await metaSize(dr)).toBe(before);
      await dr.cache.close();
    });

    it('S25/S26: ignore drops the node from downstream keys', async () => {
      const path = await fresh();
      let dr = build(path, chain());
      await dr.execute(['C']);
      await dr.cache.close();
      dr = build(path, chain(), { ignore: ['A'] });
      await dr.execute(['C']);
      expect(await statuses(dr)).toEqual({ A: 'ignored', B: 'executed', C: 'retrieved' });
      await dr.execute(['C']);
      expect(await statuses(dr)).toEqual({ A: 'ignored', B: 'retrieved', C: 'retrieved' });
      const parts = (await dr.cache.getRun(dr.cache.lastRunId))!.nodes.B!.keyParts!;
      expect(Object.keys(parts.dependencies)).toEqual([]);
      await dr.cache.close();
    });

    it('S28: behaviors named for inputs apply to them', async () => {
      calls.reset();
      const dr = build(await fresh(), { B: node(({ x }) => (calls.hit('B'), x + 1)) }, { ignore: ['x'] });
      expect(await dr.execute(['B'], { inputs: { x: 1 } })).toEqual({ B: 2 });
      expect(await dr.execute(['B'], { inputs: { x: 2 } })).toEqual({ B: 2 }); // stale, by design of ignore
      expect(calls.of('B')).toBe(1);
      await dr.cache.close();
    });

    it('S29: precedence — config lists > node option > loader default > defaultBehavior; expand → recompute', async () => {
      const dr = build(
        await fresh(),
        {
          A: node(() => 1, { cache: { behavior: 'recompute' } }),
          B: node(({ A }) => A),
          L: node(() => 2, { role: 'loader' }),
          E: node(() => [1], { expand: true }),
        },
        { disable: ['A'], defaultBehavior: 'ignore', defaultLoaderBehavior: 'recompute' },
      );
      expect(await dr.cache.resolveBehaviors()).toEqual({
        A: 'disable',
        B: 'ignore',
        L: 'recompute',
        E: 'recompute',
      });
      await dr.cache.close();
    });

    it('S31 fixed: opting in with defaultBehavior "disable" still hits the named node', async () => {
      calls.reset();
      const dr = build(
        await fresh(),
        { B: node(({ x }) => (calls.hit('B'), x + 1)) },
        { default: ['B'], defaultBehavior: 'disable' },
      );
      await dr.execute(['B'], { inputs: { x: 1 } });
      await dr.execute(['B'], { inputs: { x: 1 } });
      expect(calls.of('B')).toBe(1);
      await dr.cache.close();
    });

    it('S32: recompute: true runs everything but stores; disable: true stores nothing', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, chain(), { disable: true });
      await dr.execute(['C']);
      expect(await metaSize(dr)).toBe(0);
      await dr.cache.close();
      dr = build(path, chain(), { recompute: true });
      await dr.execute(['C']);
      await dr.execute(['C']);
      expect(calls.all).toEqual({ A: 3, B: 3, C: 3 });
      expect(await metaSize(dr)).toBe(3);
      await dr.cache.close();
      dr = build(path, chain());
      await dr.execute(['C']);
      expect(calls.all).toEqual({ A: 3, B: 3, C: 3 });
      await dr.cache.close();
    });

    it('S56: behavior lists are re-read per driver build', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, chain());
      await dr.execute(['C']);
      await dr.cache.close();
      dr = build(path, chain(), { recompute: ['C'] });
      await dr.execute(['C']);
      expect(calls.all).toEqual({ A: 1, B: 1, C: 2 });
      await dr.cache.close();
    });
  });

  describe('fan-out (expand / collect)', () => {
    const fan = (items: number[]) => ({
      E: node(() => (calls.hit('E'), items), { expand: true }),
      inside: node(({ E }) => (calls.hit('inside'), { value: E * 10 })),
      collected: node(
        ({ inside }) => (calls.hit('collected'), inside.reduce((s: number, x: any) => s + x.value, 0)),
        {
          collect: 'inside',
        },
      ),
    });

    it('S33: expand always recomputes; branches and collect are retrieved', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, fan([0, 1, 2, 3, 4, 5, 6, 7]));
      expect(await dr.execute(['collected'])).toEqual({ collected: 280 });
      expect(calls.all).toEqual({ E: 1, inside: 8, collected: 1 });
      expect(await metaSize(dr)).toBe(10);
      await dr.cache.close();
      calls.reset();
      dr = build(path, fan([0, 1, 2, 3, 4, 5, 6, 7]));
      expect(await dr.execute(['collected'])).toEqual({ collected: 280 });
      expect(calls.all).toEqual({ E: 1 });
      const logs = dr.cache.logs(dr.cache.lastRunId, 'info');
      expect(Object.keys(logs).filter((k) => k.startsWith('inside::'))).toHaveLength(8);
      await dr.cache.close();
    });

    it('S34: the collect step does not depend on item order', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, fan([1, 2, 3]));
      await dr.execute(['collected']);
      await dr.cache.close();
      calls.reset();
      dr = build(path, fan([3, 1, 2]));
      expect(await dr.execute(['collected'])).toEqual({ collected: 60 });
      expect(calls.all).toEqual({ E: 1 });
      await dr.cache.close();
    });

    it('S53: one changed item re-runs only its branch and the collect', async () => {
      const path = await fresh();
      let dr = build(path, fan([0, 1, 2]));
      await dr.execute(['collected']);
      await dr.cache.close();
      calls.reset();
      dr = build(path, fan([0, 1, 9]));
      expect(await dr.execute(['collected'])).toEqual({ collected: 100 });
      expect(calls.all).toEqual({ E: 1, inside: 1, collected: 1 });
      await dr.cache.close();
    });
  });

  describe('store damage and failures', () => {
    it('S42: a result missing from the store is reported and the node re-executes', async () => {
      const path = await fresh();
      calls.reset();
      const nodes = { A: node(() => (calls.hit('A'), 1)), B: node(({ A }) => (calls.hit('B'), A + 1)) };
      let dr = build(path, nodes);
      await dr.execute(['B']);
      const dvA = await dr.cache.getDataVersion(dr.cache.lastRunId, 'A');
      await dr.cache.close();
      await removeResult(path, dvA!);
      dr = build(path, nodes);
      expect(await dr.execute(['B'])).toEqual({ B: 2 });
      expect(await statuses(dr)).toEqual({ A: 'executed', B: 'retrieved' });
      const ev = dr.cache.logs(dr.cache.lastRunId, 'debug').A!.map((e) => e.eventType);
      expect(ev).toContain('MISSING_RESULT');
      expect(ev).toContain('EXECUTE_NODE');
      expect(ev).toContain('SET_RESULT');
      expect(calls.of('A')).toBe(2);
      expect(calls.of('B')).toBe(1);
      expect(await dr.execute(['B'])).toEqual({ B: 2 });
      expect(await statuses(dr)).toEqual({ A: 'retrieved', B: 'retrieved' });
      await dr.cache.close();
    });

    it('a corrupt large (file) result is never served either', async () => {
      const path = await fresh();
      calls.reset();
      const big = 'x'.repeat(400_000);
      const nodes = { A: node(() => (calls.hit('A'), big)) };
      let dr = build(path, nodes);
      await dr.execute(['A']);
      const dv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'A'))!;
      await dr.cache.close();
      await corruptLargeResult(path, dv);
      dr = build(path, nodes);
      expect((await dr.execute(['A'])).A).toBe(big);
      expect(calls.of('A')).toBe(2);
      expect(dr.cache.logs(dr.cache.lastRunId, 'debug').A!.map((e) => e.eventType)).toContain(
        'FAILED_RETRIEVAL',
      );
      await dr.cache.close();
    });

    it('a corrupt result is never served: FAILED_RETRIEVAL, then the node runs again', async () => {
      const path = await fresh();
      calls.reset();
      const nodes = { A: node(() => (calls.hit('A'), { big: 'value' })) };
      let dr = build(path, nodes);
      await dr.execute(['A']);
      const dv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'A'))!;
      await dr.cache.close();
      await corruptResult(path, dv);
      dr = build(path, nodes);
      expect(await dr.execute(['A'])).toEqual({ A: { big: 'value' } });
      expect(calls.of('A')).toBe(2);
      expect(dr.cache.logs(dr.cache.lastRunId, 'debug').A!.map((e) => e.eventType)).toContain(
        'FAILED_RETRIEVAL',
      );
      await dr.cache.close();
    });

    it('a lazily retrieved upstream whose result vanished is recomputed before its consumer runs', async () => {
      const path = await fresh();
      calls.reset();
      let dr = build(path, { A: node(() => (calls.hit('A'), 1)), B: node(({ A }) => A + 1) });
      await dr.execute(['B']);
      const dvA = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'A'))!;
      await dr.cache.close();
      dr = build(path, { A: node(() => (calls.hit('A'), 1)), B: node(({ A }) => A + 2) });
      const cache = await dr.cache.ready();
      // Remove A's result after the lookup said "present": simulates a concurrent gc.
      const origGet = cache.resultStore.get.bind(cache.resultStore);
      let first = true;
      cache.resultStore.get = async (dv, ctx) => {
        if (dv === dvA && first) {
          first = false;
          await cache.resultStore.delete(dvA);
        }
        return origGet(dv, ctx);
      };
      expect(await dr.execute(['B'])).toEqual({ B: 3 });
      expect(calls.of('A')).toBe(2);
      await dr.cache.close();
    });

    it('S44: a failing node stores nothing, names the node, and runs again next time', async () => {
      const path = await fresh();
      calls.reset();
      let fail = true;
      const nodes = {
        A: node(() => (calls.hit('A'), 1)),
        B: node(({ A }) => {
          calls.hit('B');
          if (fail) throw new Error('boom');
          return A + 1;
        }),
        C: node(({ B }) => B),
      };
      const dr = build(path, nodes);
      await expect(dr.execute(['C'])).rejects.toThrow(/node "B" failed: boom/);
      expect(await statuses(dr)).toEqual({ A: 'executed', B: 'failed', C: 'skipped' });
      expect(dr.cache.logs(dr.cache.lastRunId, 'debug').B!.map((e) => e.eventType)).toContain(
        'FAILED_EXECUTION',
      );
      expect(await metaSize(dr)).toBe(1);
      await expect(dr.execute(['C'])).rejects.toThrow(/boom/);
      fail = false;
      expect(await dr.execute(['C'])).toEqual({ C: 2 });
      expect(calls.all).toEqual({ A: 1, B: 3 });
      await dr.cache.close();
    });

    it('S40/S41 fixed: an unfingerprintable result is an error naming node and path, or always runs when opted in', async () => {
      const path = await fresh();
      const nodes = {
        A: node(() => ({ params: { onProgress: () => 1 } })),
        B: node(({ A }) => typeof A.params),
      };
      let dr = build(path, nodes);
      await expect(dr.execute(['B'])).rejects.toThrow(/A\.params\.onProgress/);
      await dr.cache.close();
      calls.reset();
      dr = build(
        path,
        { ...nodes, B: node(({ A }) => (calls.hit('B'), typeof A.params)) },
        { unhashable: { A: 'recompute' } },
      );
      expect(await dr.execute(['B'])).toEqual({ B: 'object' });
      expect(await dr.execute(['B'])).toEqual({ B: 'object' });
      expect(calls.of('B')).toBe(2);
      expect(dr.cache.logs(dr.cache.lastRunId, 'debug').A!.map((e) => e.eventType)).toContain(
        'UNHASHABLE_DATA_VERSION',
      );
      await dr.cache.close();
    });
  });

  describe('results and introspection', () => {
    it('S49: equal results are stored once', async () => {
      const path = await fresh();
      const dr = build(path, { A: node(() => 1), D: node(() => 1), E: node(({ A, D }) => A + D) });
      await dr.execute(['E']);
      const logs = dr.cache.logs(dr.cache.lastRunId, 'debug');
      const setResult = (n: string) => logs[n]!.some((e) => e.eventType === 'SET_RESULT');
      expect([setResult('A'), setResult('D')].filter(Boolean)).toHaveLength(1);
      await dr.cache.close();
    });

    it('S54: a json-format node writes a .json file read back equal', async () => {
      const path = await fresh();
      const dr = build(path, { foo: node(() => ({ hello: 'world' }), { cache: { format: 'json' } }) });
      await dr.execute(['foo']);
      const dv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'foo'))!;
      const cache = await dr.cache.ready();
      const entry = (await cache.resultStore.entry(dv))!;
      expect(entry.format).toBe('json');
      expect(JSON.parse(Buffer.from(await cache.resultStore.readVerified(entry)).toString('utf8'))).toEqual({
        hello: 'world',
      });
      expect(await dr.execute(['foo'])).toEqual({ foo: { hello: 'world' } });
      await dr.cache.close();
    });

    it('S45/S46: run ids, keys and data versions; null instead of sentinels', async () => {
      const dr = build(await fresh(), { A: node(() => 1) }, { disable: ['A'] });
      await dr.cache.ready();
      expect(() => dr.cache.lastRunId).toThrow(/no run yet/);
      await dr.execute(['A']);
      await dr.execute(['A']);
      expect(dr.cache.runIds).toHaveLength(2);
      expect(dr.cache.lastRunId).toBe(dr.cache.runIds[1]);
      expect(await dr.cache.getCacheKey(dr.cache.lastRunId, 'A')).toBeNull();
      expect(await dr.cache.getDataVersion(dr.cache.lastRunId, 'nope')).toBeNull();
      expect(dr.cache.versionData(1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await dr.cache.close();
    });

    it('logToFile appends every event as one JSON line to <path>/logs/<runId>.jsonl', async () => {
      const path = await fresh();
      const dr = build(path, { A: node(() => 1) }, { logToFile: true });
      await dr.execute(['A']);
      const file = join(path, 'logs', `${dr.cache.lastRunId}.jsonl`);
      const { readFileSync } = await import('node:fs');
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.length).toBe(Object.values(dr.cache.logs()).flat().length);
      expect(Object.keys(lines[0]).sort()).toEqual(['actor', 'eventType', 'nodeName', 'runId', 'timestamp']);
      await dr.cache.close();
    });
  });

  describe('bad input never damages what is stored', () => {
    it('a result its format cannot hold fails the node by name and path; earlier results stay intact', async () => {
      const path = await fresh();
      let dr = build(path, { A: node(() => ({ ok: 1 }), { cache: { format: 'json' } }) });
      await dr.execute(['A']);
      await dr.cache.close();
      dr = build(path, {
        A: node(() => ({ ok: 1 }), { cache: { format: 'json' } }),
        B: node(({ A }) => ({ ...A, when: new Map([[1, 2]]) }), { cache: { format: 'json' } }),
      });
      await expect(dr.execute(['B'])).rejects.toThrow(/json format cannot store the result of node "B" at B\.when: a Map instance/);
      expect(await statuses(dr)).toEqual({ A: 'retrieved', B: 'failed' });
      expect(await metaSize(dr)).toBe(1);
      expect(await dr.execute(['A'])).toEqual({ A: { ok: 1 } });
      await dr.cache.close();
    });
  });
}
