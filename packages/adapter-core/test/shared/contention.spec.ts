// Issue 8: 8 processes that need the same 200 cache keys at once. With single-flight (the default) one
// process executes each key and the others wait, then retrieve; without it duplicates are possible but
// every process still gets the same results.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { countExecutions, fixture, startChild, storeCases, type StoreSetup } from './support.js';

const PROCESSES = 8;
const NODES = 200;

interface GraphOutput {
  pid: number;
  runId: string;
  ms: number;
  counts: Record<string, number>;
  nodes: Record<string, { s: string; dv: string | null; vh: string }>;
}

/** Starts 8 children on one store, releases them together (a start file they poll for), waits for all. */
async function contend(setup: StoreSetup, extra: Record<string, unknown> = {}) {
  const dir = tempDir('dagcache-contention-');
  const execFile = join(dir, 'executions.txt');
  const startFile = join(dir, 'start');
  writeFileSync(execFile, '');
  const env = {
    DAGCACHE_TEST_OPTIONS: JSON.stringify({ ...setup.options, ...extra }),
    DAGCACHE_TEST_EXEC_FILE: execFile,
    DAGCACHE_TEST_START_FILE: startFile,
    GRAPH_NODES: String(NODES),
  };
  const children = Array.from({ length: PROCESSES }, () => startChild<GraphOutput>(fixture('graph200.ts'), env));
  // Every child has built its driver and opened the store before any of them runs a node.
  const tReady = performance.now();
  await Promise.all(children.map((c) => c.waitFor('ready')));
  const t0 = performance.now();
  console.log(`[contention] ${PROCESSES} children ready in ${Math.round(t0 - tReady)} ms`);
  writeFileSync(startFile, '');
  const results = await Promise.all(children.map((c) => c.done));
  const wallMs = performance.now() - t0;
  for (const r of results) expect(r.code, `child failed:\n${r.stderr.slice(-3000)}`).toBe(0);
  const outputs = results.map((r) => r.json!);
  return { outputs, executions: countExecutions(readFileSync(execFile, 'utf8')), wallMs };
}

/** Every process got the same data version, and the value it returned fingerprints to it. */
function expectIdenticalResults(outputs: GraphOutput[]): void {
  const first = outputs[0]!;
  expect(Object.keys(first.nodes)).toHaveLength(NODES);
  for (const [name, n] of Object.entries(first.nodes)) {
    expect(n.dv, `${name}: a data version`).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    for (const o of outputs) {
      expect(o.nodes[name]?.dv, `${name} in pid ${o.pid}`).toBe(n.dv);
      expect(o.nodes[name]?.vh, `${name}'s value in pid ${o.pid}`).toBe(n.dv);
    }
  }
}

describe('8 processes, one 200-node graph, one store, all at once', () => {
  for (const store of storeCases()) {
    describe(store.kind, () => {
      it.skipIf(!!store.skip)('single-flight (default): every node executes exactly once across the 8 processes', async () => {
        const setup = await store.setup();
        const { outputs, executions, wallMs } = await contend(setup);
        const perProcess = outputs.map((o) => o.counts.executed ?? 0);
        console.log(
          `[contention ${store.kind}] single-flight: ${PROCESSES} processes, wall ${Math.round(wallMs)} ms, executed per process ${perProcess.join('/')}`,
        );
        // Executed exactly once, counted by the node functions themselves across processes.
        const duplicated = [...executions].filter(([, n]) => n !== 1).map(([name, n]) => `${name}×${n}`);
        const total = [...executions.values()].reduce((a, b) => a + b, 0);
        expect(
          { nodesExecuted: executions.size, executions: total, duplicated: duplicated.length },
          `nodes executed more than once: ${duplicated.slice(0, 10).join(', ')}${duplicated.length > 10 ? ', …' : ''}`,
        ).toEqual({ nodesExecuted: NODES, executions: NODES, duplicated: 0 });
        expectIdenticalResults(outputs);
        // Statuses: each process executed or retrieved every node; exactly one process executed each node.
        for (const o of outputs) {
          expect(Object.keys(o.counts).sort(), `statuses of pid ${o.pid}`).toEqual(
            Object.keys(o.counts).filter((s) => s === 'executed' || s === 'retrieved').sort(),
          );
          expect((o.counts.executed ?? 0) + (o.counts.retrieved ?? 0)).toBe(NODES);
        }
        expect(perProcess.reduce((a, b) => a + b, 0)).toBe(NODES);
        for (const name of Object.keys(outputs[0]!.nodes)) {
          const executors = outputs.filter((o) => o.nodes[name]!.s === 'executed');
          expect(executors.map((o) => o.pid), `processes that report ${name} executed`).toHaveLength(1);
          expect(executions.get(name)).toBe(1);
        }
      }, 120_000);

      it.skipIf(!!store.skip)('singleFlight: false: duplicates are possible, results are still identical', async () => {
        const setup = await store.setup();
        const { outputs, executions, wallMs } = await contend(setup, { singleFlight: false });
        const total = [...executions.values()].reduce((a, b) => a + b, 0);
        console.log(
          `[contention ${store.kind}] singleFlight=false: ${PROCESSES} processes, wall ${Math.round(wallMs)} ms, ${total} executions of ${NODES} nodes (${total - NODES} duplicates, ${[...executions.values()].filter((n) => n > 1).length} nodes ran more than once)`,
        );
        expect(executions.size).toBe(NODES);
        expectIdenticalResults(outputs);
        for (const o of outputs) expect((o.counts.executed ?? 0) + (o.counts.retrieved ?? 0)).toBe(NODES);
      }, 120_000);
    });
  }
});
