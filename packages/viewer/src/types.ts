// The viewer's own copy of core's run-record shapes. They are structurally the same as
// @dagcache/core's RunRecord/NodeRecord, but defined here on purpose: core depends on the viewer
// (cache.viewRun), so importing core from here would make a package cycle that breaks the Nx build.

/** How a node ended a run (same values as core's `NodeStatus`). */
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

/** Caching behavior of a node (core's `CachingBehavior`). */
export type CachingBehavior = 'default' | 'recompute' | 'disable' | 'ignore';

/** The parts a cache key is made of (core's `CacheKeyParts`). */
export interface CacheKeyParts {
  nodeName: string;
  taskId?: string | undefined;
  codeVersion: string;
  dependencies: Record<string, string>;
}

/** One caching event (core's `CachingEvent`). */
export interface CachingEvent {
  runId: string;
  actor: string;
  eventType: string;
  nodeName: string;
  taskId?: string | undefined;
  msg?: string | undefined;
  value?: unknown;
  timestamp: number;
}

/** Per-node record of a run (core's `NodeRecord`). */
export interface NodeRecord {
  nodeName: string;
  taskId?: string | undefined;
  status: NodeStatus;
  behavior: CachingBehavior;
  behaviorSource?: string;
  cacheKey: string | null;
  keyParts?: CacheKeyParts;
  dataVersion: string | null;
  format?: string;
  byteSize?: number;
  durationMs: number;
  startedAt: number;
  error?: string;
  upstream: string[];
  details?: Record<string, unknown>;
}

/** A persisted run (core's `RunRecord`). */
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

/** What the viewer shows: one run (or one group of runs) plus other runs for comparison and browsing. */
export interface ViewerInput {
  /** The run shown first, plus others (earlier runs explain "why it ran" and estimate time saved). */
  runs: RunRecord[];
  /** Run shown first. */
  selectedRunId: string;
  /** A second run to compare the shown one with. */
  compareRunId?: string;
  /** Show every run sharing the selected run's `labels.group` as one merged DAG. */
  mergeGroup?: boolean;
  /** Page title. Default `dagcache run <id>`. */
  title?: string;
}

/** A run in the browser's run list (the shape of core's `RunSummary`). */
export interface RunSummary {
  runId: string;
  tool: string;
  startedAt: number;
  finishedAt?: number | undefined;
  status: RunRecord['status'];
  counts: Partial<Record<NodeStatus, number>>;
  labels: Record<string, string>;
}
