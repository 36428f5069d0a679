import type { NodeRecord, RunRecord } from '../types.js';
import { sortRuns } from './graph.js';

/** One reason a node ran (the shape of core's `WhyChange`). */
export type WhyChange =
  | { kind: 'first-run' }
  | { kind: 'code'; before: string; after: string }
  | { kind: 'dependency'; name: string; before: string | null; after: string | null }
  | { kind: 'behavior'; behavior: string }
  | { kind: 'result-missing' }
  | { kind: 'same-key' }
  | { kind: 'given' }
  | { kind: 'failed'; error?: string | undefined }
  | { kind: 'skipped' };

export interface WhyExplanation {
  /** The earlier run compared against, or null when none of the given runs had the node. */
  previousRunId: string | null;
  previous: NodeRecord | undefined;
  reasons: string[];
  changes: WhyChange[];
}

/**
 * The most recent run before `before` (by start time) that holds node `id`, among `runs`.
 * Runs in `exclude` (the runs being shown, e.g. a merged group) are never "previous".
 */
export function previousRunWith(
  runs: readonly RunRecord[],
  id: string,
  before: number,
  exclude: ReadonlySet<string> = new Set(),
): RunRecord | undefined {
  const earlier = sortRuns(runs).filter((r) => r.startedAt < before && !exclude.has(r.runId) && r.nodes[id]);
  return earlier[earlier.length - 1];
}

/**
 * Explains why a node ran, by comparing its cache key parts with the same node in the most recent earlier
 * run of `runs` that has it: code version changed, dependency X changed, first run, or its behavior.
 *
 * @example
 * ```ts
 * explainNode(runs, run, 'clean').reasons; // ['dependency raw changed: abc… → def…']
 * ```
 */
export function explainNode(
  runs: readonly RunRecord[],
  run: RunRecord,
  id: string,
  exclude: ReadonlySet<string> = new Set([run.runId]),
): WhyExplanation {
  const node = run.nodes[id];
  if (!node)
    return {
      previousRunId: null,
      previous: undefined,
      reasons: [`no node ${id} in run ${run.runId}`],
      changes: [],
    };
  const prevRun = previousRunWith(runs, id, run.startedAt, exclude);
  const previous = prevRun?.nodes[id];
  const base = { previousRunId: prevRun?.runId ?? null, previous };
  const behaviorFrom = node.behaviorSource ? ` (from ${node.behaviorSource})` : '';
  switch (node.status) {
    case 'input':
    case 'override':
      return {
        ...base,
        reasons: [`an ${node.status} given by the caller; versioned by value`],
        changes: [{ kind: 'given' }],
      };
    case 'failed':
      return {
        ...base,
        reasons: [`its function threw${node.error ? `: ${node.error}` : ''}`],
        changes: [{ kind: 'failed', error: node.error }],
      };
    case 'skipped':
      return { ...base, reasons: ['not run: a node it depends on failed'], changes: [{ kind: 'skipped' }] };
    case 'recomputed':
    case 'disabled':
    case 'ignored': {
      const what =
        node.status === 'recomputed'
          ? 'always executes, then stores its result'
          : node.status === 'disabled'
            ? 'caching is off for it; downstream keys always miss'
            : 'caching is off for it; it is left out of downstream keys';
      return {
        ...base,
        reasons: [`behavior ${node.behavior}${behaviorFrom}: ${what}`],
        changes: [{ kind: 'behavior', behavior: node.behavior }],
      };
    }
    case 'retrieved':
      return {
        ...base,
        reasons: [
          `same cache key as ${prevRun ? `run ${prevRun.runId}` : 'an earlier run'}: result served from the cache`,
        ],
        changes: [{ kind: 'same-key' }],
      };
    case 'executed':
      break;
  }
  if (!prevRun || !previous) {
    return {
      ...base,
      reasons: ['first run: no earlier run has this node'],
      changes: [{ kind: 'first-run' }],
    };
  }
  const changes = diffKeyParts(previous, node);
  if (changes.length === 0) {
    if (previous.cacheKey !== null && previous.cacheKey === node.cacheKey) {
      changes.push({ kind: 'result-missing' });
    } else if (!previous.keyParts || !node.keyParts) {
      return {
        ...base,
        reasons: [`cache key differs from run ${prevRun.runId} (key parts were not recorded)`],
        changes: [],
      };
    } else {
      changes.push({ kind: 'result-missing' });
    }
  }
  return { ...base, reasons: changes.map((c) => describeChange(c, prevRun.runId)), changes };
}

/** Which key parts differ between two records of one node. */
export function diffKeyParts(before: NodeRecord, after: NodeRecord): WhyChange[] {
  const a = before.keyParts;
  const b = after.keyParts;
  if (!a || !b) return [];
  const changes: WhyChange[] = [];
  if (a.codeVersion !== b.codeVersion)
    changes.push({ kind: 'code', before: a.codeVersion, after: b.codeVersion });
  const names = [...new Set([...Object.keys(a.dependencies), ...Object.keys(b.dependencies)])].sort();
  for (const name of names) {
    const x = a.dependencies[name] ?? null;
    const y = b.dependencies[name] ?? null;
    if (x !== y) changes.push({ kind: 'dependency', name, before: x, after: y });
  }
  return changes;
}

/** Shortens a fingerprint for display: `abcdef12…`. */
export function short(v: string | null | undefined, n = 10): string {
  if (v === null || v === undefined) return '—';
  return v.length > n + 1 ? `${v.slice(0, n)}…` : v;
}

/** One human-readable line for a change. */
export function describeChange(c: WhyChange, previousRunId?: string): string {
  switch (c.kind) {
    case 'first-run':
      return 'first run: no earlier run has this node';
    case 'code':
      return `code version changed: ${short(c.before)} → ${short(c.after)}`;
    case 'dependency':
      if (c.before === null) return `dependency ${c.name} added`;
      if (c.after === null) return `dependency ${c.name} removed`;
      return `dependency ${c.name} changed: ${short(c.before)} → ${short(c.after)}`;
    case 'behavior':
      return `behavior ${c.behavior}`;
    case 'result-missing':
      return `same cache key as run ${previousRunId ?? '?'}, but its stored result was missing or unreadable`;
    case 'same-key':
      return 'same cache key: served from the cache';
    case 'given':
      return 'given by the caller';
    case 'failed':
      return `its function threw${c.error ? `: ${c.error}` : ''}`;
    case 'skipped':
      return 'a node it depends on failed';
  }
}
