import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DagcacheError } from '../../src/errors.js';
import { openLeaseLock, type LeaseLock, type LeaseLockSpec } from '../../src/stores/locks/index.js';
import { freePort, missing, startPostgres, startRedis } from '../support/servers.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '../..');
const LONG = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sleeps until `ms` after `start` (a Date.now() value), so steps keep their spacing on a slow machine. */
const until = (start: number, ms: number) => sleep(Math.max(0, start + ms - Date.now()));

describe.each(['sqlite', 'postgres', 'redis'] as const)('%s lease lock', (kind) => {
  const skip = kind === 'sqlite' ? undefined : missing(kind);
  let server: { url: string; stop: () => Promise<void> } | undefined;
  let dir: string;
  const opened: LeaseLock[] = [];
  let serial = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dagcache-locks-'));
    if (kind === 'postgres' && !skip) server = await startPostgres();
    if (kind === 'redis' && !skip) server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
  });

  const spec = (namespace = 'locks'): LeaseLockSpec =>
    kind === 'sqlite' ? { kind, file: join(dir, 'locks.sqlite') } : { kind, url: server!.url, namespace };
  const open = async (namespace?: string): Promise<LeaseLock> => {
    const lock = await openLeaseLock(spec(namespace));
    opened.push(lock);
    return lock;
  };
  /** Keys no other test uses, since one store serves the whole file. */
  const fresh = (n: number): string[] => {
    const tag = `t${++serial}`;
    return Array.from({ length: n }, (_, i) => `${tag}-k${i}`);
  };
  const test = it.skipIf(!!skip);

  test('two owners racing for the same keys: each key goes to exactly one of them', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const keys = fresh(20);
    const [ta, tb] = await Promise.all([
      a.acquire(keys, 'A', LONG),
      b.acquire([...keys].reverse(), 'B', LONG),
    ]);
    for (const k of keys) expect(Number(ta.has(k)) + Number(tb.has(k)), k).toBe(1);
    const held = await a.holders(keys);
    expect(held.size).toBe(keys.length);
    for (const k of keys) expect(held.get(k)).toBe(ta.has(k) ? 'A' : 'B');
  });

  test('takes many keys in one acquire, all but those another owner holds', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const keys = fresh(10);
    expect(await a.acquire(keys.slice(0, 4), 'A', LONG)).toEqual(new Set(keys.slice(0, 4)));
    expect(await b.acquire(keys, 'B', LONG)).toEqual(new Set(keys.slice(4)));
    // A key listed twice is one key.
    expect(await a.acquire([keys[0]!, keys[0]!], 'A', LONG)).toEqual(new Set([keys[0]]));
    expect(await a.acquire([], 'A', LONG)).toEqual(new Set());
  });

  test('the same owner re-acquiring renews its lease and counts it as taken', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [key, control] = fresh(2) as [string, string];
    const start = Date.now();
    expect(await a.acquire([key, control], 'A', 1_000)).toEqual(new Set([key, control]));
    await until(start, 600);
    expect(await a.acquire([key], 'A', 1_000)).toEqual(new Set([key]));
    await until(start, 1_300);
    // Past the first lease: the control key is free again, the re-acquired key is not.
    expect(await a.holders([key, control])).toEqual(new Map([[key, 'A']]));
    expect(await b.acquire([key], 'B', LONG)).toEqual(new Set());
  });

  test('renew extends a lease still held, and only the holder can renew', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [key, control] = fresh(2) as [string, string];
    const start = Date.now();
    await a.acquire([key, control], 'A', 1_000);
    await until(start, 600);
    expect(await b.renew([key], 'B', 1_000)).toEqual(new Set());
    expect(await a.renew([key], 'A', 1_000)).toEqual(new Set([key]));
    await until(start, 1_300);
    expect(await b.holders([key, control])).toEqual(new Map([[key, 'A']]));
    expect(await b.acquire([key, control], 'B', LONG)).toEqual(new Set([control]));
  });

  test('a lease that ran out cannot be renewed, even if nobody took it', async () => {
    const a = await open();
    const [key] = fresh(1) as [string];
    await a.acquire([key], 'A', 200);
    await sleep(350);
    expect(await a.renew([key], 'A', LONG)).toEqual(new Set());
    expect(await a.holders([key])).toEqual(new Map());
  });

  test('after the lease runs out another owner takes the key over', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [key] = fresh(1) as [string];
    expect(await a.acquire([key], 'A', 200)).toEqual(new Set([key]));
    expect(await b.acquire([key], 'B', 200)).toEqual(new Set());
    await sleep(250);
    expect(await b.acquire([key], 'B', LONG)).toEqual(new Set([key]));
    expect(await a.holders([key])).toEqual(new Map([[key, 'B']]));
  });

  test('release frees only the keys the owner holds', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [k1, k2] = fresh(2) as [string, string];
    await a.acquire([k1], 'A', LONG);
    await b.acquire([k2], 'B', LONG);
    await b.release([k1, k2], 'B');
    expect(await a.holders([k1, k2])).toEqual(new Map([[k1, 'A']]));
    await a.release([k1], 'A');
    expect(await a.holders([k1, k2])).toEqual(new Map());
    expect(await b.acquire([k1], 'B', LONG)).toEqual(new Set([k1]));
  });

  test('release after a takeover leaves the new holder alone', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [key] = fresh(1) as [string];
    await a.acquire([key], 'A', 200);
    await sleep(300);
    expect(await b.acquire([key], 'B', LONG)).toEqual(new Set([key]));
    await a.release([key], 'A');
    expect(await a.renew([key], 'A', LONG)).toEqual(new Set());
    expect(await b.holders([key])).toEqual(new Map([[key, 'B']]));
  });

  test('holders lists only unexpired leases, with their owners', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const [byA, byB, expired, free] = fresh(4) as [string, string, string, string];
    await a.acquire([expired], 'A', 100);
    await a.acquire([byA], 'A', LONG);
    await b.acquire([byB], 'B', LONG);
    await sleep(250);
    expect(await b.holders([byA, byB, expired, free])).toEqual(
      new Map([
        [byA, 'A'],
        [byB, 'B'],
      ]),
    );
    expect(await b.holders([])).toEqual(new Map());
  });

  test('8 concurrent acquirers × 200 keys: every key is taken by exactly one owner', async () => {
    const locks = await Promise.all(Array.from({ length: 8 }, () => open()));
    const keys = fresh(200);
    // Each acquirer asks in its own order, so the stores' row-locking order is exercised too.
    const shuffled = (seed: number) =>
      [...keys].sort((x, y) => ((hash(x) ^ seed) % 997) - ((hash(y) ^ seed) % 997));
    const taken = await Promise.all(locks.map((l, i) => l.acquire(shuffled(i * 7919), `owner-${i}`, LONG)));
    const held = await locks[0]!.holders(keys);
    for (const k of keys) {
      const winners = taken.flatMap((t, i) => (t.has(k) ? [`owner-${i}`] : []));
      expect(winners, k).toHaveLength(1);
      expect(held.get(k)).toBe(winners[0]);
    }
  });

  test('opening the same store from several places at once works (the table is created once)', async () => {
    const namespace = `race_${serial++}`;
    const locks = await Promise.all(Array.from({ length: 8 }, () => open(namespace)));
    const [key] = fresh(1) as [string];
    expect(await locks[7]!.acquire([key], 'A', LONG)).toEqual(new Set([key]));
    expect(await locks[0]!.holders([key])).toEqual(new Map([[key, 'A']]));
  });

  if (kind !== 'sqlite') {
    test('namespaces sharing a server do not see each other’s leases', async () => {
      const [a, b] = await Promise.all([open('team-a'), open('team_b')]);
      const [key] = fresh(1) as [string];
      expect(await a.acquire([key], 'A', LONG)).toEqual(new Set([key]));
      expect(await b.acquire([key], 'B', LONG)).toEqual(new Set([key]));
      expect(await a.holders([key])).toEqual(new Map([[key, 'A']]));
    });
  }

  test('a process killed with SIGKILL keeps its key until its lease runs out, then it is taken over', async () => {
    const a = await open();
    const [key] = fresh(1) as [string];
    const script = join(dir, `child-${serial}.mts`);
    writeFileSync(
      script,
      `import { openLeaseLock } from ${JSON.stringify(join(packageRoot, 'src/stores/locks/index.ts'))};
const [spec, key] = JSON.parse(process.argv[2]);
const lock = await openLeaseLock(spec);
const before = Date.now();
const taken = await lock.acquire([key], 'child', 1000);
console.log(JSON.stringify({ before, taken: [...taken] }));
setInterval(() => undefined, 60_000); // hold on until killed, never releasing
`,
    );
    const child = spawn(
      process.execPath,
      ['--conditions=@dagcache/source', '--import', 'tsx', script, JSON.stringify([spec(), key])],
      {
        cwd: packageRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const line = await new Promise<string>((res, rej) => {
        createInterface({ input: child.stdout }).once('line', res);
        child.once('exit', (code) => rej(new Error(`child exited (${code}) before acquiring: ${stderr}`)));
      });
      const report = JSON.parse(line) as { before: number; taken: string[] };
      expect(report.taken).toEqual([key]);
      child.kill('SIGKILL');
      await exited;

      expect(await a.acquire([key], 'parent', LONG)).toEqual(new Set());
      expect(await a.holders([key])).toEqual(new Map([[key, 'child']]));
      let takenAt: number | undefined;
      while (takenAt === undefined && Date.now() < report.before + 15_000) {
        if ((await a.acquire([key], 'parent', LONG)).has(key)) takenAt = Date.now();
        else await sleep(50);
      }
      expect(takenAt, 'the parent never took the key over').toBeDefined();
      // The child's lease started after `before`, so it cannot have run out earlier than this.
      expect(takenAt!).toBeGreaterThanOrEqual(report.before + 1_000 - 5);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('opening a lease lock', () => {
  it.each(['postgres', 'redis'] as const)(
    '%s: a namespace with bad characters is a ConfigError naming it',
    async (kind) => {
      const err = await openLeaseLock({ kind, url: 'redis://127.0.0.1:1', namespace: 'team a;drop' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('"team a;drop"');
    },
  );

  it.each([
    [
      'postgres',
      (port: number) => `postgresql://dagcache:s3cret@127.0.0.1:${port}/db`,
      'postgresql://dagcache:***@127.0.0.1',
    ],
    [
      'redis',
      (port: number) => `redis://dagcache:s3cret@127.0.0.1:${port}`,
      'redis://dagcache:***@127.0.0.1',
    ],
  ] as const)(
    '%s: an unreachable server makes open reject promptly with one clear error',
    async (kind, url, shown) => {
      const port = await freePort();
      const outcome = await Promise.race([
        openLeaseLock({ kind, url: url(port), namespace: 'dagcache' }).then(
          () => 'opened',
          (e: unknown) => e,
        ),
        sleep(15_000).then(() => 'still pending after 15 s'),
      ]);
      expect(outcome).toBeInstanceOf(DagcacheError);
      const message = (outcome as Error).message;
      expect(message).toMatch(/^store unavailable: /);
      expect(message).toContain(`${shown}:${port}`);
      expect(message).not.toContain('s3cret');
    },
  );

  it('sqlite: a file that cannot be created is a store-unavailable error naming it', async () => {
    const file = join(tmpdir(), `dagcache-no-such-dir-${process.pid}`, 'locks.sqlite');
    await expect(openLeaseLock({ kind: 'sqlite', file })).rejects.toThrow(
      `store unavailable: cannot open sqlite:${file}`,
    );
  });

  it('an unknown kind is a ConfigError', async () => {
    await expect(openLeaseLock({ kind: 'mysql' } as unknown as LeaseLockSpec)).rejects.toThrow(ConfigError);
  });
});

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
