// Shared stores (issue 8): a 1,000-node graph cold and warm on SQLite (the default) vs PostgreSQL vs
// Redis (`store: URL`, servers started here with the test helpers), and 8 processes contending for one
// 200-node graph on each store (single-flight: each node executes once; wall time from a common start).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, node, type CacheOptions } from '@dagcache/core';
import { missing, startPostgres, startRedis } from '../packages/adapter-core/test/support/servers.js';
import { medianMs, report, type Row } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const coreRoot = resolve(here, '../packages/adapter-core');
const fixture = join(coreRoot, 'test/shared/fixtures/graph200.ts');
const N = 1_000;
const PROCESSES = 8;

/** 1,000 nodes: a root, 999 nodes on it, small results (the shape of bench/core.ts's wide graph). */
function wide(): Record<string, any> {
  const nodes: Record<string, any> = { root: node(() => 1, { version: 'r' }) };
  for (let i = 1; i < N; i++) nodes[`w${i}`] = node((d: any) => ({ i, v: d.root + i }), { deps: ['root'], version: `w${i}` });
  return nodes;
}

async function coldWarm(options: () => CacheOptions): Promise<{ cold: number; warm: number }> {
  const nodes = wide();
  const finals = Object.keys(nodes).filter((n) => n !== 'root');
  let warmOptions: CacheOptions | undefined;
  const cold = await medianMs(
    3,
    async () => {
      const o = options();
      warmOptions ??= o;
      const dr = new Builder().withNodes(nodes).withCache(o).build();
      await dr.cache.ready();
      const t0 = performance.now();
      await dr.execute(finals);
      const ms = performance.now() - t0;
      await dr.cache.close();
      return ms;
    },
    true,
  );
  // Warm: a new process's view (a fresh driver, nothing in memory), timed from an open store.
  const warm = await medianMs(
    5,
    async () => {
      const dr = new Builder().withNodes(nodes).withCache(warmOptions!).build();
      await dr.cache.ready();
      const t0 = performance.now();
      await dr.execute(finals);
      const ms = performance.now() - t0;
      await dr.cache.close();
      return ms;
    },
    true,
  );
  return { cold, warm };
}

/** 8 children on one store, released together; wall time and executions counted by the node functions. */
async function contention(options: CacheOptions, dir: string): Promise<{ wallMs: number; executions: number }> {
  const execFile = join(dir, `exec-${randomBytes(4).toString('hex')}`);
  const startFile = `${execFile}.start`;
  writeFileSync(execFile, '');
  const env = {
    ...process.env,
    DAGCACHE_TEST_OPTIONS: JSON.stringify(options),
    DAGCACHE_TEST_EXEC_FILE: execFile,
    DAGCACHE_TEST_START_FILE: startFile,
    GRAPH_OUTPUT: 'summary',
  };
  const children = Array.from({ length: PROCESSES }, () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: coreRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const ready = new Promise<void>((res, rej) => {
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('ready\n')) res();
      });
      proc.on('close', () => rej(new Error(`child exited before ready: ${err.slice(-1000)}`)));
    });
    const done = new Promise<void>((res, rej) =>
      proc.on('close', (code) => (code === 0 ? res() : rej(new Error(`child failed (${code}): ${err.slice(-2000)}`)))),
    );
    ready.catch(() => undefined);
    return { ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const t0 = performance.now();
  writeFileSync(startFile, '');
  await Promise.all(children.map((c) => c.done));
  const wallMs = performance.now() - t0;
  const executions = readFileSync(execFile, 'utf8').split('\n').filter(Boolean).length;
  return { wallMs, executions };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dagcache-bench-stores-'));
  const servers: Array<{ stop: () => Promise<void> }> = [];
  const rows: Row[] = [];
  try {
    const stores: Array<{ store: string; options: () => CacheOptions }> = [
      { store: 'sqlite', options: () => ({ path: mkdtempSync(join(dir, 'sqlite-')) }) },
    ];
    for (const kind of ['postgres', 'redis'] as const) {
      let why: string | undefined;
      try {
        why = missing(kind);
      } catch (err) {
        why = (err as Error).message;
      }
      if (why) {
        console.error(`bench stores: ${kind} left out: ${why}`);
        continue;
      }
      const s = kind === 'postgres' ? await startPostgres() : await startRedis();
      servers.push(s);
      stores.push({
        store: kind,
        options: () => ({ path: mkdtempSync(join(dir, `${kind}-`)), store: `${s.url}?namespace=b${randomBytes(5).toString('hex')}` }),
      });
    }
    for (const { store, options } of stores) {
      const { cold, warm } = await coldWarm(options);
      // A store that cannot take 8 processes is reported in the table, not a crash of the whole bench.
      const c = await contention(options(), dir).catch((err: Error) => {
        console.error(`bench stores: ${store} contention failed: ${err.message.split('\n').find((l) => /^\w*Error: /.test(l)) ?? err.message.slice(0, 300)}`);
        return { wallMs: NaN, executions: NaN };
      });
      rows.push({
        store,
        cold_ms: +cold.toFixed(1),
        warm_ms: +warm.toFixed(1),
        cold_us_per_node: Math.round((cold * 1000) / N),
        warm_us_per_node: Math.round((warm * 1000) / N),
        contention_8_procs_wall_ms: Number.isNaN(c.wallMs) ? 'failed' : Math.round(c.wallMs),
        contention_executions: Number.isNaN(c.executions) ? 'failed' : c.executions,
      });
    }
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  report(
    'stores',
    `Shared stores: ${N}-node graph cold/warm (ms, store already open) and ${PROCESSES} processes on one 200-node graph (wall ms; executions, 200 = each node once)`,
    rows,
  );
}
