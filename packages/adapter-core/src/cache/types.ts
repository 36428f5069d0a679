// The adapter-facing API built on these types (openCache, startRun, run.node, listRuns, why…) is described in
// packages/adapter-core/docs/core-api.md — read it before building an adapter.
import type { CachingBehavior } from '../behavior/caching-behavior.js';
import type { CachingEvent } from '../events/caching-event.js';
import type { FormatName } from '../formats/result-format.js';

/**
 * How a node ended a run. Every node that a run touched has exactly one.
 * `retrieved`: served from the cache. `executed`: ran on a miss (behavior `default`).
 * `recomputed`: ran because its behavior is `recompute`. `disabled` / `ignored`: ran with caching off.
 * `input` / `override`: a value given by the caller. `failed`: its function threw.
 * `skipped`: not run because a node it depends on failed.
 */
export type NodeStatus =
  | 'retrieved'
  | 'executed'
  | 'recomputed'
  | 'disabled'
  | 'ignored'
  | 'input'
  | 'override'
  | 'failed'
  | 'skipped';

/** Node role, for `defaultLoaderBehavior` / `defaultSaverBehavior`, and `expand` (always recompute). */
export type NodeRole = 'loader' | 'saver' | 'expand' | 'collect';

/** A behavior list: node names, or `true` for every node. */
export type BehaviorList = true | readonly string[];

/** Where a node's resolved behavior came from (shown by the viewer and `resolveBehaviors`). */
export type BehaviorSource =
  | 'expand'
  | 'config.default'
  | 'config.recompute'
  | 'config.disable'
  | 'config.ignore'
  | 'node'
  | 'defaultLoaderBehavior'
  | 'defaultSaverBehavior'
  | 'defaultBehavior'
  | 'input'
  | 'store-unavailable';

/** Behavior configuration, shared by `openCache`, `Builder.withCache`, the Nx plugin and the Temporal interceptor. */
export interface BehaviorConfig {
  default?: BehaviorList;
  recompute?: BehaviorList;
  disable?: BehaviorList;
  ignore?: BehaviorList;
  /** Behavior of function nodes that no list and no node option names. Inputs are not affected. */
  defaultBehavior?: CachingBehavior;
  defaultLoaderBehavior?: CachingBehavior;
  defaultSaverBehavior?: CachingBehavior;
}

/** Options of `openCache` (and `Builder.withCache`). */
export interface CacheOptions extends BehaviorConfig {
  /** Folder for the default SQLite metadata store, results and logs. Default `.dagcache`. */
  path?: string;
  /**
   * Metadata store: a Keyv instance, any Keyv store adapter, or a URL
   * (`sqlite://file.sqlite`, `postgres://…`, `postgresql://…`, `redis://…`). Default `sqlite://<path>/meta.sqlite`.
   */
  metadataStore?: unknown;
  /** Result store folder. Default `<path>/results`. */
  resultDir?: string;
  /** Per-node formats (`{ clean: 'parquet' }`), taking precedence over a node's own `format`. */
  formats?: Record<string, FormatName>;
  /** Format for nodes that name none. Default `pickle` (node:v8 structured serialization). */
  defaultFormat?: FormatName;
  /** Options per format, e.g. `{ parquet: { compression: 'zstd' } }`. */
  formatOptions?: Partial<Record<FormatName, Record<string, unknown>>>;
  /** Append every event as one JSON line to `<path>/logs/<runId>.jsonl` (a run id that is not a plain file name is hashed: `run-<hash>.jsonl`). */
  logToFile?: boolean;
  /** Nodes whose values may be unfingerprintable: such a node always executes instead of failing. */
  unhashable?: Record<string, 'error' | 'recompute'>;
  /** Folder where restored `file`-format results are placed. Default `<path>/files`. */
  fileDir?: string;
  /**
   * One URL for a shared cache: metadata, results and single-flight leases on one server
   * (`postgres://…`, `redis://…`; `?namespace=NAME` keeps caches that share a server apart).
   * `metadataStore` / `resultStore` override it per store. Default: SQLite and files under `path`.
   */
  store?: string;
  /** Result store URL: `file://DIR` (default `<path>/results`), `postgres://…` or `redis://…` (large results chunked). */
  resultStore?: string;
  /**
   * When processes need the same cache key at once, one executes and the others wait, then retrieve.
   * Leases live with the metadata store (`<path>/locks.sqlite` for SQLite); a lease not renewed (its
   * process died) is taken over after `leaseMs` (default 30 s). `false` turns it off. Default on.
   */
  singleFlight?: boolean | SingleFlightOptions;
  /** Results older than this (since stored) are not served: the node runs again. Default: no limit. */
  ttlMs?: number;
  /** Per-node TTLs: these first, then the node's own `ttlMs`, then `ttlMs`. */
  nodeTtlMs?: Record<string, number>;
  /**
   * Size cap of the result store in bytes: after a run, least recently used results are evicted until
   * the store fits. Results used within the last `evictionGraceMs` are never evicted (a process may be
   * reading them).
   */
  maxBytes?: number;
  /** Results used (or stored) this recently are safe from eviction. Default 10 minutes. */
  evictionGraceMs?: number;
  /** Encoded results larger than this are refused with a `ResultTooLargeError`. Default: no limit. */
  maxResultBytes?: number;
  /**
   * Environment variable holding the HMAC key for signing metadata and results. Without this option,
   * `DAGCACHE_SIGNING_KEY` is used when set. With signing on, unsigned or tampered entries are misses.
   */
  signingKeyEnv?: string;
  /**
   * What to do when a Postgres or Redis store cannot be reached or fails, at open or at any point after:
   * `error` (default; one `StoreUnavailableError` naming the store) or `disable` (the run returns its
   * values uncached, with one warning naming the store; recommended for CI). See `StoreGuard`.
   */
  onStoreUnavailable?: 'error' | 'disable';
  /**
   * Deadline of each call to a Postgres or Redis store, and of opening it. Default 5,000 ms; calls that
   * move a result's bytes get ten times as long.
   */
  connectTimeoutMs?: number;
}

/** Options of cross-process single-flight. */
export interface SingleFlightOptions {
  /** Lease length; a holder renews it every third of it while executing. Default 30,000 ms. */
  leaseMs?: number;
  /** How often a waiter checks for the result or a free lease. Default 50 ms (rising to 500 ms). */
  pollMs?: number;
}

/** Options of `cache.startRun`. */
export interface RunOptions {
  /** Which way in started the run: `direct`, `nx`, `temporal`, or your own. */
  tool?: string;
  /** Give a run id instead of a random UUID (e.g. Nx's task id). */
  runId?: string;
  /** Names every node that may take part, for validating behavior lists and prefetching metadata. */
  nodeNames?: readonly string[];
  /** Final vars of the run (logged as IS_FINAL_VAR). */
  finalVars?: readonly string[];
  /** Free-form labels kept with the run record (shown by `dagcache runs`). */
  labels?: Record<string, string>;
}

/**
 * One node call, from an adapter to core (see `Run.node`).
 *
 * @example
 * ```ts
 * const out = await run.node({
 *   name: 'build-lib', codeVersion: 'sha…', dependencies: { 'lib-a': outA.dataVersion },
 *   execute: async () => compile(),
 * });
 * ```
 */
export interface NodeCall<T = unknown> {
  name: string;
  /** Task id where one node runs many times in a run (fan-out items). */
  taskId?: string;
  /** Fingerprint of what the node runs. */
  codeVersion: string;
  /**
   * The named parts the code version is made of (e.g. `file:src/index.ts` → content hash), when an
   * adapter has them. They are part of the key and let `why` say which part changed.
   */
  codeParts?: Record<string, string>;
  /**
   * Data versions of what the node depends on, by name: upstream nodes, inputs, overrides, default
   * parameter values. `null` leaves the dependency out (an `ignore`d node). Upstream nodes of this run
   * that were `disable`d or `ignore`d are recognised by name, whatever version is passed.
   */
  dependencies: Record<string, string | null>;
  /** The node's own behavior (lowest precedence after config lists). */
  behavior?: CachingBehavior;
  role?: NodeRole;
  /** The node's own format (config `formats` takes precedence). */
  format?: FormatName;
  /** Runs the node; only called on a miss. */
  execute: () => T | Promise<T>;
  /**
   * Custom data version of a result (e.g. Nx fingerprints output files). Default: `versionData`.
   * A string that is not url-safe base64 of 16–128 characters is hashed into one.
   */
  versionResult?: (value: T) => string | Promise<string>;
  /**
   * Checks a stored result before it is served: return why it is unacceptable (a bundle naming files
   * outside the node's declared outputs, a wrong shape) and the hit becomes a miss recorded as
   * FAILED_RETRIEVAL, the entry is dropped and the node executes. Everything read from a shared store
   * is untrusted input; core checks its own framing, only the adapter knows what its values may contain.
   *
   * @example
   * ```ts
   * acceptResult: (v) => (isOutputBundle(v) ? undefined : 'not an Nx output bundle'),
   * ```
   */
  acceptResult?: (value: T) => string | undefined;
  /** `lazy`: on a hit, do not read the result until `load()` is called. Default `eager`. */
  load?: 'eager' | 'lazy';
  /** Extra facts kept with the node's record (shown by the viewer), e.g. `{ command: 'tsc -b' }`. */
  details?: Record<string, unknown>;
  /** The node's own TTL (config `nodeTtlMs` takes precedence; `ttlMs` applies when neither is set). */
  ttlMs?: number;
}

/** What `Run.node` gives back. */
export interface NodeOutcome<T = unknown> {
  /** The result. With `load: 'lazy'` and a hit it is `undefined` until `load()` resolves. */
  value: T | undefined;
  /** Loads (once) and returns the value, for lazy hits; returns `value` otherwise. */
  load(): Promise<T>;
  /** Data version for downstream keys: `null` for `ignore`, the `<disabled>` marker for `disable`. */
  dataVersion: string | null;
  /** `null` when the node has no cache key (`disable`, `ignore`). */
  cacheKey: string | null;
  status: NodeStatus;
  behavior: CachingBehavior;
  durationMs: number;
}

/** The parts a cache key is made of; stored so a miss can be explained. */
export interface CacheKeyParts {
  nodeName: string;
  taskId?: string | undefined;
  codeVersion: string;
  /** Named parts of the code version (sorted by name), when the adapter gave them. */
  codeParts?: Record<string, string>;
  /** Sorted by name. */
  dependencies: Record<string, string>;
}

/** Per-node record of a run: what `why`, `dagcache logs` and the viewer read. */
export interface NodeRecord {
  nodeName: string;
  taskId?: string | undefined;
  status: NodeStatus;
  behavior: CachingBehavior;
  behaviorSource?: BehaviorSource;
  cacheKey: string | null;
  keyParts?: CacheKeyParts;
  dataVersion: string | null;
  format?: FormatName;
  byteSize?: number;
  durationMs: number;
  startedAt: number;
  /** Time spent waiting while another process executed the same cache key (single-flight). */
  waitedMs?: number;
  error?: string;
  /** Upstream node names (for drawing the DAG). */
  upstream: string[];
  details?: Record<string, unknown>;
}

/** A run as persisted in the metadata store: a new process sees earlier runs. */
export interface RunRecord {
  runId: string;
  tool: string;
  startedAt: number;
  finishedAt?: number;
  status: 'running' | 'succeeded' | 'failed';
  finalVars: string[];
  labels: Record<string, string>;
  /** Keyed by `node` or `node::taskId`. */
  nodes: Record<string, NodeRecord>;
  events: CachingEvent[];
}

/** Answer of `why(runId, node)`: which key part changed against the most recent earlier run of the node. */
export interface WhyAnswer {
  nodeName: string;
  runId: string;
  status: NodeStatus;
  /** The earlier run compared against, or null when the node never ran before. */
  previousRunId: string | null;
  /** Human-readable, one line per reason. */
  reasons: string[];
  changes: WhyChange[];
}

export type WhyChange =
  | { kind: 'first-run' }
  | { kind: 'code'; before: string; after: string }
  | { kind: 'code-part'; name: string; before: string | null; after: string | null }
  | { kind: 'dependency'; name: string; before: string | null; after: string | null }
  | { kind: 'behavior'; behavior: CachingBehavior }
  | { kind: 'result-missing' }
  | { kind: 'same-key' };
