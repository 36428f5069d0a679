// Issue 8: stored results damaged behind dagcache's back (bytes flipped, truncated, a row rewritten by a
// bad actor) are detected, reported (FAILED_RETRIEVAL, `verifyResults`) and recomputed: never served.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, RESP_TYPES } from '@redis/client';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Builder, node, openCache, verifyResults, type CacheOptions } from '../../src/index.js';
import { SqliteDb } from '../../src/stores/sqlite-db.js';
import { Calls } from '../support/tmp.js';
import { storeCases, type StoreSetup } from './support.js';

type Damage = 'flip' | 'truncate';

/** Nodes and what is done to their stored result. Large results (320 KB) are files/blobs; small ones inline. */
const DAMAGED: Record<string, Damage> = { small_a: 'flip', small_b: 'truncate', large_a: 'flip', large_b: 'truncate' };
const UNTOUCHED = ['small_c', 'large_c'];
const ALL = [...Object.keys(DAMAGED), ...UNTOUCHED];

const calls = new Calls();

function largeValue(seed: number): { seed: number; blob: Float64Array } {
  const blob = new Float64Array(40_000);
  for (let i = 0; i < blob.length; i++) blob[i] = seed * 1_000 + i / 7;
  return { seed, blob };
}

const nodes = {
  small_a: node(() => (calls.hit('small_a'), { name: 'a', values: [1, 2, 3] })),
  small_b: node(() => (calls.hit('small_b'), 'a small string result'.repeat(20))),
  small_c: node(() => (calls.hit('small_c'), new Map([['k', 42]]))),
  large_a: node(() => (calls.hit('large_a'), largeValue(1))),
  large_b: node(() => (calls.hit('large_b'), largeValue(2))),
  large_c: node(() => (calls.hit('large_c'), largeValue(3))),
};

const expected = {
  small_a: { name: 'a', values: [1, 2, 3] },
  small_b: 'a small string result'.repeat(20),
  small_c: new Map([['k', 42]]),
  large_a: largeValue(1),
  large_b: largeValue(2),
  large_c: largeValue(3),
};

function damage(bytes: Buffer, how: Damage): Buffer {
  if (how === 'truncate') return Buffer.from(bytes.subarray(0, Math.floor(bytes.length / 2)));
  const out = Buffer.from(bytes);
  const at = Math.floor(out.length / 2);
  out[at] = out[at]! ^ 0x5a;
  return out;
}

/** Damages stored results in place, writing to the store's own files, rows and keys. */
type Corrupter = (setup: StoreSetup, dvs: Record<string, string>) => Promise<void>;

const sqliteCorrupter: Corrupter = async (setup, dvs) => {
  const db = await SqliteDb.open(join(setup.path, 'results', 'index.sqlite'));
  try {
    for (const [name, how] of Object.entries(DAMAGED)) {
      const [row] = await db.all<{ file: string | null; data: Buffer | null }>('SELECT file, data FROM results WHERE dv = ?', [dvs[name]]);
      expect(row, `row of ${name}`).toBeDefined();
      if (name.startsWith('large')) {
        // (a) a large result's file under <path>/results/blobs
        expect(row!.file, `${name} is stored as a file`).toMatch(/^blobs\//);
        const file = join(setup.path, 'results', row!.file!);
        if (how === 'truncate') truncateSync(file, 1_000);
        else writeFileSync(file, damage(readFileSync(file), 'flip'));
      } else {
        // (b) a small result's bytes inside the index database
        expect(row!.file, `${name} is stored inline`).toBeNull();
        await db.run('UPDATE results SET data = ? WHERE dv = ?', [damage(row!.data!, how), dvs[name]]);
      }
    }
  } finally {
    await db.close();
  }
};

const postgresCorrupter: Corrupter = async (setup, dvs) => {
  const client = new pg.Client({ connectionString: setup.serverUrl });
  await client.connect();
  const results = `"${setup.namespace}_results"`;
  const chunks = `"${setup.namespace}_chunks"`;
  try {
    for (const [name, how] of Object.entries(DAMAGED)) {
      const { rows } = await client.query<{ file: string | null; data: Buffer | null }>(`SELECT file, data FROM ${results} WHERE dv = $1`, [dvs[name]]);
      expect(rows[0], `row of ${name}`).toBeDefined();
      const { file, data } = rows[0]!;
      if (name.startsWith('large')) {
        // Blob references are pg:<blobId>:<chunk count>; the bytes are rows of <ns>_chunks.
        expect(file, `${name} is stored as chunks`).toMatch(/^pg:[^:]+:\d+$/);
        const blob = file!.split(':')[1]!;
        const chunk = await client.query<{ data: Buffer }>(`SELECT data FROM ${chunks} WHERE blob = $1 AND idx = 0`, [blob]);
        expect(chunk.rows[0], `chunk 0 of ${name}`).toBeDefined();
        const n = await client.query(`UPDATE ${chunks} SET data = $1 WHERE blob = $2 AND idx = 0`, [damage(chunk.rows[0]!.data, how), blob]);
        expect(n.rowCount).toBe(1);
      } else {
        expect(file, `${name} is stored inline`).toBeNull();
        await client.query(`UPDATE ${results} SET data = $1 WHERE dv = $2`, [damage(data!, how), dvs[name]]);
      }
    }
  } finally {
    await client.end();
  }
};

const redisCorrupter: Corrupter = async (setup, dvs) => {
  const client = createClient({ url: setup.serverUrl! });
  await client.connect();
  const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const prefix = `${setup.namespace}:`;
  try {
    for (const [name, how] of Object.entries(DAMAGED)) {
      const key = `${prefix}result:${dvs[name]}`;
      const [file, data] = await bin.hmGet(key, ['file', 'data']);
      if (name.startsWith('large')) {
        // Blob references are redis:<blobId>:<chunk count>; chunks are <ns>:chunk:<blobId>:<i>.
        expect(file?.toString(), `${name} is stored as chunks`).toMatch(/^redis:[^:]+:\d+$/);
        const chunkKey = `${prefix}chunk:${file!.toString().split(':')[1]}:0`;
        const chunk = await bin.get(chunkKey);
        expect(chunk, `chunk 0 of ${name}`).toBeTruthy();
        await bin.set(chunkKey, damage(chunk!, how));
      } else {
        expect(file, `${name} is stored inline`).toBeNull();
        expect(data, `inline bytes of ${name}`).toBeTruthy();
        await bin.hSet(key, 'data', damage(data!, how));
      }
    }
  } finally {
    await client.close();
  }
};

const corrupters: Record<string, Corrupter> = { sqlite: sqliteCorrupter, postgres: postgresCorrupter, redis: redisCorrupter };

async function runAll(options: CacheOptions) {
  const dr = new Builder().withNodes(nodes).withCache(options).build();
  try {
    const out = await dr.execute(ALL);
    const runId = dr.cache.lastRunId;
    const record = (await dr.cache.getRun(runId))!;
    const debug = dr.cache.logs(runId, 'debug');
    return { out, record, debug };
  } finally {
    await dr.cache.close();
  }
}

afterEach(() => calls.reset());

describe('damaged results are detected, reported and recomputed', () => {
  for (const store of storeCases()) {
    it.skipIf(!!store.skip)(`${store.kind}: flipped and truncated bytes, small (inline) and large (file/blob) results`, async () => {
      const setup = await store.setup();
      const first = await runAll(setup.options);
      expect(first.out).toEqual(expected);
      const dvs = Object.fromEntries(ALL.map((n) => [n, first.record.nodes[n]!.dataVersion!]));

      await corrupters[store.kind]!(setup, dvs);

      // verify lists exactly the damaged results.
      const cache = await openCache(setup.options);
      try {
        const report = await verifyResults(cache);
        expect(report.checked).toBe(ALL.length);
        expect(report.corrupt.map((c) => c.dataVersion).sort()).toEqual(Object.keys(DAMAGED).map((n) => dvs[n]).sort());
        console.log(`[corruption ${store.kind}] verify: ${report.checked} checked, ${report.corrupt.length} corrupt: ${report.corrupt.map((c) => c.reason).join(' | ')}`);
      } finally {
        await cache.close();
      }

      // A rerun recomputes the damaged nodes (FAILED_RETRIEVAL says why), retrieves the rest, and is right.
      calls.reset();
      const second = await runAll(setup.options);
      expect(second.out).toEqual(expected);
      for (const name of Object.keys(DAMAGED)) {
        expect(second.record.nodes[name]!.status, `${name} status`).toBe('executed');
        expect(calls.of(name), `${name} executions`).toBe(1);
        const failed = (second.debug[name] ?? []).filter((e) => e.eventType === 'FAILED_RETRIEVAL');
        expect(failed, `FAILED_RETRIEVAL of ${name}`).toHaveLength(1);
        expect(second.record.events.some((e) => e.eventType === 'FAILED_RETRIEVAL' && e.nodeName === name), `${name} in the run record`).toBe(true);
      }
      for (const name of UNTOUCHED) {
        expect(second.record.nodes[name]!.status, `${name} status`).toBe('retrieved');
        expect(calls.of(name)).toBe(0);
      }

      // What was recomputed was stored again, whole: a third run retrieves everything and verify is clean.
      calls.reset();
      const third = await runAll(setup.options);
      expect(third.out).toEqual(expected);
      expect(Object.values(third.record.nodes).map((n) => n.status)).toEqual(ALL.map(() => 'retrieved'));
      expect(calls.all).toEqual({});
      const again = await openCache(setup.options);
      try {
        expect((await verifyResults(again)).corrupt).toEqual([]);
      } finally {
        await again.close();
      }
    });
  }

  it('sqlite with signing on: a row rewritten consistently (bytes, size and checksum of another result) is rejected', async () => {
    const [sqlite] = storeCases();
    const setup = await sqlite!.setup();
    process.env.DAGCACHE_TEST_SIGNING_KEY = 'a test key of enough length for HMAC-SHA256';
    try {
      const options: CacheOptions = { ...setup.options, signingKeyEnv: 'DAGCACHE_TEST_SIGNING_KEY' };
      const first = await runAll(options);
      const dvA = first.record.nodes.small_a!.dataVersion!;
      const dvB = first.record.nodes.small_b!.dataVersion!;
      // A bad actor with write access to the store but not the key: small_a's row now holds small_b's
      // bytes with a matching size and checksum, so only the signature can tell.
      const db = await SqliteDb.open(join(setup.path, 'results', 'index.sqlite'));
      try {
        await db.run(
          `UPDATE results SET (format, byte_size, checksum, meta, data) =
             (SELECT format, byte_size, checksum, meta, data FROM results WHERE dv = ?) WHERE dv = ?`,
          [dvB, dvA],
        );
      } finally {
        await db.close();
      }
      calls.reset();
      const second = await runAll(options);
      expect(second.out).toEqual(expected);
      expect(second.record.nodes.small_a!.status).toBe('executed');
      expect(calls.of('small_a')).toBe(1);
      const events = (second.debug.small_a ?? []).map((e) => e.eventType);
      expect(events.includes('FAILED_RETRIEVAL') || events.includes('MISSING_RESULT'), `events of small_a: ${events.join(', ')}`).toBe(true);
    } finally {
      delete process.env.DAGCACHE_TEST_SIGNING_KEY;
    }
  });
});
