import type { NodeStatus } from '../cache/types.js';
import { allKeys, allResults, type MaintenanceTarget } from './target.js';

export interface FormatStats {
  count: number;
  bytes: number;
}

/** What `dagcache stats` reports. */
export interface CacheStats {
  path: string;
  /** Cache key entries in the metadata store. */
  entries: number;
  results: {
    count: number;
    bytes: number;
    byFormat: Record<string, FormatStats>;
    oldestCreatedAt: number | null;
    newestCreatedAt: number | null;
  };
  runs: {
    count: number;
    /** How many of the newest runs the hit rate covers. */
    recent: number;
    /** Node statuses summed over the recent runs. */
    counts: Partial<Record<NodeStatus, number>>;
    hits: number;
    misses: number;
    /** hits / (hits + misses) over the recent runs; null when they looked nothing up. */
    hitRate: number | null;
    byTool: Record<string, number>;
  };
}

/**
 * Counts what a cache holds: key entries, results and bytes per format, runs per tool, and the hit rate over
 * the `recentRuns` newest runs. A hit is a `retrieved` node, a miss an `executed` one; `recomputed`,
 * `disabled` and `ignored` nodes never looked the cache up, so they count as neither.
 *
 * @example
 * ```ts
 * const s = await cacheStats(cache, { recentRuns: 20 });
 * console.log(s.results.byFormat.parquet?.bytes, s.runs.hitRate);
 * ```
 */
export async function cacheStats(
  target: MaintenanceTarget,
  options: { recentRuns?: number } = {},
): Promise<CacheStats> {
  const recentRuns = options.recentRuns ?? 20;
  const [results, keys, runs] = await Promise.all([
    allResults(target),
    allKeys(target),
    target.metadataStore.listRuns(),
  ]);
  const byFormat: Record<string, FormatStats> = {};
  let bytes = 0;
  for (const r of results) {
    const f = (byFormat[r.format] ??= { count: 0, bytes: 0 });
    f.count++;
    f.bytes += r.byteSize;
    bytes += r.byteSize;
  }
  const recent = runs.slice(-recentRuns);
  const counts: Partial<Record<NodeStatus, number>> = {};
  for (const run of recent) {
    for (const [s, n] of Object.entries(run.counts) as [NodeStatus, number][])
      counts[s] = (counts[s] ?? 0) + n;
  }
  const hits = counts.retrieved ?? 0;
  const misses = counts.executed ?? 0;
  const byTool: Record<string, number> = {};
  for (const run of runs) byTool[run.tool] = (byTool[run.tool] ?? 0) + 1;
  const created = results.map((r) => r.createdAt);
  return {
    path: target.path,
    entries: keys.length,
    results: {
      count: results.length,
      bytes,
      byFormat,
      oldestCreatedAt: created.length ? Math.min(...created) : null,
      newestCreatedAt: created.length ? Math.max(...created) : null,
    },
    runs: {
      count: runs.length,
      recent: recent.length,
      counts,
      hits,
      misses,
      hitRate: hits + misses > 0 ? hits / (hits + misses) : null,
      byTool,
    },
  };
}
