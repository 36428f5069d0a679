import type { Cache } from '../cache/cache.js';
import type { Run } from '../cache/run.js';
import type { CacheOptions, NodeOutcome } from '../cache/types.js';
import { ConfigError, DagcacheError, NodeExecutionError } from '../errors.js';
import { DriverCache } from './driver-cache.js';
import type { Graph, GraphNode } from './graph.js';

/** Options of `Driver.execute`. */
export interface ExecuteOptions {
  /** Values for external dependencies (names no node defines). Versioned by value, never stored. */
  inputs?: Record<string, unknown>;
  /** Values that replace nodes: the node does not run, its upstream is not needed, nothing is stored. */
  overrides?: Record<string, unknown>;
  /** How many nodes may run at once (default: the driver's, 16 unless set). */
  maxConcurrency?: number;
}

type Source =
  | { kind: 'override'; value: unknown; dv: string }
  | { kind: 'input'; value: unknown; dv: string | null }
  | { kind: 'node'; outcome: NodeOutcome };

/**
 * Runs a graph of nodes with caching (Hamilton's driver). Made by `Builder.build()`.
 *
 * @example
 * ```ts
 * const dr = new Builder().withNodes({ a: node(() => 1), b: node(({ a }) => a + 1) }).withCache().build();
 * const { b } = await dr.execute(['b']);
 * ```
 */
export class Driver {
  /** Cache inspection (Hamilton's `dr.cache`). */
  readonly cache: DriverCache;
  private cacheNow: Cache | undefined;

  constructor(
    readonly graph: Graph,
    cache: Promise<Cache>,
    cacheOptions: CacheOptions,
    private readonly maxConcurrency: number,
  ) {
    this.cache = new DriverCache(graph, cache, cacheOptions, this);
  }

  /**
   * Computes `finalVars`, running only the nodes on their path and retrieving what the cache holds.
   * A node that throws stores nothing; the run ends with a `NodeExecutionError` naming it.
   */
  async execute(
    finalVars: readonly string[],
    options: ExecuteOptions = {},
  ): Promise<Record<string, unknown>> {
    const inputs = options.inputs ?? {};
    const overrides = options.overrides ?? {};
    const needed = this.plan(finalVars, inputs, overrides);
    const cache = await this.cache.ready();
    this.cacheNow = cache;
    const run = cache.startRun({ tool: 'direct', finalVars, nodeNames: this.cache.knownNames() });
    try {
      return await this.runPlan(run, cache, needed, finalVars, inputs, overrides, options.maxConcurrency);
    } finally {
      await run.finish();
    }
  }

  /**
   * The nodes needed for `finalVars` (in topological order), after checking every name. Overrides cut
   * the graph: their upstream is not needed.
   */
  plan(
    finalVars: readonly string[],
    inputs: Record<string, unknown>,
    overrides: Record<string, unknown>,
  ): string[] {
    const { graph } = this;
    if (!Array.isArray(finalVars) || finalVars.length === 0)
      throw new ConfigError('execute: give at least one final var');
    for (const name of Object.keys(inputs)) {
      if (graph.nodes.has(name))
        throw new ConfigError(`inputs: "${name}" is a node; to replace a node's value use overrides`);
    }
    for (const name of Object.keys(overrides)) {
      if (!graph.nodes.has(name)) throw new ConfigError(`overrides: unknown node "${name}"`);
    }
    const needed = new Set<string>();
    const missing = new Set<string>();
    const stack: string[] = [];
    for (const v of finalVars) {
      if (graph.nodes.has(v)) stack.push(v);
      else if (!(v in inputs)) throw new ConfigError(`execute: unknown final var "${v}"`);
    }
    while (stack.length) {
      const name = stack.pop()!;
      if (needed.has(name) || name in overrides) continue;
      needed.add(name);
      const n = graph.nodes.get(name)!;
      for (const d of n.deps) {
        if (graph.nodes.has(d)) stack.push(d);
        else if (!(d in inputs) && !(d in n.defaults)) missing.add(`${d} (needed by ${name})`);
      }
    }
    if (missing.size) throw new ConfigError(`execute: missing inputs: ${[...missing].join(', ')}`);
    return graph.order.filter((n) => needed.has(n));
  }

  private async runPlan(
    run: Run,
    cache: Cache,
    needed: string[],
    finalVars: readonly string[],
    inputs: Record<string, unknown>,
    overrides: Record<string, unknown>,
    maxConcurrency = this.maxConcurrency,
  ): Promise<Record<string, unknown>> {
    const { graph } = this;
    for (const name of graph.order) {
      const n = graph.nodes.get(name)!;
      run.resolveBehavior(name, n.cache.behavior, n.role);
    }
    const sources = new Map<string, Source>();
    for (const [name, value] of Object.entries(inputs))
      sources.set(name, { kind: 'input', value, dv: run.input(name, value) });
    for (const [name, value] of Object.entries(overrides)) {
      if (graph.nodes.has(name))
        sources.set(name, { kind: 'override', value, dv: run.override(name, value) });
    }
    await run.prefetch(needed.filter((n) => !graph.branchOf.has(n)).map((nodeName) => ({ nodeName })));

    // Fan-out branch nodes run inside their expand node's task, once per item.
    const scheduled = needed.filter((n) => !graph.branchOf.has(n));
    const neededSet = new Set(needed);
    const scheduledSet = new Set(scheduled);
    const waitFor = new Map<string, string[]>();
    for (const name of scheduled) {
      const n = graph.nodes.get(name)!;
      const deps = new Set<string>();
      for (const d of n.deps)
        if (graph.nodes.has(d) && !(d in overrides)) deps.add(graph.branchOf.get(d) ?? d);
      if (n.expand) {
        for (const b of graph.branches.get(name) ?? []) {
          if (!neededSet.has(b)) continue;
          for (const d of graph.nodes.get(b)!.deps) {
            if (graph.nodes.has(d) && !(d in overrides) && !graph.branchOf.has(d) && d !== name) deps.add(d);
          }
        }
      }
      waitFor.set(
        name,
        [...deps].filter((d) => scheduledSet.has(d)),
      );
    }

    const fanResults = new Map<string, Map<string, NodeOutcome[]>>();
    let failure: unknown;
    await schedule(scheduled, waitFor, maxConcurrency, async (name) => {
      if (failure) return false;
      const n = graph.nodes.get(name)!;
      try {
        if (n.expand) {
          const outcome = await this.runNode(run, n, sources, undefined, fanResults, overrides);
          sources.set(name, { kind: 'node', outcome });
          fanResults.set(name, await this.runFanOut(run, cache, n, outcome, sources, needed, overrides));
        } else {
          sources.set(name, {
            kind: 'node',
            outcome: await this.runNode(run, n, sources, undefined, fanResults, overrides),
          });
        }
        return true;
      } catch (err) {
        failure ??= err;
        return false;
      }
    });

    if (failure) {
      for (const name of needed) {
        if (!run.nodes.has(name) && !sources.has(name))
          run.skip(name, undefined, [...graph.nodes.get(name)!.deps], 'an upstream node failed');
      }
      throw failure instanceof DagcacheError ? failure : new DagcacheError(String(failure));
    }

    const out: Record<string, unknown> = {};
    for (const v of finalVars) {
      const s = sources.get(v);
      if (!s) throw new DagcacheError(`final var "${v}" was not computed`);
      out[v] = s.kind === 'node' ? await s.outcome.load() : s.value;
    }
    return out;
  }

  /** Runs one node (or one fan-out task of a branch node) through the cache. */
  private async runNode(
    run: Run,
    n: GraphNode,
    sources: Map<string, Source>,
    taskId: string | undefined,
    fanResults: Map<string, Map<string, NodeOutcome[]>>,
    overrides: Record<string, unknown>,
  ): Promise<NodeOutcome> {
    const dependencies: Record<string, string | null> = {};
    const values: Array<() => Promise<[string, unknown]>> = [];
    for (const d of n.deps) {
      if (n.collect === d && !(d in overrides)) {
        // Collect: version the items one by one and sort, so arrival order never matters.
        const expandName = this.graph.branchOf.get(d)!;
        const items = fanResults.get(expandName)?.get(d) ?? [];
        const dvs = items.map((o) => o.dataVersion ?? 'null').sort();
        dependencies[d] = this.cacheNow!.versionData(dvs, `${d}[]`);
        values.push(async () => [d, await Promise.all(items.map((o) => o.load()))]);
        continue;
      }
      const s = sources.get(d);
      if (s) {
        dependencies[d] = s.kind === 'node' ? s.outcome.dataVersion : s.dv;
        values.push(async () => [d, s.kind === 'node' ? await s.outcome.load() : s.value]);
        continue;
      }
      const def = n.defaults[d];
      if (def?.literal) {
        const dv = run.input(d, def.value, 'default');
        dependencies[d] = dv;
        values.push(async () => [d, def.value]);
      }
      // A non-literal default is computed by the function itself; its source text is in the code version.
    }
    return run.node({
      name: n.name,
      ...(taskId !== undefined ? { taskId } : {}),
      codeVersion: n.codeVersion(),
      dependencies,
      ...(n.cache.behavior ? { behavior: n.cache.behavior } : {}),
      ...(n.role ? { role: n.role } : {}),
      ...(n.cache.format ? { format: n.cache.format } : {}),
      ...(n.cache.ttlMs !== undefined ? { ttlMs: n.cache.ttlMs } : {}),
      load: 'lazy',
      execute: async () => {
        const args = Object.fromEntries(await Promise.all(values.map((f) => f())));
        let result = await n.call(args);
        if (n.expand) result = toItems(result, n.name);
        return result;
      },
    });
  }

  /**
   * Runs every branch node once per expanded item. Each item is versioned by itself and its task id
   * derives from its data version, so the same item hits whatever position it arrives in.
   */
  private async runFanOut(
    run: Run,
    cache: Cache,
    expand: GraphNode,
    outcome: NodeOutcome,
    sources: Map<string, Source>,
    needed: readonly string[],
    overrides: Record<string, unknown>,
  ): Promise<Map<string, NodeOutcome[]>> {
    const neededSet = new Set(needed);
    const branch = (this.graph.branches.get(expand.name) ?? []).filter(
      (b) => neededSet.has(b) && !(b in overrides),
    );
    const items = (await outcome.load()) as unknown[];
    const byTask = new Map<string, Promise<Map<string, NodeOutcome>>>();
    const taskIds: string[] = [];
    for (const item of items) {
      const itemDv = cache.versionData(item, `${expand.name}[]`);
      const taskId = itemDv.slice(0, 16);
      taskIds.push(taskId);
      if (byTask.has(taskId)) continue;
      byTask.set(
        taskId,
        (async () => {
          const local = new Map<string, Source>(sources);
          const itemOutcome: NodeOutcome = {
            value: item,
            load: async () => item,
            dataVersion: itemDv,
            cacheKey: null,
            status: 'retrieved',
            behavior: 'recompute',
            durationMs: 0,
          };
          local.set(expand.name, { kind: 'node', outcome: itemOutcome });
          const results = new Map<string, NodeOutcome>();
          for (const b of branch) {
            const o = await this.runNode(run, this.graph.nodes.get(b)!, local, taskId, new Map(), overrides);
            run.setUpstream(b, taskId, [...this.graph.nodes.get(b)!.deps]);
            local.set(b, { kind: 'node', outcome: o });
            results.set(b, o);
          }
          return results;
        })(),
      );
    }
    const settled = await Promise.allSettled(byTask.values());
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const out = new Map<string, NodeOutcome[]>();
    for (const b of branch) {
      const list: NodeOutcome[] = [];
      for (const t of taskIds) list.push((await byTask.get(t)!).get(b)!);
      out.set(b, list);
    }
    return out;
  }
}

function toItems(result: unknown, name: string): unknown[] {
  if (Array.isArray(result)) return result;
  if (
    result != null &&
    typeof (result as any)[Symbol.iterator] === 'function' &&
    typeof result !== 'string'
  ) {
    return [...(result as Iterable<unknown>)];
  }
  throw new NodeExecutionError(
    name,
    undefined,
    new TypeError('an expand node must return an array or an iterable'),
  );
}

/**
 * Runs tasks when their dependencies are done, at most `limit` at once, without recursion (a
 * 5,000-deep chain is a loop, not a call stack). A task resolving `false` stops new starts.
 */
async function schedule(
  order: readonly string[],
  waitFor: ReadonlyMap<string, readonly string[]>,
  limit: number,
  task: (name: string) => Promise<boolean>,
): Promise<void> {
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const name of order) {
    const deps = waitFor.get(name) ?? [];
    remaining.set(name, deps.length);
    for (const d of deps) {
      let l = dependents.get(d);
      if (!l) dependents.set(d, (l = []));
      l.push(name);
    }
  }
  const ready = order.filter((n) => remaining.get(n) === 0);
  let head = 0;
  let running = 0;
  let stopped = false;
  await new Promise<void>((resolveAll) => {
    const pump = () => {
      while (!stopped && running < limit && head < ready.length) {
        const name = ready[head++]!;
        running++;
        task(name).then((ok) => {
          running--;
          if (!ok) stopped = true;
          else {
            for (const next of dependents.get(name) ?? []) {
              const r = remaining.get(next)! - 1;
              remaining.set(next, r);
              if (r === 0) ready.push(next);
            }
          }
          if (running === 0 && (stopped || head >= ready.length)) resolveAll();
          else pump();
        });
      }
      if (running === 0 && (stopped || head >= ready.length)) resolveAll();
    };
    pump();
  });
}
