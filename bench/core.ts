// Per-node caching overhead of the direct API: a 1,000-node chain and a 1,000-node wide graph, cold
// (all miss) and warm (all hit), as µs/node above running the same functions without caching.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder, node } from '@dagcache/core';
import { medianMs, report, type Row } from './lib.js';

const N = 1_000;

function chain(): Record<string, any> {
  const nodes: Record<string, any> = { n0: node(() => 0, { version: 'n' }) };
  for (let i = 1; i < N; i++) nodes[`n${i}`] = node((d: any) => d[`n${i - 1}`] + 1, { deps: [`n${i - 1}`], version: 'n' });
  return nodes;
}

function wide(): Record<string, any> {
  const nodes: Record<string, any> = { root: node(() => 1, { version: 'r' }) };
  for (let i = 1; i < N; i++) nodes[`w${i}`] = node((d: any) => d.root + i, { deps: ['root'], version: `w${i}` });
  return nodes;
}

/** The same functions run in topological order with no caching at all. */
async function baseline(nodes: Record<string, any>): Promise<void> {
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(nodes)) {
    const args: Record<string, unknown> = {};
    for (const d of def.options.deps ?? []) args[d] = values[d];
    values[name] = await def.fn(args);
  }
}

export async function run(): Promise<void> {
  const rows: Row[] = [];
  for (const [shape, make, finals] of [
    ['chain', chain, [`n${N - 1}`]],
    ['wide', wide, Array.from({ length: N - 1 }, (_, i) => `w${i + 1}`)],
  ] as const) {
    const nodes = make();
    const base = await medianMs(5, () => baseline(nodes));
    // Timed: execute() on an open cache, as in a long-lived process (opening the store is not per node).
    const dirs: string[] = [];
    const cold = await medianMs(5, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dagcache-bench-'));
      dirs.push(dir);
      const dr = new Builder().withNodes(nodes).withCache({ path: dir }).build();
      await dr.cache.ready();
      const t0 = performance.now();
      await dr.execute(finals as string[]);
      const ms = performance.now() - t0;
      await dr.cache.close();
      return ms;
    }, true);
    const warmDr = new Builder().withNodes(nodes).withCache({ path: dirs[0]! }).build();
    await warmDr.cache.ready();
    const warm = await medianMs(7, () => warmDr.execute(finals as string[]));
    await warmDr.cache.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const per = (ms: number) => Math.round(((ms - base) * 1000) / N);
    rows.push({ graph: `${shape} ${N}`, baseline_ms: +base.toFixed(2), cold_ms: +cold.toFixed(1), warm_ms: +warm.toFixed(1), cold_us_per_node: per(cold), warm_us_per_node: per(warm), target_cold_us: 100, target_warm_us: 20 });
  }
  report('core', 'Direct API: caching overhead per node (µs/node above no caching)', rows);
}
