// Issue 8: the parts of a shared cache that one process can show — signing, TTLs, the size cap,
// result limits, hostile names, unreachable stores and single-flight between two caches.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { createClient } from '@redis/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Builder,
  ConfigError,
  ResultTooLargeError,
  composeCacheKey,
  StoreUnavailableError,
  node,
  openCache,
  type CacheOptions,
  type NodeInput,
} from '../../src/index.js';
import type { Driver } from '../../src/driver/driver.js';
import { openLeaseLock } from '../../src/stores/locks/index.js';
import { SqliteDb } from '../../src/stores/sqlite-db.js';
import { freePort, missing, startPostgres, startRedis } from '../support/servers.js';
import { Calls, tempDir } from '../support/tmp.js';

const calls = new Calls();
const SIGNING_ENV = 'DAGCACHE_TEST_SIGNING_KEY';
process.env[SIGNING_ENV] = 'test-signing-key-0123456789abcdef';

function build(nodes: Record<string, NodeInput>, opts: CacheOptions): Driver {
  return new Builder().withNodes(nodes).withCache(opts).build();
}

async function statuses(dr: Driver): Promise<Record<string, string>> {
  const rec = await dr.cache.getRun(dr.cache.lastRunId);
  return Object.fromEntries(Object.values(rec!.nodes).map((n) => [n.nodeName, n.status]));
}

/** Every event message of a node in the last run. */
async function messages(dr: Driver, name: string): Promise<string[]> {
  const rec = await dr.cache.getRun(dr.cache.lastRunId);
  return rec!.events.filter((e) => e.nodeName === name).map((e) => `${e.eventType} ${e.msg ?? ''}`);
}

const pair = () => ({
  good: node(() => (calls.hit('good'), 'the real value')),
  evil: node(() => (calls.hit('evil'), 'an injected value')),
});

describe('signing (HMAC of keys and results, key from an environment variable)', () => {
  it('a key entry rewritten in the SQLite file to point at another result is a miss with an event, never that value', async () => {
    const path = tempDir();
    const opts = { path, signingKeyEnv: SIGNING_ENV };
    let dr = build(pair(), opts);
    await dr.execute(['good', 'evil']);
    const goodKey = (await dr.cache.getCacheKey(dr.cache.lastRunId, 'good'))!;
    const evilDv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'evil'))!;
    await dr.cache.close();
    // The attacker edits the stored entry (and the latest-key hint) in place, keeping the old signature.
    const db = await SqliteDb.open(join(path, 'meta.sqlite'));
    const rows = await db.all<{ key: string; value: string }>('SELECT key, value FROM keyv');
    const goodDv = JSON.parse(rows.find((r) => r.key.endsWith(goodKey))!.value).value.dataVersion as string;
    let edited = 0;
    for (const r of rows) {
      if (!r.key.startsWith('dagcache-keys:') || !r.value.includes(goodDv)) continue;
      await db.run('UPDATE keyv SET value = ? WHERE key = ?', [r.value.split(goodDv).join(evilDv), r.key]);
      edited++;
    }
    await db.close();
    expect(edited).toBe(2);
    calls.reset();
    dr = build(pair(), opts);
    expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
    expect(calls.all).toEqual({ good: 1 });
    expect(await messages(dr, 'good')).toContain(
      'FAILED_RETRIEVAL untrusted key entry (bad-signature): ignored',
    );
    await dr.cache.close();
    // The node's new signed entry replaced the tampered one.
    calls.reset();
    dr = build(pair(), opts);
    expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
    expect(calls.all).toEqual({});
    await dr.cache.close();
  });

  it('a result rewritten with a matching checksum is rejected by its signature', async () => {
    const path = tempDir();
    const opts = { path, signingKeyEnv: SIGNING_ENV };
    let dr = build(pair(), opts);
    await dr.execute(['good']);
    const dv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'good'))!;
    await dr.cache.close();
    const forged = serialize('an injected value');
    const db = await SqliteDb.open(join(path, 'results', 'index.sqlite'));
    await db.run('UPDATE results SET data = ?, byte_size = ?, checksum = ? WHERE dv = ?', [
      forged,
      forged.byteLength,
      createHash('sha256').update(forged).digest('hex'),
      dv,
    ]);
    await db.close();
    calls.reset();
    dr = build(pair(), opts);
    expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
    expect(calls.all).toEqual({ good: 1 });
    expect((await messages(dr, 'good')).join('\n')).toMatch(
      /FAILED_RETRIEVAL result \S+: signature does not match/,
    );
    await dr.cache.close();
  });

  it('entries written without the key are misses for a cache with it; they are then replaced by signed ones', async () => {
    const path = tempDir();
    calls.reset();
    let dr = build(pair(), { path });
    await dr.execute(['good']);
    await dr.cache.close();
    dr = build(pair(), { path, signingKeyEnv: SIGNING_ENV });
    expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
    expect(calls.all).toEqual({ good: 2 });
    expect(await messages(dr, 'good')).toContain('FAILED_RETRIEVAL untrusted key entry (unsigned): ignored');
    await dr.cache.close();
    dr = build(pair(), { path, signingKeyEnv: SIGNING_ENV });
    await dr.execute(['good']);
    expect(calls.all).toEqual({ good: 2 });
    expect(await statuses(dr)).toEqual({ good: 'retrieved' });
    await dr.cache.close();
  });

  it('a signing key variable that is unset, or a key that is too short, is a ConfigError at open', async () => {
    await expect(
      openCache({ path: tempDir(), signingKeyEnv: 'DAGCACHE_TEST_UNSET_VARIABLE' }),
    ).rejects.toThrow(/signingKeyEnv: environment variable DAGCACHE_TEST_UNSET_VARIABLE is not set/);
    process.env.DAGCACHE_TEST_SHORT_KEY = 'short';
    await expect(openCache({ path: tempDir(), signingKeyEnv: 'DAGCACHE_TEST_SHORT_KEY' })).rejects.toThrow(
      ConfigError,
    );
  });
});

describe('TTL', () => {
  it('results older than ttlMs run again (GET_DATA_VERSION "expired"); nodeTtlMs and the node option apply per node', async () => {
    const path = tempDir();
    const nodes = {
      global: node(() => (calls.hit('global'), 1)),
      own: node(() => (calls.hit('own'), 2), { cache: { ttlMs: 150 } }),
      configured: node(() => (calls.hit('configured'), 3)),
      forever: node(() => (calls.hit('forever'), 4)),
    };
    const opts: CacheOptions = { path, nodeTtlMs: { configured: 150, forever: 3_600_000 } };
    calls.reset();
    let dr = build(nodes, { ...opts, ttlMs: 150 });
    await dr.execute(['global', 'own', 'configured', 'forever']);
    await dr.cache.close();
    // Within the TTL everything is served.
    dr = build(nodes, { ...opts, ttlMs: 60_000 });
    await dr.execute(['global', 'own', 'configured', 'forever']);
    expect(calls.all).toEqual({ global: 1, own: 1, configured: 1, forever: 1 });
    await dr.cache.close();
    await new Promise((r) => setTimeout(r, 400));
    dr = build(nodes, { ...opts, ttlMs: 150 });
    expect(await dr.execute(['global', 'own', 'configured', 'forever'])).toEqual({
      global: 1,
      own: 2,
      configured: 3,
      forever: 4,
    });
    expect(calls.all).toEqual({ global: 2, own: 2, configured: 2, forever: 1 });
    expect((await messages(dr, 'own')).join('\n')).toMatch(
      /GET_DATA_VERSION expired: stored \d+ s ago, ttl 0 s/,
    );
    expect(await statuses(dr)).toMatchObject({ global: 'executed', forever: 'retrieved' });
    await dr.cache.close();
  });

  it('bad TTLs are ConfigErrors naming the option or the node', async () => {
    expect(() => build({ a: node(() => 1) }, { path: tempDir(), ttlMs: -1 })).toThrow(
      /ttlMs: expected a positive number, got -1/,
    );
    expect(() => build({ a: node(() => 1) }, { path: tempDir(), nodeTtlMs: { nope: 5 } })).toThrow(
      /nodeTtlMs: unknown node "nope"/,
    );
    expect(() => build({ a: node(() => 1, { cache: { ttlMs: 0 } }) }, { path: tempDir() })).toThrow(
      /node "a" cache.ttlMs/,
    );
  });
});

describe('size cap and result limits', () => {
  const blob = (seed: number) => Buffer.alloc(100_000, seed);

  it('maxBytes evicts least recently used results after a run; evicted nodes run again, the rest hit', async () => {
    const path = tempDir();
    const nodes = Object.fromEntries(
      [1, 2, 3, 4].map((i) => [`n${i}`, node(() => (calls.hit(`n${i}`), blob(i)), { version: `v${i}` })]),
    );
    const opts: CacheOptions = { path, maxBytes: 250_000, evictionGraceMs: 1 };
    calls.reset();
    let dr = build(nodes, opts);
    for (const i of [1, 2, 3, 4]) await dr.execute([`n${i}`]);
    await dr.cache.close();
    const cache = await openCache({ path });
    const usage = await cache.resultStore.usage();
    await cache.close();
    expect(usage.bytes).toBeLessThanOrEqual(250_000);
    expect(usage.count).toBe(2);
    calls.reset();
    dr = build(nodes, opts);
    const out = await dr.execute(['n1', 'n2', 'n3', 'n4']);
    expect(Buffer.compare(out.n4 as Buffer, blob(4))).toBe(0);
    // The first two runs' results were the least recently used.
    expect(calls.all).toEqual({ n1: 1, n2: 1 });
    await dr.cache.close();
  });

  it('a result over maxResultBytes fails its node with one clear error, and stored results stay intact', async () => {
    const path = tempDir();
    const nodes = {
      small: node(() => 'fits'),
      huge: node(({ small }) => small + 'x'.repeat(10_000)),
    };
    let dr = build(nodes, { path, maxResultBytes: 1_000 });
    const err = await dr.execute(['huge']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultTooLargeError);
    expect((err as Error).message).toMatch(
      /result of node "huge" is \d+ bytes encoded, over maxResultBytes \(1000\)/,
    );
    await dr.cache.close();
    calls.reset();
    dr = build(nodes, { path });
    await dr.execute(['huge']);
    expect(await statuses(dr)).toEqual({ small: 'retrieved', huge: 'executed' });
    await dr.cache.close();
  });
});

/** Names that must never become paths or break a store: traversal, separators, NUL, 10 kB, unicode. */
const HOSTILE = [
  '../../escape',
  'a/b\\c',
  'nul\0inside',
  'x'.repeat(10_000),
  'Ünïcødé 名前 🙂',
  ' ',
  '.',
  '%2e%2e%2f',
];

function hostileGraph(): Record<string, NodeInput> {
  const nodes: Record<string, NodeInput> = {};
  HOSTILE.forEach((name, i) => {
    nodes[name] = node(() => (calls.hit(name), { name, i }), { version: `h${i}` });
  });
  nodes.sink = node(
    (deps: Record<string, { i: number }>) => (
      calls.hit('sink'),
      Object.values(deps).reduce((s, v) => s + v.i, 0)
    ),
    {
      deps: HOSTILE,
    },
  );
  return nodes;
}

async function exerciseHostile(opts: CacheOptions): Promise<void> {
  calls.reset();
  let dr = build(hostileGraph(), { ...opts, logToFile: true });
  const expected = HOSTILE.reduce((s, _, i) => s + i, 0);
  expect(await dr.execute(['sink', ...HOSTILE])).toMatchObject({
    sink: expected,
    [HOSTILE[0]!]: { name: HOSTILE[0], i: 0 },
  });
  await dr.cache.close();
  dr = build(hostileGraph(), { ...opts, logToFile: true });
  await dr.execute(['sink']);
  expect(calls.of('sink')).toBe(1);
  expect(Object.values(await statuses(dr)).every((s) => s === 'retrieved')).toBe(true);
  const why = await dr.cache.why(undefined, HOSTILE[3]!);
  expect(why.nodeName).toBe(HOSTILE[3]);
  await dr.cache.close();
}

describe('hostile node names and run ids', () => {
  it('node names never become paths, and every store takes them (SQLite)', async () => {
    const root = tempDir();
    const path = join(root, 'cache');
    await exerciseHostile({ path });
    // Nothing was written beside the cache folder.
    expect(readdirSync(root)).toEqual(['cache']);
    expect(readdirSync(path).sort()).toEqual(
      [
        'locks.sqlite',
        'locks.sqlite-shm',
        'locks.sqlite-wal',
        'logs',
        'meta.sqlite',
        'meta.sqlite-shm',
        'meta.sqlite-wal',
        'results',
      ].filter((f) => existsSync(join(path, f))),
    );
  });

  it('a run id with separators becomes a hashed file name; a NUL or over-long run id is one clear error', async () => {
    const root = tempDir();
    const path = join(root, 'cache');
    const cache = await openCache({ path, logToFile: true });
    const run = cache.startRun({ runId: '../../outside/run' });
    await run.node({ name: 'a', codeVersion: 'v', dependencies: {}, execute: () => 1 });
    await run.finish();
    const report = await cache.viewRun('../../outside/run');
    expect(report.startsWith(join(path, 'reports'))).toBe(true);
    expect(readdirSync(join(path, 'logs'))).toEqual([
      expect.stringMatching(/^run-[A-Za-z0-9_-]{32}\.jsonl$/),
    ]);
    expect(readdirSync(root)).toEqual(['cache']);
    expect(() => cache.startRun({ runId: 'a\0b' })).toThrow(/run id "a\\u0000b" is not usable/);
    expect(() => cache.startRun({ runId: 'r'.repeat(201) })).toThrow(/is not usable: use 1-200 characters/);
    await cache.close();
  });
});

describe('unreachable stores', () => {
  it.each(['redis', 'postgres'])(
    '%s: one clear error at open within the connect timeout, never a hang',
    async (kind) => {
      const port = await freePort();
      const url =
        kind === 'redis'
          ? `redis://:secret@127.0.0.1:${port}`
          : `postgres://user:secret@127.0.0.1:${port}/db`;
      const started = Date.now();
      const err = await openCache({ path: tempDir(), store: url, connectTimeoutMs: 2_000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(/is unreachable/);
      expect((err as Error).message).not.toContain('secret');
      expect(Date.now() - started).toBeLessThan(15_000);
    },
  );

  it("onStoreUnavailable: 'disable' runs every node uncached and says so", async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      calls.reset();
      const dr = build(pair(), {
        path: tempDir(),
        store: `redis://127.0.0.1:${port}`,
        onStoreUnavailable: 'disable',
        connectTimeoutMs: 1_000,
      });
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(calls.all).toEqual({ good: 2 });
      const rec = await dr.cache.getRun(dr.cache.lastRunId);
      expect(rec!.nodes.good).toMatchObject({ status: 'disabled', behaviorSource: 'store-unavailable' });
      await dr.cache.close();
      await new Promise((r) => setImmediate(r));
      expect(warnings.join('\n')).toMatch(/running uncached/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('bad store options are ConfigErrors naming the option', async () => {
    await expect(openCache({ path: tempDir(), store: 'mysql://x' })).rejects.toThrow(
      /store: unsupported URL "mysql:\/\/x"/,
    );
    await expect(openCache({ path: tempDir(), store: 'redis://h?namespace=../x' })).rejects.toThrow(
      /store: namespace "..\/x" must be/,
    );
    await expect(openCache({ path: tempDir(), resultStore: 'sqlite://x' })).rejects.toThrow(
      /resultStore: use file:\/\/DIR/,
    );
    await expect(openCache({ path: tempDir(), singleFlight: { leaseMs: 0 } })).rejects.toThrow(
      /singleFlight.leaseMs: expected a positive number/,
    );
    await expect(openCache({ path: tempDir(), onStoreUnavailable: 'retry' as never })).rejects.toThrow(
      /onStoreUnavailable: expected "error" or "disable"/,
    );
  });
});

describe('single-flight between caches', () => {
  const slowGraph = (): Record<string, NodeInput> => {
    const nodes: Record<string, NodeInput> = {};
    for (let i = 0; i < 30; i++) {
      const deps = i === 0 ? [] : [`n${Math.floor((i - 1) / 2)}`];
      nodes[`n${i}`] = node(
        async (d: Record<string, number>) => {
          calls.hit(`n${i}`);
          await new Promise((r) => setTimeout(r, 5));
          return i + Object.values(d).reduce((s, v) => s + v, 0);
        },
        { deps, version: `s${i}` },
      );
    }
    return nodes;
  };
  const all = Array.from({ length: 30 }, (_, i) => `n${i}`);

  it('two caches on one folder running the same graph at once execute each node once', async () => {
    const path = tempDir();
    calls.reset();
    const a = build(slowGraph(), { path });
    const b = build(slowGraph(), { path });
    const [ra, rb] = await Promise.all([a.execute(all), b.execute(all)]);
    expect(ra).toEqual(rb);
    expect(Object.values(calls.all).every((n) => n === 1)).toBe(true);
    expect(Object.keys(calls.all)).toHaveLength(30);
    const both = { ...(await statuses(a)), ...(await statuses(b)) };
    expect(Object.keys(both)).toHaveLength(30);
    await Promise.all([a.cache.close(), b.cache.close()]);
  });

  it('with singleFlight: false both may execute (and still agree)', async () => {
    const path = tempDir();
    calls.reset();
    const a = build(slowGraph(), { path, singleFlight: false });
    const b = build(slowGraph(), { path, singleFlight: false });
    const [ra, rb] = await Promise.all([a.execute(all), b.execute(all)]);
    expect(ra).toEqual(rb);
    expect(Object.values(calls.all).some((n) => n === 2)).toBe(true);
    expect(existsSync(join(path, 'locks.sqlite'))).toBe(false);
    await Promise.all([a.cache.close(), b.cache.close()]);
  });

  it('a lease left by a process that died is taken over once it expires', async () => {
    const path = tempDir();
    const nodes = { a: node(() => (calls.hit('a'), 'A'), { version: 'lease-test' }) };
    // A process that died while executing the node: its session slot and the key's lease stay until
    // they expire, since nobody renews them.
    const key = composeCacheKey({ nodeName: 'a', codeVersion: 'lease-test', dependencies: {} });
    const lock = await openLeaseLock({ kind: 'sqlite', file: join(path, 'locks.sqlite') });
    expect(await lock.acquire(['session:0', key], 'dead-host:1:gone', 700)).toEqual(
      new Set(['session:0', key]),
    );
    await lock.close();
    calls.reset();
    const dr = build(nodes, { path, singleFlight: { leaseMs: 700, pollMs: 20 } });
    const started = Date.now();
    expect(await dr.execute(['a'])).toEqual({ a: 'A' });
    expect(calls.all).toEqual({ a: 1 });
    const rec = await dr.cache.getRun(dr.cache.lastRunId);
    expect(rec!.nodes.a).toMatchObject({ status: 'executed', cacheKey: key });
    expect(rec!.nodes.a!.waitedMs).toBeGreaterThan(300);
    expect(Date.now() - started).toBeGreaterThan(300);
    await dr.cache.close();
  });

  it('a process of this machine that died without closing (Ctrl-C, kill -9) holds up nothing', async () => {
    const path = tempDir();
    const nodes = { a: node(() => (calls.hit('a'), 'A'), { version: 'dead-local' }) };
    // A pid that existed and is gone now, with this machine's host name: its slot and key lease are
    // freed at once, though their leases have a minute to run.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const owner = `${hostname()}:${gone}:deadbeef`;
    const key = composeCacheKey({ nodeName: 'a', codeVersion: 'dead-local', dependencies: {} });
    const lock = await openLeaseLock({ kind: 'sqlite', file: join(path, 'locks.sqlite') });
    expect(await lock.acquire(['session:0', key], owner, 60_000)).toEqual(new Set(['session:0', key]));
    await lock.close();
    calls.reset();
    const started = Date.now();
    const dr = build(nodes, { path });
    expect(await dr.execute(['a'])).toEqual({ a: 'A' });
    expect(calls.all).toEqual({ a: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await dr.cache.close();
  });

  it('a live process holding the key makes a newcomer wait, then retrieve what it stored', async () => {
    const path = tempDir();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowNodes = { a: node(async () => (calls.hit('a'), await gate, 'A'), { version: 'wait-test' }) };
    calls.reset();
    const first = build(slowNodes, { path, singleFlight: { pollMs: 10 } });
    const running = first.execute(['a']);
    // The first cache is alone and executes without a lease; the second arrives while it runs.
    while (calls.of('a') === 0) await new Promise((r) => setTimeout(r, 5));
    const second = build(slowNodes, { path, singleFlight: { pollMs: 10 } });
    const waiting = second.execute(['a']);
    await new Promise((r) => setTimeout(r, 300));
    release();
    expect(await running).toEqual({ a: 'A' });
    expect(await waiting).toEqual({ a: 'A' });
    expect(calls.all).toEqual({ a: 1 });
    expect(await statuses(second)).toEqual({ a: 'retrieved' });
    expect(await messages(second, 'a')).toContain(
      'GET_DATA_VERSION waiting: another process is executing this key',
    );
    await Promise.all([first.cache.close(), second.cache.close()]);
  });
});

describe('shared servers', () => {
  const noPg = missing('postgres');
  const noRedis = missing('redis');
  let pgServer: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let redisServer: Awaited<ReturnType<typeof startRedis>> | undefined;
  beforeAll(async () => {
    if (!noPg) pgServer = await startPostgres();
    if (!noRedis) redisServer = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await pgServer?.stop();
    await redisServer?.stop();
  });
  const ns = () => `t${Math.random().toString(36).slice(2, 10)}`;

  it.skipIf(!!noPg)(
    'Postgres: hostile names, and a tampered entry written into the server is never returned',
    async () => {
      const namespace = ns();
      const store = `${pgServer!.url}?namespace=${namespace}`;
      await exerciseHostile({ path: tempDir(), store });
      const path = tempDir();
      const opts = { path, store, signingKeyEnv: SIGNING_ENV };
      let dr = build(pair(), opts);
      await dr.execute(['good', 'evil']);
      const goodDv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'good'))!;
      const evilDv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'evil'))!;
      await dr.cache.close();
      const client = new pg.Client({ connectionString: pgServer!.url });
      await client.connect();
      try {
        // Point the key at the other result, and forge the result's bytes with a matching checksum.
        const changed = await client.query(
          `UPDATE keyv SET value = replace(value, $1, $2) WHERE key LIKE $3 AND strpos(value, $1) > 0`,
          [goodDv, evilDv, `${namespace}-keys:%`],
        );
        expect(changed.rowCount).toBe(2);
        const forged = serialize('an injected value');
        const sum = createHash('sha256').update(forged).digest('hex');
        await client.query(
          `UPDATE "${namespace}_results" SET data = $1, byte_size = $2, checksum = $3 WHERE dv = $4`,
          [forged, forged.byteLength, sum, goodDv],
        );
      } finally {
        await client.end();
      }
      calls.reset();
      dr = build(pair(), opts);
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(calls.all).toEqual({ good: 1 });
      expect(await messages(dr, 'good')).toContain(
        'FAILED_RETRIEVAL untrusted key entry (bad-signature): ignored',
      );
      await dr.cache.close();
      // The forged result under the real data version was not read yet: it is refused when it is, and the
      // node runs once more; after that the store holds the real, signed result again.
      const cache = await openCache({
        path: tempDir(),
        store,
        signingKeyEnv: SIGNING_ENV,
        singleFlight: false,
      });
      try {
        await expect(cache.resultStore.get(goodDv, { nodeName: 'good', fileDir: tempDir() })).rejects.toThrow(
          /signature does not match/,
        );
      } finally {
        await cache.close();
      }
      calls.reset();
      dr = build(pair(), opts);
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(calls.all).toEqual({ good: 1 });
      await dr.cache.close();
      dr = build(pair(), opts);
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(calls.all).toEqual({ good: 1 });
      await dr.cache.close();
    },
  );

  it.skipIf(!!noRedis)(
    'Redis: hostile names, and a tampered entry written into the server is never returned',
    async () => {
      const namespace = ns();
      const store = `${redisServer!.url}?namespace=${namespace}`;
      await exerciseHostile({ path: tempDir(), store });
      const opts = { path: tempDir(), store, signingKeyEnv: SIGNING_ENV };
      let dr = build(pair(), opts);
      await dr.execute(['good']);
      const goodDv = (await dr.cache.getDataVersion(dr.cache.lastRunId, 'good'))!;
      await dr.cache.close();
      const client = createClient({ url: redisServer!.url });
      await client.connect();
      try {
        const key = `${namespace}:result:${goodDv}`;
        const forged = serialize('an injected value');
        const entry = JSON.parse((await client.hGet(key, 'entry'))!);
        entry.checksum = createHash('sha256').update(forged).digest('hex');
        entry.byteSize = forged.byteLength;
        await client.hSet(key, {
          entry: JSON.stringify(entry),
          size: String(forged.byteLength),
          data: forged,
        });
      } finally {
        await client.destroy();
      }
      calls.reset();
      dr = build(pair(), opts);
      expect(await dr.execute(['good'])).toEqual({ good: 'the real value' });
      expect(calls.all).toEqual({ good: 1 });
      expect((await messages(dr, 'good')).join('\n')).toMatch(
        /FAILED_RETRIEVAL result \S+: signature does not match/,
      );
      await dr.cache.close();
    },
  );
});
