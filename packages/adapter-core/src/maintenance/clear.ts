import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { allKeys, allResults, type MaintenanceTarget } from './target.js';

/** What `dagcache clear` removed. */
export interface ClearReport {
  entries: number;
  results: number;
  bytes: number;
  runs: number;
}

/**
 * Empties a cache: every key entry, run record and result, plus `<path>/logs` and `<path>/reports`. Files
 * restored from `file`-format results (`fileDir`) are left alone: they may be in use.
 *
 * @example
 * ```ts
 * await clearCache(cache);
 * ```
 */
export async function clearCache(target: MaintenanceTarget): Promise<ClearReport> {
  await target.resultStore.flush();
  const [results, keys, runs] = await Promise.all([
    allResults(target),
    allKeys(target),
    target.metadataStore.listRuns(),
  ]);
  await target.metadataStore.clear();
  await target.resultStore.clear();
  await rm(join(target.path, 'logs'), { recursive: true, force: true });
  await rm(join(target.path, 'reports'), { recursive: true, force: true });
  return {
    entries: keys.length,
    results: results.length,
    bytes: results.reduce((s, r) => s + r.byteSize, 0),
    runs: runs.length,
  };
}
