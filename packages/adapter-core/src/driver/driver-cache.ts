import type { CachingBehavior } from '../behavior/caching-behavior.js';
import { resolveBehavior } from '../behavior/resolve-behavior.js';
import { openCache, type Cache } from '../cache/cache.js';
import type { CacheOptions, RunRecord, WhyAnswer } from '../cache/types.js';
import { ConfigError, DagcacheError } from '../errors.js';
import type { CachingEvent, LogLevel } from '../events/caching-event.js';
import { fingerprint } from '../fingerprint/index.js';
import type { RunSummary } from '../stores/metadata-store.js';
import type { Driver } from './driver.js';
import type { Graph } from './graph.js';

/**
 * The driver's cache, for inspection after runs (Hamilton's `dr.cache`): run ids, logs, keys, data
 * versions, behaviors, code versions, `why` and the run report. The store opens when the driver is
 * built; methods that need it wait for it.
 *
 * @example
 * ```ts
 * await dr.execute(['model']);
 * const runId = dr.cache.lastRunId;
 * dr.cache.logs(runId, 'debug');
 * await dr.cache.why(runId, 'model');
 * await dr.cache.viewRun(runId, 'run.html');
 * ```
 */
export class DriverCache {
  private opened: Cache | undefined;
  private readonly opening: Promise<Cache>;

  constructor(
    private readonly graph: Graph,
    cache: Promise<Cache>,
    private readonly options: CacheOptions,
    private readonly driver: Driver,
  ) {
    this.opening = cache.then((c) => (this.opened = c));
    // Surface open errors on first use, not as an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  /** Waits for the store to be open and returns the underlying core `Cache`. */
  ready(): Promise<Cache> {
    return this.opening;
  }

  private get open(): Cache {
    if (!this.opened) throw new DagcacheError('the cache is still opening: await dr.cache.ready() first');
    return this.opened;
  }

  /** Names behavior lists may use: every node and every external dependency. */
  knownNames(): string[] {
    return [...new Set([...this.graph.nodes.keys(), ...this.graph.dependencyNames])];
  }

  /** Id of the last run started. Throws before any run (as Hamilton does). */
  get lastRunId(): string {
    return this.open.lastRunId;
  }

  /** Every run id in the store, oldest first (earlier processes' runs included). */
  get runIds(): string[] {
    return this.open.runIds;
  }

  logs(): Record<string, CachingEvent[]>;
  logs(runId: string, level?: LogLevel): Record<string, CachingEvent[]>;
  logs(runId?: string, level: LogLevel = 'info'): Record<string, CachingEvent[]> {
    return runId === undefined ? this.open.logs() : this.open.logs(runId, level);
  }

  getCacheKey(runId: string, nodeName: string, taskId?: string): Promise<string | null> {
    return this.open.getCacheKey(runId, nodeName, taskId);
  }

  getDataVersion(
    runId: string,
    nodeName: string,
    cacheKey?: string,
    taskId?: string,
  ): Promise<string | null> {
    return this.open.getDataVersion(runId, nodeName, cacheKey, taskId);
  }

  /** Behavior of every node of the graph in a run (RESOLVED_BEHAVIOR events are in the run's log). */
  async resolveBehaviors(runId?: string): Promise<Record<string, CachingBehavior>> {
    const out: Record<string, CachingBehavior> = {};
    const run = runId ? this.open.ownRun(runId) : undefined;
    if (run) {
      for (const [name, r] of run.behaviors) out[name] = r.behavior;
      return out;
    }
    if (runId) {
      const rec: RunRecord | undefined = await this.open.getRun(runId);
      if (!rec) throw new DagcacheError(`resolveBehaviors: unknown run "${runId}"`);
      for (const e of rec.events)
        if (e.eventType === 'RESOLVED_BEHAVIOR') out[e.nodeName] = e.value as CachingBehavior;
      return out;
    }
    for (const [name, n] of this.graph.nodes)
      out[name] = resolveBehavior(this.options, name, n.cache.behavior, n.role).behavior;
    return out;
  }

  /**
   * Code version of each node: all nodes, or only those on the path to `finalVars` given the inputs
   * and overrides (overridden nodes and their upstream are not on the path).
   */
  resolveCodeVersions(
    _runId?: string,
    finalVars?: readonly string[],
    inputs: Record<string, unknown> = {},
    overrides: Record<string, unknown> = {},
  ): Record<string, string> {
    const names = finalVars ? this.driver.plan(finalVars, inputs, overrides) : this.graph.order;
    return Object.fromEntries(names.map((n) => [n, this.graph.nodes.get(n)!.codeVersion()]));
  }

  /** Code version of a node by name. */
  versionCode(nodeName: string): string {
    const n = this.graph.nodes.get(nodeName);
    if (!n) throw new ConfigError(`versionCode: unknown node "${nodeName}"`);
    return n.codeVersion();
  }

  /** Data version (fingerprint) of a value. */
  versionData(value: unknown): string {
    return fingerprint(value, { root: 'value' });
  }

  why(runId: string | undefined, nodeName: string, taskId?: string): Promise<WhyAnswer> {
    return this.opening.then((c) => c.why(runId, nodeName, taskId));
  }

  listRuns(): Promise<RunSummary[]> {
    return this.opening.then((c) => c.listRuns());
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.opening.then((c) => c.getRun(runId));
  }

  /** Writes the run report (self-contained HTML) and returns its path. */
  viewRun(runId?: string, outputFile?: string): Promise<string> {
    return this.opening.then((c) => c.viewRun(runId, outputFile));
  }

  async close(): Promise<void> {
    await (await this.opening).close();
  }
}

export { openCache };
