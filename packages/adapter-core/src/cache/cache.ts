import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { validateBehaviorConfig } from '../behavior/resolve-behavior.js';
import { versionCode } from '../code-version/version-code.js';
import { ConfigError, DagcacheError, StoreUnavailableError } from '../errors.js';
import { groupByNode } from '../events/event-log.js';
import type { CachingEvent, LogLevel } from '../events/caching-event.js';
import { fingerprint } from '../fingerprint/index.js';
import { parseFormatName } from '../formats/registry.js';
import type { FormatName } from '../formats/result-format.js';
import { MetadataStore, type RunSummary } from '../stores/metadata-store.js';
import { ResultStore } from '../stores/result-store.js';
import type { LeaseLock } from '../stores/locks/index.js';
import { Signer } from '../stores/signer.js';
import { explainSqliteError } from '../stores/sqlite-damage.js';
import { openStores } from './open-stores.js';
import { DEFAULT_LEASE_MS, LeaseClient } from './lease-client.js';
import { checkRunId, nodeId, runFileName } from './markers.js';
import { Run } from './run.js';
import { SingleFlight } from './single-flight.js';
import { StoreGuard, type ServerStores } from './store-guard.js';
import type { CacheOptions, RunOptions, RunRecord, WhyAnswer } from './types.js';
import { explainMiss } from './why.js';

const MAX_RUNS_IN_MEMORY = 500;

/** Every option `openCache` takes (adapters that forward options use this list rather than a copy). */
export const CACHE_OPTION_NAMES = [
  'path',
  'metadataStore',
  'resultDir',
  'formats',
  'defaultFormat',
  'formatOptions',
  'logToFile',
  'unhashable',
  'fileDir',
  'default',
  'recompute',
  'disable',
  'ignore',
  'defaultBehavior',
  'defaultLoaderBehavior',
  'defaultSaverBehavior',
  'store',
  'resultStore',
  'singleFlight',
  'ttlMs',
  'nodeTtlMs',
  'maxBytes',
  'evictionGraceMs',
  'maxResultBytes',
  'signingKeyEnv',
  'onStoreUnavailable',
  'connectTimeoutMs',
] as const satisfies readonly (keyof CacheOptions)[];

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(CACHE_OPTION_NAMES);

/** Validates options once, before anything runs; every problem is a `ConfigError` naming the option. */
export function validateCacheOptions(options: CacheOptions, knownNames?: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ConfigError(`unknown cache option "${key}"`);
  }
  validateBehaviorConfig(options, knownNames);
  for (const [node, f] of Object.entries(options.formats ?? {})) {
    parseFormatName(f, `formats.${node}`);
    if (knownNames && !knownNames.has(node)) throw new ConfigError(`formats: unknown node "${node}"`);
  }
  if (options.defaultFormat !== undefined) parseFormatName(options.defaultFormat, 'defaultFormat');
  validateStoreOptions(options, knownNames);
  for (const [node, v] of Object.entries(options.unhashable ?? {})) {
    if (v !== 'error' && v !== 'recompute') {
      throw new ConfigError(`unhashable.${node}: expected "error" or "recompute", got ${JSON.stringify(v)}`);
    }
  }
}

function positive(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    throw new ConfigError(`${name}: expected a positive number, got ${JSON.stringify(value)}`);
  }
}

function validateStoreOptions(options: CacheOptions, knownNames?: ReadonlySet<string>): void {
  for (const name of ['ttlMs', 'maxBytes', 'evictionGraceMs', 'maxResultBytes', 'connectTimeoutMs'] as const)
    positive(options[name], name);
  for (const [node, ms] of Object.entries(options.nodeTtlMs ?? {})) {
    positive(ms, `nodeTtlMs.${node}`);
    if (knownNames && !knownNames.has(node)) throw new ConfigError(`nodeTtlMs: unknown node "${node}"`);
  }
  const sf = options.singleFlight;
  if (sf !== undefined && typeof sf !== 'boolean') {
    if (typeof sf !== 'object' || sf === null)
      throw new ConfigError(
        `singleFlight: expected true, false or { leaseMs, pollMs }, got ${JSON.stringify(sf)}`,
      );
    for (const key of Object.keys(sf)) {
      if (key !== 'leaseMs' && key !== 'pollMs')
        throw new ConfigError(`singleFlight: unknown option "${key}" (use leaseMs, pollMs)`);
    }
    positive(sf.leaseMs, 'singleFlight.leaseMs');
    positive(sf.pollMs, 'singleFlight.pollMs');
  }
  if (
    options.onStoreUnavailable !== undefined &&
    options.onStoreUnavailable !== 'error' &&
    options.onStoreUnavailable !== 'disable'
  ) {
    throw new ConfigError(
      `onStoreUnavailable: expected "error" or "disable", got ${JSON.stringify(options.onStoreUnavailable)}`,
    );
  }
  for (const name of ['store', 'resultStore', 'signingKeyEnv'] as const) {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw new ConfigError(`${name}: expected a non-empty string, got ${JSON.stringify(v)}`);
  }
}

/**
 * Opens (creating if needed) a cache: the metadata store (Keyv; SQLite at `<path>/meta.sqlite` unless
 * told otherwise) and the result store (`<path>/results`). Configuration is checked here, so a bad
 * option fails before anything runs.
 *
 * @example
 * ```ts
 * const cache = await openCache({ path: '.dagcache', recompute: ['train'] });
 * const run = cache.startRun({ tool: 'direct' });
 * const out = await run.node({ name: 'train', codeVersion: 'v1', dependencies: {}, execute: () => fit() });
 * await run.finish();
 * await cache.close();
 * ```
 */
export async function openCache(options: CacheOptions = {}): Promise<Cache> {
  validateCacheOptions(options);
  const path = resolve(options.path ?? '.dagcache');
  await mkdir(path, { recursive: true });
  const signer = Signer.fromEnvironment(options.signingKeyEnv);
  let stores: Awaited<ReturnType<typeof openStores>>;
  let metadataStore: MetadataStore;
  let resultStore: ResultStore;
  let summaries: Awaited<ReturnType<MetadataStore['listRuns']>>;
  try {
    stores = await openStores(options, path);
    metadataStore = new MetadataStore(stores.factory, signer);
    resultStore = new ResultStore(stores.results, { signer, maxResultBytes: options.maxResultBytes });
    summaries = await metadataStore.listRuns();
  } catch (err) {
    // A damaged or read-only SQLite file: one error naming it and the way out, not a bare SQLITE_NOTADB.
    throw (await explainSqliteError(err, path)) ?? err;
  }
  const cache = new Cache(
    path,
    options,
    metadataStore,
    resultStore,
    summaries.map((s) => s.runId),
    stores.leases,
    stores.unavailable,
    stores.servers,
  );
  await cache.leaseClient?.start();
  return cache;
}

/** An open cache. Made by `openCache`; shared by every way in (direct API, Nx, Temporal). */
export class Cache {
  readonly singleFlight = new SingleFlight();
  /** What `onStoreUnavailable` does when a server store fails after the cache opened. */
  readonly storeGuard: StoreGuard;
  /** This process's leases for single-flight across processes; undefined when it is off. */
  readonly leaseClient: LeaseClient | undefined;
  /** First poll interval of a process waiting for a neighbour's result. */
  readonly pollMs: number;
  readonly fileDir: string;
  private readonly ownRuns = new Map<string, Run>();
  private readonly recordWrites = new Set<Promise<void>>();
  private recordWriteError: Error | undefined;
  private readonly allRunIds: string[];

  constructor(
    readonly path: string,
    readonly options: CacheOptions,
    readonly metadataStore: MetadataStore,
    readonly resultStore: ResultStore,
    persistedRunIds: string[],
    /** Leases for single-flight across processes; undefined when it is off. */
    readonly leases?: LeaseLock,
    /** Why the cache runs uncached (a store was unreachable and `onStoreUnavailable` is `disable`). */
    readonly unavailable?: string,
    /** The server stores (Postgres, Redis), whose failures `storeGuard` handles. */
    servers: ServerStores = {},
  ) {
    this.storeGuard = new StoreGuard(
      options.onStoreUnavailable ?? 'error',
      options.connectTimeoutMs ?? 5_000,
      servers,
    );
    this.fileDir = resolve(options.fileDir ?? resolve(path, 'files'));
    const sf = typeof options.singleFlight === 'object' ? options.singleFlight : {};
    this.leaseClient = leases ? new LeaseClient(leases, sf.leaseMs ?? DEFAULT_LEASE_MS) : undefined;
    this.pollMs = sf.pollMs ?? 50;
    this.allRunIds = [...persistedRunIds];
  }

  /** Starts a run. Behavior lists are checked against `nodeNames` when given. */
  startRun(options: RunOptions = {}): Run {
    if (options.nodeNames) validateCacheOptions(this.options, new Set(options.nodeNames));
    const runId = options.runId === undefined ? randomUUID() : checkRunId(options.runId);
    if (this.ownRuns.has(runId))
      throw new DagcacheError(`run "${runId}" was already started in this process`);
    // Each run tries the server stores again: one that was down may be back.
    this.storeGuard.retry();
    const run = new Run(this, { ...options, runId });
    this.ownRuns.set(runId, run);
    // A long-lived process (a Temporal worker) starts runs without end: keep the newest in memory;
    // older ones are still in the store (getRun, logsOf).
    if (this.ownRuns.size > MAX_RUNS_IN_MEMORY) {
      for (const [id, r] of this.ownRuns) {
        if (this.ownRuns.size <= MAX_RUNS_IN_MEMORY) break;
        if (r.finished) this.ownRuns.delete(id);
      }
    }
    this.allRunIds.push(runId);
    return run;
  }

  /** Keeps a background run-record write in view, so readers of runs and close() wait for it. */
  trackRecordWrite(write: Promise<void>): void {
    const p = write.catch((err: Error) => {
      this.recordWriteError ??= err;
    });
    this.recordWrites.add(p);
    void p.finally(() => this.recordWrites.delete(p));
  }

  /** Waits for background run-record writes; reports the first one that failed. */
  async settled(): Promise<void> {
    while (this.recordWrites.size) await Promise.all(this.recordWrites);
    const err = this.recordWriteError;
    this.recordWriteError = undefined;
    if (err instanceof StoreUnavailableError) throw err;
    if (err) throw new DagcacheError(`writing a run record failed: ${err.message}`, { cause: err });
  }

  /** Data version (fingerprint) of a value; `root` names it in error paths. */
  versionData(value: unknown, root = 'value'): string {
    return fingerprint(value, { root });
  }

  /** Code version of function source (comments and formatting removed). */
  versionCode(source: string | ((...args: any[]) => unknown), helpers: readonly unknown[] = []): string {
    return versionCode(source, helpers);
  }

  /** Format a node's result is written in: config `formats`, then the node's own, then `defaultFormat`. */
  formatFor(name: string, own: FormatName | undefined): FormatName {
    const f = this.options.formats?.[name] ?? own ?? this.options.defaultFormat ?? 'pickle';
    return parseFormatName(f, `format of node "${name}"`);
  }

  /** Every run id known to this cache (persisted ones first), oldest first. */
  get runIds(): string[] {
    return [...this.allRunIds];
  }

  /** Id of the last run started (in this process, or else the newest persisted one). */
  get lastRunId(): string {
    const id = this.allRunIds[this.allRunIds.length - 1];
    if (!id) throw new DagcacheError('no run yet: lastRunId is only known after a run has started');
    return id;
  }

  /** A run started by this process, if it is one. */
  ownRun(runId: string): Run | undefined {
    return this.ownRuns.get(runId);
  }

  /** A run's record: live for runs of this process, from the store otherwise. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const own = this.ownRuns.get(runId);
    if (own) return own.toRecord();
    await this.settled();
    return this.metadataStore.getRun(runId);
  }

  /** Summaries of every persisted run, oldest first. */
  async listRuns(): Promise<RunSummary[]> {
    await this.settled();
    return this.metadataStore.listRuns();
  }

  /**
   * Events of runs. Without a run id: `{ runId: events[] }` for the runs of this process. With one:
   * events grouped by node (`name` or `name::taskId`), at `info` (retrieved and executed) or `debug` (all).
   */
  logs(): Record<string, CachingEvent[]>;
  logs(runId: string, level?: LogLevel): Record<string, CachingEvent[]>;
  logs(runId?: string, level: LogLevel = 'info'): Record<string, CachingEvent[]> {
    if (runId === undefined) {
      return Object.fromEntries([...this.ownRuns].map(([id, run]) => [id, [...run.events]]));
    }
    const run = this.ownRuns.get(runId);
    if (!run)
      throw new DagcacheError(
        `logs: run "${runId}" is not a run of this process; use logsOf() for stored runs`,
      );
    return groupByNode(run.events, level);
  }

  /** Like `logs(runId, level)` but for any run, reading the store when the run is not in memory. */
  async logsOf(runId: string, level: LogLevel = 'info'): Promise<Record<string, CachingEvent[]>> {
    const rec = await this.getRun(runId);
    if (!rec) throw new DagcacheError(`unknown run "${runId}"`);
    return groupByNode(rec.events, level);
  }

  /** Cache key of a node in a run, or null (disabled, ignored, input, never ran). */
  async getCacheKey(runId: string, nodeName: string, taskId?: string): Promise<string | null> {
    const rec = await this.getRun(runId);
    return rec?.nodes[nodeId(nodeName, taskId)]?.cacheKey ?? null;
  }

  /** Data version of a node in a run (or of a cache key, from the metadata store), or null. */
  async getDataVersion(
    runId: string,
    nodeName: string,
    cacheKey?: string,
    taskId?: string,
  ): Promise<string | null> {
    const rec = await this.getRun(runId);
    const fromRun = rec?.nodes[nodeId(nodeName, taskId)]?.dataVersion;
    if (fromRun) return fromRun;
    if (cacheKey) return (await this.metadataStore.get(cacheKey))?.dataVersion ?? null;
    return null;
  }

  /**
   * Why a node ran (or was retrieved) in a run: which part of its cache key changed against the most
   * recent earlier run that had the node. `runId` defaults to the last run.
   */
  async why(runId: string | undefined, nodeName: string, taskId?: string): Promise<WhyAnswer> {
    const key = nodeId(nodeName, taskId);
    const summaries = await this.listRuns();
    const ids = summaries.map((s) => s.runId);
    for (const own of this.ownRuns.keys()) if (!ids.includes(own)) ids.push(own);
    let id = runId;
    let rec: RunRecord | undefined;
    if (id === undefined) {
      // The newest run that has the node: with one run per Nx task, the newest run is usually another node's.
      for (let i = ids.length - 1; i >= 0 && !rec; i--) {
        const r = await this.getRun(ids[i]!);
        if (r?.nodes[key]) {
          rec = r;
          id = r.runId;
        }
      }
      if (!rec) throw new DagcacheError(`why: no run has node "${key}"`);
    } else {
      rec = await this.getRun(id);
      if (!rec) throw new DagcacheError(`why: unknown run "${id}"`);
    }
    const node = rec.nodes[key];
    if (!node) throw new DagcacheError(`why: node "${key}" is not in run "${id}"`);
    const here = ids.indexOf(id!);
    const earlier = (here === -1 ? ids : ids.slice(0, here)).filter((r) => r !== id).reverse();
    for (const prevId of earlier) {
      const prev = await this.getRun(prevId);
      const prevNode = prev?.nodes[key];
      if (prevNode?.keyParts) return explainMiss(id!, node, prevId, prevNode);
    }
    return explainMiss(id!, node, null, undefined);
  }

  /**
   * Writes the run report (one self-contained HTML file) and returns its path. Defaults: the last run,
   * `<path>/reports/<runId>.html`. Earlier runs, the run's group and the previous run (for comparison)
   * are included, so the page can explain why each node ran.
   */
  async viewRun(runId?: string, outputFile?: string): Promise<string> {
    const id = runId ?? this.lastRunId;
    const { renderRunHtml, viewerInputFor } = await import('@dagcache/viewer');
    const summaries = await this.listRuns();
    const idx = summaries.findIndex((s) => s.runId === id);
    const previous = idx > 0 ? summaries[idx - 1]!.runId : undefined;
    const input = await viewerInputFor(this, id, previous);
    if (!input) throw new DagcacheError(`viewRun: unknown run "${id}"`);
    const file = resolve(outputFile ?? resolve(this.path, 'reports', `${runFileName(id)}.html`));
    await mkdir(resolve(file, '..'), { recursive: true });
    await writeFile(file, renderRunHtml(input));
    return file;
  }

  /** TTL of a node: `nodeTtlMs`, then the node's own, then `ttlMs`; undefined for none. */
  ttlFor(name: string, own: number | undefined): number | undefined {
    return this.options.nodeTtlMs?.[name] ?? own ?? this.options.ttlMs;
  }

  private evicting: Promise<void> | undefined;
  private evictAgain = false;

  /**
   * Keeps the result store under `maxBytes` (called after each run, in the background): evicts least
   * recently used results, never one used within `evictionGraceMs`. One pass at a time; runs that
   * finish during a pass ask for one more, so a worker finishing runs constantly does not queue passes.
   */
  scheduleEviction(): void {
    const max = this.options.maxBytes;
    if (max === undefined || this.unavailable) return;
    if (this.evicting) {
      this.evictAgain = true;
      return;
    }
    const pass = async (): Promise<void> => {
      const { evictToSize } = await import('../maintenance/evict.js');
      do {
        this.evictAgain = false;
        await evictToSize(this, max, this.options.evictionGraceMs);
      } while (this.evictAgain);
    };
    this.evicting = pass().finally(() => {
      this.evicting = undefined;
    });
    // An unreachable server store is handled as everywhere else (onStoreUnavailable).
    this.trackRecordWrite(this.evicting.catch((err: unknown) => this.storeGuard.fail('results', err)));
  }

  async close(): Promise<void> {
    await this.settled();
    if (this.leaseClient) await this.storeGuard.close('leases', () => this.leaseClient!.close());
    const guard = this.storeGuard;
    await Promise.all([
      guard.close('metadata', () => this.metadataStore.close()),
      guard.close('results', () => this.resultStore.close()),
      this.leases ? guard.close('leases', () => this.leases!.close()) : undefined,
    ]);
  }
}
