// The ResultBackend contract (src/stores/result-backend.ts), run the same way against every shared-server
// backend on a real throwaway server per file. Each test opens its own namespace, so tests never see
// each other's entries.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createClient } from '@redis/client';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DagcacheError, StoreUnavailableError } from '../../src/errors.js';
import type { FormatName } from '../../src/formats/result-format.js';
import type { ResultBackend, ResultEntry } from '../../src/stores/result-backend.js';
import { openResultBackend } from '../../src/stores/result-backends/index.js';
import { freePort, missing, startPostgres, startRedis } from '../support/servers.js';

type Kind = 'postgres' | 'redis';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every byte value, several times over: bytes that are not valid UTF-8 must survive storage. */
function allByteValues(repeat: number): Uint8Array {
  const out = new Uint8Array(256 * repeat);
  for (let i = 0; i < out.length; i++) out[i] = i % 256;
  return out;
}

function entryFor(dv: string, bytes: Uint8Array, more: Partial<ResultEntry> = {}): ResultEntry {
  return {
    dataVersion: dv,
    format: 'json' as FormatName,
    file: null,
    byteSize: bytes.byteLength,
    checksum: sha(bytes),
    createdAt: 1_000,
    lastUsedAt: 1_000,
    meta: { kind: 'records' },
    ...more,
  };
}

/** Writes a blob and commits an entry naming it; resolves to the entry. */
async function putBlob(
  b: ResultBackend,
  dv: string,
  bytes: Uint8Array,
  format = 'parquet',
): Promise<ResultEntry> {
  const file = await b.writeBlob(dv, format, bytes);
  const entry = entryFor(dv, bytes, { file, format: format as FormatName });
  expect(await b.put([{ entry }])).toEqual(new Set([dv]));
  return entry;
}

/** Rejects with "hung" if `p` has not settled within `ms`: open must fail, not wait for ever. */
function settlesWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    sleep(ms).then(() => Promise.reject(new Error(`hung: not settled within ${ms} ms`))),
  ]);
}

const cases: Array<{ kind: Kind; start: () => Promise<{ url: string; stop: () => Promise<void> }> }> = [
  { kind: 'postgres', start: startPostgres },
  { kind: 'redis', start: startRedis },
];

describe.each(cases)('$kind result backend', ({ kind, start }) => {
  const skip = missing(kind);
  const test = it.skipIf(!!skip);
  let server: { url: string; stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    if (!skip) server = await start();
  });
  afterAll(async () => server?.stop());

  const opened: ResultBackend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close().catch(() => undefined)));
  });

  let seq = 0;
  const freshNamespace = () => `t${++seq}_${randomBytes(3).toString('hex')}`;
  async function open(
    options: { namespace?: string; graceMs?: number } = {},
  ): Promise<ResultBackend & { ns: string }> {
    const ns = options.namespace ?? freshNamespace();
    const b = await openResultBackend({
      kind,
      url: server!.url,
      namespace: ns,
      graceMs: options.graceMs ?? 60_000,
    });
    opened.push(b);
    return Object.assign(b, { ns });
  }

  /** Removes one chunk of a blob behind the backend's back, as a crash or a manual cleanup might. */
  async function dropChunk(ns: string, file: string, idx: number): Promise<void> {
    const blobId = file.split(':')[1]!;
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: server!.url });
      await c.connect();
      try {
        const r = await c.query(`DELETE FROM "${ns}_chunks" WHERE blob = $1 AND idx = $2`, [blobId, idx]);
        expect(r.rowCount).toBe(1);
      } finally {
        await c.end();
      }
    } else {
      const c = createClient({ url: server!.url });
      await c.connect();
      try {
        expect(await c.del(`${ns}:chunk:${blobId}:${idx}`)).toBe(1);
      } finally {
        await c.close();
      }
    }
  }

  test('put/fetch round-trips an inline entry with all 256 byte values intact', async () => {
    const b = await open();
    const bytes = allByteValues(40);
    const entry = entryFor('dvInline0001', bytes, { meta: { kind: 'arrow', schema: '{"a":"int"}' } });
    expect(await b.put([{ entry, bytes }])).toEqual(new Set(['dvInline0001']));

    const got = (await b.fetch(['dvInline0001', 'dvAbsent0001'])).get('dvInline0001');
    expect(got?.entry).toEqual(entry);
    expect(Buffer.from(got!.bytes!).equals(Buffer.from(bytes))).toBe(true);
    expect((await b.fetch(['dvAbsent0001'])).size).toBe(0);
    expect(Buffer.from((await b.readBytes(entry))!).equals(Buffer.from(bytes))).toBe(true);
    expect((await b.entries(['dvInline0001'])).get('dvInline0001')).toEqual(entry);
  });

  test('an entry with a signature keeps it; one without has none', async () => {
    const b = await open();
    const bytes = Buffer.from('{"x":1}');
    const signed = entryFor('dvSigned0001', bytes, { signature: 'f'.repeat(64) });
    const plain = entryFor('dvPlain00001', bytes);
    await b.put([
      { entry: signed, bytes },
      { entry: plain, bytes },
    ]);
    const entries = await b.entries(['dvSigned0001', 'dvPlain00001']);
    expect(entries.get('dvSigned0001')?.signature).toBe('f'.repeat(64));
    expect(entries.get('dvPlain00001')?.signature).toBeUndefined();
    expect((await b.fetch(['dvSigned0001'])).get('dvSigned0001')?.entry.signature).toBe('f'.repeat(64));
    expect((await b.list('', 10)).find((e) => e.dataVersion === 'dvSigned0001')?.signature).toBe(
      'f'.repeat(64),
    );
  });

  test('the same data version in the same format is left as it is; another format replaces it', async () => {
    const b = await open();
    const first = Buffer.from('first');
    const second = Buffer.from('second!');
    expect(await b.put([{ entry: entryFor('dvSame000001', first), bytes: first }])).toEqual(
      new Set(['dvSame000001']),
    );

    expect(
      await b.put([{ entry: entryFor('dvSame000001', second, { createdAt: 2_000 }), bytes: second }]),
    ).toEqual(new Set());
    let got = (await b.fetch(['dvSame000001'])).get('dvSame000001')!;
    expect(Buffer.from(got.bytes!).toString()).toBe('first');
    expect(got.entry.createdAt).toBe(1_000);

    const pickled = entryFor('dvSame000001', second, { format: 'pickle' as FormatName, createdAt: 3_000 });
    expect(await b.put([{ entry: pickled, bytes: second }])).toEqual(new Set(['dvSame000001']));
    got = (await b.fetch(['dvSame000001'])).get('dvSame000001')!;
    expect(got.entry).toEqual(pickled);
    expect(Buffer.from(got.bytes!).toString()).toBe('second!');
    expect(await b.usage()).toEqual({ count: 1, bytes: second.byteLength });
  });

  test('entries() answers for 3,000 data versions in one call, leaving out missing ones', async () => {
    const b = await open();
    const dvs = Array.from({ length: 3_000 }, (_, i) => `dvMany${String(i).padStart(6, '0')}`);
    const items = dvs.map((dv) => {
      const bytes = Buffer.from(dv);
      return { entry: entryFor(dv, bytes), bytes };
    });
    expect((await b.put(items)).size).toBe(3_000);
    const got = await b.entries([...dvs, 'dvNotThere01', dvs[0]!]);
    expect(got.size).toBe(3_000);
    expect(got.has('dvNotThere01')).toBe(false);
    expect(got.get(dvs[1234]!)).toEqual(items[1234]!.entry);
    const fetched = await b.fetch(dvs);
    expect(fetched.size).toBe(3_000);
    expect(Buffer.from(fetched.get(dvs[2999]!)!.bytes!).toString()).toBe(dvs[2999]);
  });

  test('a 20 MB blob (several chunks) round-trips byte for byte', async () => {
    const b = await open();
    const bytes = randomBytes(20 * 1024 * 1024 + 12_345);
    const entry = await putBlob(b, 'dvBigBlob001', bytes);
    expect(entry.file).toMatch(/:6$/); // 4 MiB chunks
    const got = (await b.fetch(['dvBigBlob001'])).get('dvBigBlob001')!;
    expect(got.entry).toEqual(entry);
    expect(got.bytes).toBeUndefined();
    const back = await b.readBytes(got.entry);
    expect(back?.byteLength).toBe(bytes.byteLength);
    expect(Buffer.from(back!).equals(bytes)).toBe(true);
  });

  test('readBytes resolves undefined when a chunk of the blob is gone', async () => {
    const b = await open();
    const entry = await putBlob(b, 'dvTornBlob01', randomBytes(9 * 1024 * 1024));
    expect(await b.readBytes(entry)).toBeDefined();
    await dropChunk(b.ns, entry.file!, 1);
    expect(await b.readBytes(entry)).toBeUndefined();
  });

  test('a truncated chunk reads back as bytes of the wrong size (a checksum mismatch), not as missing', async () => {
    const b = await open();
    const entry = await putBlob(b, 'dvTruncated1', randomBytes(9 * 1024 * 1024));
    const blobId = entry.file!.split(':')[1]!;
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: server!.url });
      await c.connect();
      try {
        await c.query(
          `UPDATE "${b.ns}_chunks" SET data = substring(data from 1 for 1000) WHERE blob = $1 AND idx = 1`,
          [blobId],
        );
      } finally {
        await c.end();
      }
    } else {
      const c = createClient({ url: server!.url });
      await c.connect();
      try {
        const key = `${b.ns}:chunk:${blobId}:1`;
        const chunk = await c.get(key);
        expect(chunk).not.toBeNull();
        await c.set(key, chunk!.slice(0, 1000));
      } finally {
        await c.close();
      }
    }
    const back = await b.readBytes(entry);
    expect(back).toBeDefined();
    expect(back!.byteLength).not.toBe(entry.byteSize);
  });

  test('a deleted entry is gone at once, its blob stays readable for the grace period, then sweep reclaims it', async () => {
    const graceMs = 1_000;
    const b = await open({ graceMs });
    const bytes = randomBytes(5 * 1024 * 1024);
    const entry = await putBlob(b, 'dvGraceBlob1', bytes);
    // The blob is older than the grace period before it is deleted: the grace counts from the delete.
    await sleep(graceMs + 200);
    await b.delete(['dvGraceBlob1']);
    expect((await b.entries(['dvGraceBlob1'])).size).toBe(0);
    expect(await b.usage()).toEqual({ count: 0, bytes: 0 });

    // A reader that fetched the entry before the delete still gets the whole blob…
    expect(Buffer.from((await b.readBytes(entry))!).equals(bytes)).toBe(true);
    // …even after a sweep inside the grace period.
    await b.sweep(Date.now() - graceMs);
    expect(Buffer.from((await b.readBytes(entry))!).equals(bytes)).toBe(true);

    await sleep(graceMs + 200);
    await b.sweep(Date.now() - graceMs);
    expect(await b.readBytes(entry)).toBeUndefined();
  });

  test('a blob replaced by a write in another format gets the same grace period', async () => {
    const graceMs = 1_000;
    const b = await open({ graceMs });
    const oldBytes = randomBytes(5 * 1024 * 1024);
    const old = await putBlob(b, 'dvReplaced01', oldBytes, 'parquet');
    await sleep(graceMs + 200);
    const newBytes = randomBytes(5 * 1024 * 1024);
    const replacement = await putBlob(b, 'dvReplaced01', newBytes, 'feather');
    expect((await b.entries(['dvReplaced01'])).get('dvReplaced01')).toEqual(replacement);

    await b.sweep(Date.now() - graceMs);
    expect(Buffer.from((await b.readBytes(old))!).equals(oldBytes)).toBe(true);
    await sleep(graceMs + 200);
    await b.sweep(Date.now() - graceMs);
    expect(await b.readBytes(old)).toBeUndefined();
    expect(Buffer.from((await b.readBytes(replacement))!).equals(newBytes)).toBe(true);
  });

  test('readers racing delete + rewrite + sweep get the old bytes whole or nothing, never a mix', async () => {
    // No grace at all, so the sweep really does pull chunks out from under the readers.
    const b = await open({ graceMs: 0 });
    const dv = 'dvRaceBlob01';
    const size = 10 * 1024 * 1024 + 7; // three chunks
    let current = await putBlob(b, dv, randomBytes(size));
    for (let round = 0; round < 3; round++) {
      const old = current;
      // Readers keep starting throughout the delete, the rewrite and the sweep, so some are mid-read
      // at each step.
      const reads: Array<Promise<Uint8Array | undefined>> = [];
      let writing = true;
      const readers = (async () => {
        while (writing && reads.length < 12) {
          reads.push(b.readBytes(old));
          await sleep(10);
        }
      })();
      await sleep(5);
      await b.delete([dv]);
      // The same data version written again with other bytes of the same size: the worst case for a
      // read that mixes chunks of two writes.
      const fresh = randomBytes(size);
      current = await putBlob(b, dv, fresh, round % 2 ? 'parquet' : 'feather');
      await b.sweep(Date.now() + 1);
      writing = false;
      await readers;
      for (const got of await Promise.all(reads)) {
        if (got !== undefined) expect(sha(got)).toBe(old.checksum);
      }
      expect(await b.readBytes(old)).toBeUndefined();
      expect(sha((await b.readBytes(current))!)).toBe(sha(fresh));
    }
  });

  test('a crashed writer’s blob (written, never put) is swept once old, committed blobs are not', async () => {
    const b = await open();
    const orphanBytes = randomBytes(6 * 1024 * 1024);
    const orphanFile = await b.writeBlob('dvOrphan0001', 'parquet', orphanBytes);
    const orphan = entryFor('dvOrphan0001', orphanBytes, { file: orphanFile });
    const kept = await putBlob(b, 'dvKeptBlob01', randomBytes(5 * 1024 * 1024));

    expect(await b.sweep(Date.now() - 60_000)).toBe(0); // too young: its writer may still be about to put
    expect(await b.sweep(Date.now() + 1, true)).toBe(1);
    expect(await b.readBytes(orphan)).toBeDefined(); // dry run removed nothing
    expect(await b.sweep(Date.now() + 1)).toBe(1);
    expect(await b.readBytes(orphan)).toBeUndefined();
    expect(await b.readBytes(kept)).toBeDefined();
    expect(await b.sweep(Date.now() + 1)).toBe(0);
  });

  test('list pages through 2,500 entries in data-version (byte) order', async () => {
    const b = await open();
    // Upper and lower case interleaved: byte order differs from most locales' collation.
    const dvs = Array.from(
      { length: 2_500 },
      (_, i) => `${i % 2 ? 'Q' : 'q'}${i % 3 ? '_' : '-'}dv${String(i).padStart(6, '0')}`,
    );
    await b.put(dvs.map((dv) => ({ entry: entryFor(dv, Buffer.from(dv)), bytes: Buffer.from(dv) })));
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let after = '';
    for (;;) {
      const page = await b.list(after, 1_000);
      if (page.length === 0) break;
      pageSizes.push(page.length);
      seen.push(...page.map((e) => e.dataVersion));
      after = page.at(-1)!.dataVersion;
    }
    expect(pageSizes).toEqual([1_000, 1_000, 500]);
    expect(seen).toEqual([...dvs].sort());
    expect((await b.list(seen[9]!, 3)).map((e) => e.dataVersion)).toEqual(seen.slice(10, 13));
  });

  test('usage counts entries and their bytes, inline and blob, through replace and delete', async () => {
    const b = await open();
    expect(await b.usage()).toEqual({ count: 0, bytes: 0 });
    const small = Buffer.alloc(10, 1);
    await b.put([{ entry: entryFor('dvUsage00001', small), bytes: small }]);
    const blob = await putBlob(b, 'dvUsage00002', randomBytes(300 * 1024));
    expect(await b.usage()).toEqual({ count: 2, bytes: 10 + 300 * 1024 });
    const other = Buffer.alloc(25, 2);
    await b.put([{ entry: entryFor('dvUsage00001', other, { format: 'csv' as FormatName }), bytes: other }]);
    expect(await b.usage()).toEqual({ count: 2, bytes: 25 + 300 * 1024 });
    await b.delete([blob.dataVersion, 'dvNeverThere']);
    expect(await b.usage()).toEqual({ count: 1, bytes: 25 });
  });

  test('touch sets last-used times and never creates entries', async () => {
    const b = await open();
    const bytes = Buffer.from('t');
    await b.put([
      { entry: entryFor('dvTouch00001', bytes), bytes },
      { entry: entryFor('dvTouch00002', bytes), bytes },
    ]);
    await b.touch(['dvTouch00001', 'dvTouchGhost'], 5_000);
    const got = await b.entries(['dvTouch00001', 'dvTouch00002', 'dvTouchGhost']);
    expect(got.get('dvTouch00001')?.lastUsedAt).toBe(5_000);
    expect(got.get('dvTouch00002')?.lastUsedAt).toBe(1_000);
    expect(got.has('dvTouchGhost')).toBe(false);
    expect((await b.list('', 10)).find((e) => e.dataVersion === 'dvTouch00001')?.lastUsedAt).toBe(5_000);
    expect((await b.fetch(['dvTouch00001'])).get('dvTouch00001')?.entry.lastUsedAt).toBe(5_000);
    expect((await b.usage()).count).toBe(2);
  });

  test('clear removes entries and blobs', async () => {
    const b = await open();
    const bytes = Buffer.from('c');
    await b.put([{ entry: entryFor('dvClear00001', bytes), bytes }]);
    const blob = await putBlob(b, 'dvClear00002', randomBytes(5 * 1024 * 1024));
    await b.clear();
    expect(await b.usage()).toEqual({ count: 0, bytes: 0 });
    expect((await b.entries(['dvClear00001', 'dvClear00002'])).size).toBe(0);
    expect(await b.list('', 10)).toEqual([]);
    expect(await b.readBytes(blob)).toBeUndefined();
    // Still usable afterwards.
    expect(await b.put([{ entry: entryFor('dvClear00001', bytes), bytes }])).toEqual(
      new Set(['dvClear00001']),
    );
  });

  test('namespaces on one server do not see or clear each other', async () => {
    const a = await open();
    const other = await open();
    const bytes = Buffer.from('ns');
    await a.put([{ entry: entryFor('dvSpace00001', bytes), bytes }]);
    const blob = await putBlob(a, 'dvSpace00002', randomBytes(5 * 1024 * 1024));
    expect((await other.entries(['dvSpace00001', 'dvSpace00002'])).size).toBe(0);
    expect(await other.usage()).toEqual({ count: 0, bytes: 0 });
    expect(await other.list('', 10)).toEqual([]);
    expect(await other.sweep(Date.now() + 1)).toBe(0);
    await other.clear();
    expect((await a.usage()).count).toBe(2);
    expect(await a.readBytes(blob)).toBeDefined();
  });

  test('a bad namespace is a ConfigError naming it', async () => {
    for (const namespace of ['bad name!', 'a:b', '', 'x'.repeat(41)]) {
      const err = await openResultBackend({
        kind,
        url: server?.url ?? `${kind}://127.0.0.1:1`,
        namespace,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(JSON.stringify(namespace));
    }
  });

  test('an unreachable server fails open within seconds with a clear error, password hidden', async () => {
    const port = await freePort(); // nothing listens there
    const scheme = kind === 'postgres' ? 'postgresql' : 'redis';
    const url = `${scheme}://someone:s3cret@127.0.0.1:${port}/${kind === 'postgres' ? 'db' : '0'}`;
    const err = await settlesWithin(openResultBackend({ kind, url, namespace: 'ns' }), 8_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toBeInstanceOf(DagcacheError);
    expect((err as Error).message).toMatch(/^store unavailable: /);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('s3cret');
  });

  test('a server that accepts connections but never answers fails open instead of hanging', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const url = `${kind === 'postgres' ? 'postgresql' : 'redis'}://127.0.0.1:${port}`;
      const err = await settlesWithin(openResultBackend({ kind, url, namespace: 'ns' }), 8_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(sockets.size).toBeGreaterThan(0); // it did get through to the silent server
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(/^store unavailable: /);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
