import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultEntry } from '../stores/result-store.js';
import { runFileName } from '../cache/markers.js';
import { pickLeastRecentlyUsed } from './evict.js';
import { allKeys, allResults, type MaintenanceTarget, type ProgressFn } from './target.js';

/** Options of {@link collectGarbage}. */
export interface GcOptions {
  /** Drop results not used for this long, and run records (with their logs) started this long ago. */
  olderThanMs?: number;
  /** Then drop the least recently used results until the results take at most this many bytes. */
  maxBytes?: number;
  /**
   * Orphan results and stray files younger than this are kept: a run in flight writes a result before its
   * key, so a brand-new result without a key is not garbage yet. Size eviction also spares results used
   * this recently (a process may be reading them). Default 10 minutes.
   */
  graceMs?: number;
  /** Report what would be removed without removing anything. */
  dryRun?: boolean;
  /** Current time (tests). */
  now?: number;
  onProgress?: ProgressFn;
}

/** What `dagcache gc` removed (or would remove, with `dryRun`). */
export interface GcReport {
  dryRun: boolean;
  results: { removed: number; bytes: number; byReason: { age: number; size: number; orphan: number } };
  /** Cache key entries removed because their result is gone. */
  entries: number;
  runs: number;
  /** Log files of removed (or unknown) runs, and stray temp/blob files the index does not know. */
  files: number;
  remaining: { results: number; bytes: number; entries: number; runs: number };
}

const DEFAULT_GRACE_MS = 10 * 60_000;

/**
 * Garbage-collects a cache, in this order: results unused for `olderThanMs`; then least recently used results
 * beyond `maxBytes`; results no key points at (orphans); keys whose result is gone (they could only miss);
 * run records older than `olderThanMs` with their log files; and files under the result folder that no
 * index row names (leftovers of crashed writes). Nothing younger than `graceMs` is treated as an orphan.
 *
 * @example
 * ```ts
 * await collectGarbage(cache, { olderThanMs: 30 * 86_400_000, maxBytes: 5 * 2 ** 30 });
 * ```
 */
export async function collectGarbage(target: MaintenanceTarget, options: GcOptions = {}): Promise<GcReport> {
  const now = options.now ?? Date.now();
  const grace = options.graceMs ?? DEFAULT_GRACE_MS;
  const dry = options.dryRun ?? false;
  const progress = options.onProgress ?? (() => undefined);
  await target.resultStore.flush();
  // Keys before results: a run writes a result before its key, so every key read here has its result in
  // the later result listing, unless the result is really gone.
  const keys = await allKeys(target);
  const results = await allResults(target);
  const runs = await target.metadataStore.listRuns();

  // 1-3: pick the results to drop.
  const drop = new Map<string, { entry: ResultEntry; reason: 'age' | 'size' | 'orphan' }>();
  if (options.olderThanMs !== undefined) {
    const cutoff = now - options.olderThanMs;
    for (const r of results) if (r.lastUsedAt < cutoff) drop.set(r.dataVersion, { entry: r, reason: 'age' });
  }
  if (options.maxBytes !== undefined) {
    const left = results.filter((r) => !drop.has(r.dataVersion));
    for (const r of pickLeastRecentlyUsed(left, options.maxBytes, now - grace))
      drop.set(r.dataVersion, { entry: r, reason: 'size' });
  }
  const referenced = new Set(keys.map(([, e]) => e.dataVersion));
  for (const r of results) {
    if (!drop.has(r.dataVersion) && !referenced.has(r.dataVersion) && r.createdAt < now - grace) {
      drop.set(r.dataVersion, { entry: r, reason: 'orphan' });
    }
  }
  // 4: keys whose result is gone (or about to be).
  const kept = new Set(results.filter((r) => !drop.has(r.dataVersion)).map((r) => r.dataVersion));
  const deadKeys = keys.filter(([, e]) => !kept.has(e.dataVersion));
  // 5: old run records.
  const deadRuns =
    options.olderThanMs === undefined
      ? []
      : runs.filter((r) => r.startedAt < now - options.olderThanMs!).map((r) => r.runId);

  const total = drop.size + deadKeys.length + deadRuns.length;
  let done = 0;
  const step = (phase: string) => progress(++done, total, phase);
  progress(0, total, 'gc');
  const byReason = { age: 0, size: 0, orphan: 0 };
  let bytes = 0;
  for (const { entry, reason } of drop.values()) {
    byReason[reason]++;
    bytes += entry.byteSize;
    if (!dry) await target.resultStore.delete(entry.dataVersion);
    step('results');
  }
  for (const [key] of deadKeys) {
    if (!dry) await target.metadataStore.delete(key);
    step('keys');
  }
  for (const runId of deadRuns) {
    if (!dry) await target.metadataStore.deleteRun(runId);
    step('runs');
  }
  const liveRuns = new Set(
    runs
      .map((r) => r.runId)
      .filter((id) => !deadRuns.includes(id))
      .map(runFileName),
  );
  const files =
    (await sweepLogs(join(target.path, 'logs'), liveRuns, now - grace, dry)) +
    (await target.resultStore.sweep(now - grace, dry));

  const remainingResults = results.filter((r) => !drop.has(r.dataVersion));
  return {
    dryRun: dry,
    results: { removed: drop.size, bytes, byReason },
    entries: deadKeys.length,
    runs: deadRuns.length,
    files,
    remaining: {
      results: remainingResults.length,
      bytes: remainingResults.reduce((s, r) => s + r.byteSize, 0),
      entries: keys.length - deadKeys.length,
      runs: runs.length - deadRuns.length,
    },
  };
}

/** Removes `<runId>.jsonl` logs of runs that no longer exist (older than the cutoff, so live runs are safe). */
async function sweepLogs(
  dir: string,
  liveRuns: ReadonlySet<string>,
  cutoff: number,
  dry: boolean,
): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.jsonl') || liveRuns.has(name.slice(0, -'.jsonl'.length))) continue;
    const file = join(dir, name);
    if ((await stat(file)).mtimeMs >= cutoff) continue;
    if (!dry) await rm(file, { force: true });
    removed++;
  }
  return removed;
}
