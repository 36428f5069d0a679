import type { NodeStatus, RunRecord } from '../types.js';
import type { RunView } from './graph.js';
import { sortRuns } from './graph.js';

export interface RunTotals {
  nodes: number;
  counts: Partial<Record<NodeStatus, number>>;
  /** Nodes served from the cache. */
  hits: number;
  /** Nodes looked up and not found (status `executed`). */
  misses: number;
  /** Sum over retrieved nodes of their last executed duration, where an earlier run recorded it. */
  timeSavedMs: number;
  /** Retrieved nodes whose saved time is known. */
  timeSavedKnown: number;
  /** Wall time of the run (first start to last finish), when finished. */
  wallMs: number | undefined;
}

/**
 * Totals shown in the header. Time saved is an estimate: for each retrieved node, the duration of its most
 * recent earlier execution (preferring one with the same cache key) among `allRuns`.
 */
export function computeTotals(view: RunView, allRuns: readonly RunRecord[]): RunTotals {
  const counts: Partial<Record<NodeStatus, number>> = {};
  for (const n of view.nodes) counts[n.record.status] = (counts[n.record.status] ?? 0) + 1;
  const earlierFirst = sortRuns(allRuns)
    .filter((r) => r.startedAt <= view.startedAt && !view.runs.some((m) => m.runId === r.runId))
    .reverse();
  let timeSavedMs = 0;
  let timeSavedKnown = 0;
  for (const n of view.nodes) {
    if (n.record.status !== 'retrieved') continue;
    let fallback: number | undefined;
    let found: number | undefined;
    for (const r of earlierFirst) {
      const p = r.nodes[n.id];
      if (!p || (p.status !== 'executed' && p.status !== 'recomputed')) continue;
      if (p.cacheKey === n.record.cacheKey) {
        found = p.durationMs;
        break;
      }
      fallback ??= p.durationMs;
    }
    const d = found ?? fallback;
    if (d !== undefined) {
      timeSavedMs += d;
      timeSavedKnown++;
    }
  }
  return {
    nodes: view.nodes.length,
    counts,
    hits: counts.retrieved ?? 0,
    misses: counts.executed ?? 0,
    timeSavedMs,
    timeSavedKnown,
    wallMs: view.finishedAt !== undefined ? view.finishedAt - view.startedAt : undefined,
  };
}
