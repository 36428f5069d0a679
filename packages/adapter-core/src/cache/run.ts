import { join } from 'node:path';
import { composeCacheKey, sortedParts } from '../cache-key/cache-key.js';
import type { CachingBehavior } from '../behavior/caching-behavior.js';
import { resolveBehavior, type ResolvedBehavior } from '../behavior/resolve-behavior.js';
import {
  CorruptResultError,
  DagcacheError,
  NodeExecutionError,
  StoreUnavailableError,
  UnhashableValueError,
} from '../errors.js';
import { CachingEventType, type CachingEvent, type EventActor } from '../events/caching-event.js';
import { EventLog } from '../events/event-log.js';
import { sha256Base64Url } from '../fingerprint/index.js';
import type { FormatContext, FormatName } from '../formats/result-format.js';
import { MetadataStore, type LatestEntry, type MetadataEntry } from '../stores/metadata-store.js';
import type { ResultEntry } from '../stores/result-store.js';
import type { Cache } from './cache.js';
import type { StoreGuard } from './store-guard.js';
import { DISABLED_VERSION, UNHASHABLE_VERSION, isUnmatchable, nodeId, runFileName } from './markers.js';
import type {
  CacheKeyParts,
  NodeCall,
  NodeOutcome,
  NodeRecord,
  NodeRole,
  NodeStatus,
  RunOptions,
  RunRecord,
} from './types.js';

/** Data versions double as result ids, so they must be url-safe base64 of a sane length. */
const DATA_VERSION_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/** What a read answers when its store is unreachable: a miss that removes nothing. */
const UNREACHABLE = Symbol('unreachable');

/** A key found with its result (loaded, or only checked for lazy loads). */
interface Hit {
  dataVersion: string;
  value: unknown;
  loaded: boolean;
  byteSize?: number;
  format?: FormatName;
}

interface NodeState {
  behavior: CachingBehavior;
  /** Current data version for downstream keys; changes if a lazy result had to be recomputed. */
  dataVersion: string | null;
}

/**
 * One execution: a run id, its events and the state of every node it touched. Created by
 * `cache.startRun()`; adapters call `node()` once per node (or fan-out task) and `finish()` at the end.
 *
 * @example
 * ```ts
 * const run = cache.startRun({ tool: 'nx' });
 * const a = await run.node({ name: 'a', codeVersion: 'v1', dependencies: {}, execute: () => 1 });
 * const b = await run.node({ name: 'b', codeVersion: 'v1', dependencies: { a: a.dataVersion }, execute: () => 2 });
 * await run.finish();
 * ```
 */
export class Run {
  readonly id: string;
  readonly tool: string;
  // Sub-millisecond, so runs started in the same millisecond still list in the order they started.
  readonly startedAt = performance.timeOrigin + performance.now();
  readonly log: EventLog;
  private readonly records = new Map<string, NodeRecord>();
  private readonly states = new Map<string, NodeState>();
  private readonly resolved = new Map<string, ResolvedBehavior>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly writeErrors: Error[] = [];
  private latest = new Map<string, LatestEntry>();
  /** Nodes whose latest key was prefetched: with none found, the node never stored a key, so a miss needs no query. */
  private readonly prefetched = new Set<string>();
  /** Result entries read by `prefetch`, so lazy hits need no query each. */
  private known = new Map<string, ResultEntry>();
  private status: RunRecord['status'] = 'running';
  private finishedAt: number | undefined;

  constructor(
    private readonly cache: Cache,
    private readonly options: RunOptions & { runId: string },
  ) {
    this.id = options.runId;
    this.tool = options.tool ?? 'direct';
    this.log = new EventLog(
      cache.options.logToFile ? join(cache.path, 'logs', `${runFileName(this.id)}.jsonl`) : undefined,
    );
    for (const name of options.finalVars ?? []) this.emit('adapter', 'IS_FINAL_VAR', name);
  }

  /** Every event of this run so far. */
  get events(): readonly CachingEvent[] {
    return this.log.events;
  }

  /** Node records so far, keyed by `name` or `name::taskId`. */
  get nodes(): ReadonlyMap<string, NodeRecord> {
    return this.records;
  }

  emit(
    actor: EventActor,
    eventType: CachingEventType,
    nodeName: string,
    extra: { taskId?: string | undefined; msg?: string; value?: unknown } = {},
  ): void {
    this.log.push({ runId: this.id, actor, eventType, nodeName, timestamp: Date.now(), ...extra });
  }

  /**
   * Reads the latest cache key of each node in one query, so that a warm run's hits cost a comparison
   * instead of a store round trip each. Safe when the store is shared: a stale entry only means a
   * lookup that the store would have answered a moment earlier the same way.
   */
  async prefetch(nodes: readonly { nodeName: string; taskId?: string }[]): Promise<void> {
    const untrusted = new Set<string>();
    const latest = await this.guard.call(
      'metadata',
      () => this.cache.metadataStore.latest(nodes, untrusted),
      () => undefined,
    );
    // An unreachable store: no hints, every lookup asks (and finds the guard tripped).
    if (!latest) return;
    this.latest = latest;
    for (const n of nodes) {
      const id = MetadataStore.latestId(n.nodeName, n.taskId);
      // An untrusted hint says nothing: such a node's lookup reads (and reports) its key entry.
      if (!untrusted.has(id)) this.prefetched.add(id);
    }
    this.known = await this.guard.call(
      'results',
      () => this.cache.resultStore.entries([...this.latest.values()].map((l) => l.dataVersion)),
      () => new Map(),
    );
  }

  /** `onStoreUnavailable` after open: deadlines and failures of the server stores (see StoreGuard). */
  private get guard(): StoreGuard {
    return this.cache.storeGuard;
  }

  /** Resolves (once per run) and records a node's behavior, emitting RESOLVED_BEHAVIOR. */
  resolveBehavior(
    name: string,
    own: CachingBehavior | undefined,
    role: NodeRole | 'input' | undefined,
    taskId?: string,
  ): ResolvedBehavior {
    let r = this.resolved.get(name);
    if (!r) {
      // A store was unreachable and the cache runs uncached: every node runs as if disabled.
      r = this.cache.unavailable
        ? { behavior: 'disable', source: 'store-unavailable' }
        : resolveBehavior(this.cache.options, name, own, role);
      this.resolved.set(name, r);
      this.emit('adapter', 'RESOLVED_BEHAVIOR', name, { taskId, value: r.behavior, msg: r.source });
    }
    return r;
  }

  /** Behaviors resolved so far in this run. */
  get behaviors(): ReadonlyMap<string, ResolvedBehavior> {
    return this.resolved;
  }

  /**
   * Versions an external input by value (IS_INPUT). Inputs are never executed or stored. A behavior
   * list that names the input applies (`ignore` leaves it out of downstream keys).
   */
  input(name: string, value: unknown, kind: 'input' | 'default' = 'input'): string | null {
    const r = this.resolveBehavior(name, undefined, 'input');
    const dv = this.versionOrMarker(name, value, r.behavior);
    this.emit('adapter', kind === 'default' ? 'IS_DEFAULT_PARAMETER_VALUE' : 'IS_INPUT', name, { value: dv });
    this.remember(name, undefined, r.behavior, dv, kind === 'default' ? 'input' : 'input', r);
    return dv;
  }

  /** Versions an override (IS_OVERRIDE). Overrides are never stored. */
  override(name: string, value: unknown): string {
    const dv = this.cache.versionData(value, name);
    this.emit('adapter', 'IS_OVERRIDE', name, { value: dv });
    this.remember(name, undefined, 'default', dv, 'override', { behavior: 'default', source: 'node' });
    return dv;
  }

  private versionOrMarker(name: string, value: unknown, behavior: CachingBehavior): string | null {
    if (behavior === 'ignore') return null;
    if (behavior === 'disable') return DISABLED_VERSION;
    return this.cache.versionData(value, name);
  }

  private remember(
    name: string,
    taskId: string | undefined,
    behavior: CachingBehavior,
    dv: string | null,
    status: NodeStatus,
    r: ResolvedBehavior,
  ): void {
    const id = nodeId(name, taskId);
    this.states.set(id, { behavior, dataVersion: dv });
    this.records.set(id, {
      nodeName: name,
      taskId,
      status,
      behavior,
      behaviorSource: r.source,
      cacheKey: null,
      dataVersion: dv,
      durationMs: 0,
      startedAt: Date.now(),
      upstream: [],
    });
  }

  /** Data versions a key sees for the given dependencies: ignored ones dropped, disabled ones marked. */
  private keyDependencies(deps: Record<string, string | null>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of Object.keys(deps)) {
      const state = this.states.get(name);
      let dv = deps[name] ?? null;
      if (state?.behavior === 'ignore') dv = null;
      else if (state?.behavior === 'disable') dv = DISABLED_VERSION;
      if (dv !== null) out[name] = dv;
    }
    return out;
  }

  /**
   * The core contract: build the node's cache key, then retrieve its result or execute it, store what
   * needs storing, and emit an event for every decision. See `NodeCall` and `NodeOutcome`.
   */
  async node<T>(call: NodeCall<T>): Promise<NodeOutcome<T>> {
    const { name, taskId } = call;
    const id = nodeId(name, taskId);
    const started = performance.now();
    const startedAt = Date.now();
    const r = this.resolveBehavior(name, call.behavior, call.role, taskId);
    const behavior = r.behavior;
    const format = this.cache.formatFor(name, call.format);
    const record: NodeRecord = {
      nodeName: name,
      taskId,
      status: 'executed',
      behavior,
      behaviorSource: r.source,
      cacheKey: null,
      dataVersion: null,
      format,
      durationMs: 0,
      startedAt,
      upstream: Object.keys(call.dependencies),
      ...(call.details ? { details: call.details } : {}),
    };
    this.records.set(id, record);
    const finish = (status: NodeStatus, dv: string | null, key: string | null) => {
      record.status = status;
      record.dataVersion = dv;
      record.cacheKey = key;
      record.durationMs = performance.now() - started;
      this.states.set(id, { behavior, dataVersion: dv });
    };

    // disable / ignore: run as if caching were off; nothing is looked up, versioned or stored.
    if (behavior === 'disable' || behavior === 'ignore') {
      const value = await this.execute(call, record);
      finish(
        behavior === 'disable' ? 'disabled' : 'ignored',
        behavior === 'disable' ? DISABLED_VERSION : null,
        null,
      );
      return this.outcome(value, record, behavior);
    }

    const deps = this.keyDependencies(call.dependencies);
    const parts = sortedParts({
      nodeName: name,
      taskId,
      codeVersion: call.codeVersion,
      ...(call.codeParts ? { codeParts: call.codeParts } : {}),
      dependencies: deps,
    });
    const cacheKey = composeCacheKey(parts);
    const unmatchable = Object.values(deps).some(isUnmatchable);
    record.keyParts = parts;
    record.cacheKey = cacheKey;
    this.emit('adapter', 'SET_CACHE_KEY', name, { taskId, value: cacheKey });
    const ctx = this.formatContext(name);

    let lease: string | undefined;
    if (behavior === 'default' && !unmatchable) {
      const load = call.load ?? 'eager';
      const ttl = this.cache.ttlFor(name, call.ttlMs);
      const accept = call.acceptResult as ((value: unknown) => string | undefined) | undefined;
      let hit = await this.cache.singleFlight.run(`get:${cacheKey}`, () =>
        this.lookup(name, taskId, cacheKey, load, ctx, ttl, { accept }),
      );
      if (!hit && this.cache.leaseClient) {
        const claim = await this.claim(name, taskId, cacheKey, load, ctx, ttl, record, accept);
        if ('hit' in claim) hit = claim.hit;
        else lease = claim.lease;
      }
      if (hit) {
        record.byteSize = hit.byteSize;
        if (hit.format) record.format = hit.format;
        finish('retrieved', hit.dataVersion, cacheKey);
        const outcome = this.outcome(hit.value as T | undefined, record, behavior, hit.loaded);
        if (!hit.loaded) {
          // Lazy hit: reading the result is deferred; if it turns out to be gone or corrupt, the node
          // executes after all and its (maybe new) data version replaces the one downstream keys saw.
          let loading: Promise<T> | undefined;
          const hitVersion = hit.dataVersion;
          outcome.load = () =>
            (loading ??= this.loadLazy(call, record, hitVersion, cacheKey, parts, ctx).then((v) => {
              outcome.value = v;
              outcome.dataVersion = record.dataVersion;
              return v;
            }));
        }
        return outcome;
      }
    }
    try {
      return await this.executeAndStore(
        call,
        record,
        behavior,
        format,
        ctx,
        deps,
        parts,
        cacheKey,
        unmatchable,
        lease,
        finish,
      );
    } catch (err) {
      // Nothing was stored: free the key at once so a waiting neighbour runs it itself.
      if (lease) await this.cache.leaseClient!.release(lease).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Cross-process single-flight for a missed key: take its lease and execute, or wait while a
   * neighbour holds it and then retrieve what it stored. A holder that died stops renewing its lease,
   * which then expires and is taken over here. After taking a lease the key is read once more, since a
   * neighbour may have committed it between our lookup and our lease.
   */
  private async claim(
    name: string,
    taskId: string | undefined,
    cacheKey: string,
    load: 'eager' | 'lazy',
    ctx: FormatContext,
    ttl: number | undefined,
    record: NodeRecord,
    accept: ((value: unknown) => string | undefined) | undefined,
  ): Promise<{ hit: Hit } | { lease: string | undefined }> {
    const leases = this.cache.leaseClient!;
    let pause = this.cache.pollMs;
    let waitingSince: number | undefined;
    const started = performance.now();
    for (;;) {
      const claim = await this.guard.call(
        'leases',
        () => leases.claim(cacheKey),
        () => 'unavailable' as const,
      );
      // The lease store (or another) is unreachable: run uncached, as if alone.
      if (claim === 'unavailable') return { lease: undefined };
      // Waiting can also happen inside claim (a newcomer waits to be acknowledged by the processes
      // already on the cache); anything over a millisecond is worth showing.
      const waited = performance.now() - started;
      if (waited >= 1) record.waitedMs = waited;
      if (claim === 'alone') return { lease: cacheKey };
      if (claim === 'leased') {
        const hit = await this.lookup(name, taskId, cacheKey, load, ctx, ttl, {
          fresh: true,
          quietMiss: true,
          accept,
        });
        if (!hit) return { lease: cacheKey };
        await leases.release(cacheKey);
        return { hit };
      }
      if (waitingSince === undefined) {
        waitingSince = performance.now();
        this.emit('metadata_store', 'GET_DATA_VERSION', name, {
          taskId,
          msg: 'waiting: another process is executing this key',
        });
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 500);
      // A store died while waiting: the holder's result cannot be read, so execute instead.
      if (this.guard.tripped) return { lease: undefined };
      const hit = await this.lookup(name, taskId, cacheKey, load, ctx, ttl, { fresh: true, quietMiss: true, accept });
      if (hit) {
        record.waitedMs = performance.now() - started;
        return { hit };
      }
    }
  }

  private async executeAndStore<T>(
    call: NodeCall<T>,
    record: NodeRecord,
    behavior: CachingBehavior,
    format: FormatName,
    ctx: FormatContext,
    deps: Record<string, string>,
    parts: CacheKeyParts,
    cacheKey: string,
    unmatchable: boolean,
    lease: string | undefined,
    finish: (status: NodeStatus, dv: string | null, key: string | null) => void,
  ): Promise<NodeOutcome<T>> {
    const { name, taskId } = call;
    const id = nodeId(name, taskId);
    const keyOf = (dependencies: Record<string, string>): CacheKeyParts =>
      sortedParts({
        nodeName: name,
        taskId,
        codeVersion: call.codeVersion,
        ...(call.codeParts ? { codeParts: call.codeParts } : {}),
        dependencies,
      });
    // Miss (or recompute): execute, version, store.
    const value = await this.execute(call, record);
    let dv: string;
    try {
      dv = await this.versionResult(call, value);
    } catch (err) {
      if (err instanceof UnhashableValueError && this.cache.options.unhashable?.[name] === 'recompute') {
        this.emit('adapter', 'UNHASHABLE_DATA_VERSION', name, { taskId, msg: err.message });
        finish(behavior === 'recompute' ? 'recomputed' : 'executed', UNHASHABLE_VERSION, null);
        if (lease) await this.cache.leaseClient!.release(lease);
        return this.outcome(value, record, behavior);
      }
      record.status = 'failed';
      record.error = (err as Error).message;
      this.states.set(id, { behavior, dataVersion: null });
      throw err;
    }
    this.emit('adapter', 'SET_DATA_VERSION', name, { taskId, value: dv });

    // A dependency whose lazy result had to be recomputed may have a new data version by now: the
    // result belongs under the key built from what the node actually consumed.
    const now = this.keyDependencies(call.dependencies);
    if (Object.keys(now).some((k) => now[k] !== deps[k])) {
      deps = now;
      parts = keyOf(deps);
      cacheKey = composeCacheKey(parts);
      unmatchable = Object.values(deps).some(isUnmatchable);
      record.keyParts = parts;
      this.emit('adapter', 'SET_CACHE_KEY', name, { taskId, value: cacheKey, msg: 'dependency recomputed' });
    }

    finish(behavior === 'recompute' ? 'recomputed' : 'executed', dv, cacheKey);
    if (unmatchable) {
      if (lease) await this.cache.leaseClient!.release(lease);
    } else {
      try {
        await this.store(name, taskId, cacheKey, parts, dv, value, format, ctx, record, lease);
      } catch (err) {
        // The format could not hold the value: nothing was written, the node fails with that error.
        record.status = 'failed';
        record.error = (err as Error).message;
        this.states.set(id, { behavior, dataVersion: null });
        throw err;
      }
    }
    return this.outcome(value, record, behavior);
  }

  /** A result's data version: the adapter's own when it gives one (hashed into shape if need be). */
  private async versionResult<T>(call: NodeCall<T>, value: T): Promise<string> {
    if (!call.versionResult) return this.cache.versionData(value, call.name);
    const raw = await call.versionResult(value);
    return typeof raw === 'string' && DATA_VERSION_SHAPE.test(raw) ? raw : sha256Base64Url(String(raw));
  }

  private formatContext(nodeName: string): FormatContext {
    return { nodeName, fileDir: this.cache.fileDir };
  }

  private async execute<T>(call: NodeCall<T>, record: NodeRecord): Promise<T> {
    this.emit('adapter', 'EXECUTE_NODE', call.name, { taskId: call.taskId });
    try {
      return await call.execute();
    } catch (err) {
      record.status = 'failed';
      record.error = err instanceof Error ? err.message : String(err);
      record.durationMs = Date.now() - record.startedAt;
      this.states.set(nodeId(call.name, call.taskId), { behavior: record.behavior, dataVersion: null });
      this.emit('adapter', 'FAILED_EXECUTION', call.name, { taskId: call.taskId, msg: record.error });
      throw err instanceof NodeExecutionError ? err : new NodeExecutionError(call.name, call.taskId, err);
    }
  }

  /**
   * Looks a key up. Returns the hit (value loaded when eager), or undefined on a miss — including a
   * metadata entry whose result is gone or corrupt, which is reported and removed so it is not tried again.
   */
  private async lookup(
    name: string,
    taskId: string | undefined,
    cacheKey: string,
    load: 'eager' | 'lazy',
    ctx: FormatContext,
    ttl: number | undefined,
    how: { fresh?: boolean; quietMiss?: boolean; accept?: ((value: unknown) => string | undefined) | undefined } = {},
  ): Promise<Hit | undefined> {
    const latestId = MetadataStore.latestId(name, taskId);
    const latest = how.fresh ? undefined : this.latest.get(latestId);
    let dataVersion: string | undefined;
    let createdAt: number | undefined;
    if (latest && latest.cacheKey === cacheKey && (ttl === undefined || latest.createdAt !== undefined)) {
      dataVersion = latest.dataVersion;
      createdAt = latest.createdAt;
    } else if (!how.fresh && !latest && this.prefetched.has(latestId)) {
      dataVersion = undefined;
    } else {
      const onRejected = (why: string) =>
        this.emit('metadata_store', 'FAILED_RETRIEVAL', name, {
          taskId,
          msg: `untrusted key entry (${why}): ignored`,
          value: cacheKey,
        });
      const entry = await this.guard.call(
        'metadata',
        () =>
          how.fresh
            ? this.cache.metadataStore.read(cacheKey, onRejected)
            : this.cache.metadataStore.get(cacheKey, onRejected),
        () => undefined,
      );
      dataVersion = entry?.dataVersion;
      createdAt = entry?.createdAt;
    }
    if (dataVersion && ttl !== undefined && createdAt !== undefined && Date.now() - createdAt > ttl) {
      this.emit('metadata_store', 'GET_DATA_VERSION', name, {
        taskId,
        msg: `expired: stored ${Math.round((Date.now() - createdAt) / 1000)} s ago, ttl ${Math.round(ttl / 1000)} s`,
        value: dataVersion,
      });
      return undefined;
    }
    if (!dataVersion && how.quietMiss) return undefined;
    this.emit('metadata_store', 'GET_DATA_VERSION', name, {
      taskId,
      msg: dataVersion ? 'hit' : 'miss',
      ...(dataVersion ? { value: dataVersion } : {}),
    });
    if (!dataVersion) return undefined;
    if (load === 'lazy') {
      // The result is read only if something consumes it; existence is checked cheaply now so that
      // a metadata entry pointing at nothing is a miss rather than a surprise later.
      const entry =
        this.known.get(dataVersion) ??
        (await this.guard.call<ResultEntry | undefined | typeof UNREACHABLE>(
          'results',
          () => this.cache.resultStore.entry(dataVersion),
          () => UNREACHABLE,
        ));
      if (entry === UNREACHABLE) return undefined;
      if (!entry) {
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'MISSING_RESULT', 'result not found');
        return undefined;
      }
      const rejected = this.cache.resultStore.rejection(entry);
      if (rejected) {
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'FAILED_RETRIEVAL', rejected);
        return undefined;
      }
      // Logged as a retrieval (so `info` logs list it); the value itself is read on first use.
      this.emit('result_store', 'GET_RESULT', name, { taskId, msg: 'deferred', value: dataVersion });
      return { dataVersion, value: undefined, loaded: false, byteSize: entry.byteSize, format: entry.format };
    }
    try {
      const got = await this.readResult(dataVersion, ctx);
      if (got === UNREACHABLE) return undefined;
      if (!got) {
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'MISSING_RESULT', 'result not found');
        return undefined;
      }
      const unacceptable = how.accept?.(got.value);
      if (unacceptable) {
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'FAILED_RETRIEVAL', unacceptable);
        return undefined;
      }
      this.emit('result_store', 'GET_RESULT', name, { taskId, msg: 'hit', value: dataVersion });
      return {
        dataVersion,
        value: got.value,
        loaded: true,
        byteSize: got.entry.byteSize,
        format: got.entry.format,
      };
    } catch (err) {
      if (!(err instanceof CorruptResultError)) throw err;
      await this.dropBroken(name, taskId, cacheKey, dataVersion, 'FAILED_RETRIEVAL', err.message);
      return undefined;
    }
  }

  private async dropBroken(
    name: string,
    taskId: string | undefined,
    cacheKey: string,
    dataVersion: string,
    type: 'MISSING_RESULT' | 'FAILED_RETRIEVAL',
    msg: string,
  ): Promise<void> {
    this.emit('result_store', type, name, { taskId, msg, value: dataVersion });
    this.latest.delete(MetadataStore.latestId(name, taskId));
    await this.guard.call(
      'metadata',
      () => this.cache.metadataStore.delete(cacheKey),
      () => undefined,
    );
    if (type === 'FAILED_RETRIEVAL')
      await this.guard.call(
        'results',
        () => this.cache.resultStore.delete(dataVersion),
        () => undefined,
      );
  }

  /** Reads a result; UNREACHABLE when its store is (a miss that removes nothing). */
  private readResult(
    dataVersion: string,
    ctx: FormatContext,
  ): Promise<{ value: unknown; entry: ResultEntry } | undefined | typeof UNREACHABLE> {
    // A transfer: reading a large result may rightly take longer than a lookup.
    return this.guard.call<{ value: unknown; entry: ResultEntry } | undefined | typeof UNREACHABLE>(
      'results',
      () => this.cache.resultStore.get(dataVersion, ctx),
      () => UNREACHABLE,
      true,
    );
  }

  private async loadLazy<T>(
    call: NodeCall<T>,
    record: NodeRecord,
    dataVersion: string,
    cacheKey: string,
    parts: CacheKeyParts,
    ctx: FormatContext,
  ): Promise<T> {
    const { name, taskId } = call;
    try {
      const got = await this.readResult(dataVersion, ctx);
      const unacceptable = got && got !== UNREACHABLE ? call.acceptResult?.(got.value as T) : undefined;
      if (got && got !== UNREACHABLE && !unacceptable) {
        this.emit('result_store', 'GET_RESULT', name, { taskId, msg: 'hit', value: dataVersion });
        return got.value as T;
      }
      if (unacceptable)
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'FAILED_RETRIEVAL', unacceptable);
      else if (!got)
        await this.dropBroken(name, taskId, cacheKey, dataVersion, 'MISSING_RESULT', 'result not found');
    } catch (err) {
      if (!(err instanceof CorruptResultError)) throw err;
      await this.dropBroken(name, taskId, cacheKey, dataVersion, 'FAILED_RETRIEVAL', err.message);
    }
    const started = performance.now();
    const value = await this.execute(call, record);
    const dv = await this.versionResult(call, value);
    this.emit('adapter', 'SET_DATA_VERSION', name, { taskId, value: dv });
    record.status = 'executed';
    record.dataVersion = dv;
    record.durationMs += performance.now() - started;
    this.states.set(nodeId(name, taskId), { behavior: record.behavior, dataVersion: dv });
    await this.store(name, taskId, cacheKey, parts, dv, value, record.format ?? 'pickle', ctx, record);
    return value;
  }

  private async store(
    name: string,
    taskId: string | undefined,
    cacheKey: string,
    parts: CacheKeyParts,
    dv: string,
    value: unknown,
    format: FormatName,
    ctx: FormatContext,
    record: NodeRecord,
    lease?: string,
  ): Promise<void> {
    // Result first, metadata second: a key never points at a result that is not fully written.
    // Equal results of concurrent nodes are written once (content addressing, within this process too).
    let mine = false;
    const res = await this.guard.call(
      'results',
      () =>
        this.cache.singleFlight.run(`set:${dv}`, () => {
          mine = true;
          return this.cache.resultStore.set(dv, value, format, ctx);
        }),
      () => undefined,
      true,
    );
    if (!res) {
      // The result store is unreachable: the value is the node's all the same, only not stored.
      if (lease) await this.cache.leaseClient!.release(lease);
      return;
    }
    record.byteSize = res.entry.byteSize;
    // The result is encoded (format errors surfaced above); committing it and then its metadata happens
    // in the background, batched with other nodes' writes, so a key never points at an uncommitted
    // result. finish() waits for both.
    const entry: MetadataEntry = {
      dataVersion: dv,
      nodeName: name,
      taskId,
      keyParts: parts,
      format,
      runId: this.id,
      createdAt: Date.now(),
    };
    this.cache.metadataStore.announce(cacheKey, entry);
    // Transfers: the result's bytes (and the batch its key joins) may rightly take a while to commit.
    const committed = (async () => {
      const written = await this.guard.call(
        'results',
        () => res.written,
        () => undefined,
        true,
      );
      // No result, no key: a key never points at a result that is not there.
      if (written === undefined) return;
      if (written && mine) this.emit('result_store', 'SET_RESULT', name, { taskId, value: dv });
      const set = await this.guard.call(
        'metadata',
        async () => (await this.cache.metadataStore.set(cacheKey, entry), true),
        () => false,
        true,
      );
      if (set) this.emit('metadata_store', 'SET_DATA_VERSION', name, { taskId, value: dv });
    })();
    // The lease is freed once the key is committed: a waiting neighbour then finds it.
    this.track(lease ? committed.finally(() => this.cache.leaseClient!.release(lease)) : committed);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err) => {
      this.writeErrors.push(err as Error);
    });
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }

  private outcome<T>(
    value: T | undefined,
    record: NodeRecord,
    behavior: CachingBehavior,
    loaded = true,
  ): NodeOutcome<T> {
    const outcome: NodeOutcome<T> = {
      value: loaded ? value : undefined,
      load: async () => value as T,
      dataVersion: record.dataVersion,
      cacheKey: record.cacheKey,
      status: record.status,
      behavior,
      durationMs: record.durationMs,
    };
    return outcome;
  }

  /** Marks a node that did not run because something it needs failed. */
  skip(name: string, taskId: string | undefined, upstream: string[], reason: string): void {
    const r = this.resolved.get(name);
    this.records.set(nodeId(name, taskId), {
      nodeName: name,
      taskId,
      status: 'skipped',
      behavior: r?.behavior ?? 'default',
      ...(r ? { behaviorSource: r.source } : {}),
      cacheKey: null,
      dataVersion: null,
      durationMs: 0,
      startedAt: Date.now(),
      upstream,
      error: reason,
    });
  }

  /** Records extra upstream edges (e.g. a fan-out item's expand node) for drawing the DAG. */
  setUpstream(name: string, taskId: string | undefined, upstream: string[]): void {
    const rec = this.records.get(nodeId(name, taskId));
    if (rec) rec.upstream = upstream;
  }

  /** The run as persisted. */
  toRecord(): RunRecord {
    return {
      runId: this.id,
      tool: this.tool,
      startedAt: this.startedAt,
      ...(this.finishedAt !== undefined ? { finishedAt: this.finishedAt } : {}),
      status: this.status,
      finalVars: [...(this.options.finalVars ?? [])],
      labels: { ...(this.options.labels ?? {}) },
      nodes: Object.fromEntries(this.records),
      events: [...this.log.events],
    };
  }

  /** True once `finish()` was called. */
  get finished(): boolean {
    return this.finishedAt !== undefined;
  }

  /** Persists the run record so far; adapters with no natural end (a Temporal worker) call it after each node. */
  async flush(): Promise<void> {
    await this.commitWrites();
    const record = this.toRecord();
    await this.guard.call(
      'metadata',
      () => this.cache.metadataStore.putRun(record),
      () => undefined,
      true,
    );
    this.throwWriteError();
  }

  /** The first background write that failed, as the run's error; a store's own is thrown as it is. */
  private throwWriteError(): void {
    const err = this.writeErrors.shift();
    if (!err) return;
    if (err instanceof StoreUnavailableError) throw err;
    throw new DagcacheError(`run ${this.id}: a cache write failed: ${err.message}`, { cause: err });
  }

  /** Waits until every result and key written by this run is committed. */
  async commitWrites(): Promise<void> {
    while (this.pending.size) {
      // Commit now instead of waiting for the batch timers: results first, then the metadata that
      // their commits queue.
      await this.guard.call(
        'results',
        () => this.cache.resultStore.flush(),
        () => undefined,
        true,
      );
      await new Promise((r) => setImmediate(r));
      await this.guard.call(
        'metadata',
        () => this.cache.metadataStore.flush(),
        () => undefined,
        true,
      );
      await Promise.all(this.pending);
    }
  }

  /** Ends the run: waits for pending writes and persists the run record. */
  async finish(status?: 'succeeded' | 'failed'): Promise<RunRecord> {
    this.status =
      status ?? ([...this.records.values()].some((r) => r.status === 'failed') ? 'failed' : 'succeeded');
    this.finishedAt = Date.now();
    await this.commitWrites();
    // Results and keys are committed; the run record (large, and only read by tools) is written in the
    // background. The cache waits for it before anything reads runs, and on close().
    const record = this.toRecord();
    // A run that found a store down keeps its record in memory only (dr.cache.getRun still has it).
    if (!this.guard.tripped) {
      this.cache.trackRecordWrite(
        this.guard.call(
          'metadata',
          () => this.cache.metadataStore.putRun(record),
          () => undefined,
          true,
        ),
      );
      this.cache.scheduleEviction();
    }
    this.throwWriteError();
    return record;
  }
}
