import type { ResultEntry } from '../stores/result-store.js';
import type { MaintenanceTarget } from './target.js';

/** Results used (or stored) this recently are never evicted: a process may be reading them. */
export const DEFAULT_EVICTION_GRACE_MS = 10 * 60_000;

/**
 * Picks least recently used results to drop until `keep` fit in `maxBytes`, skipping any used at or
 * after `protectedSince`. May leave the store over the cap when everything left is that recent.
 */
export function pickLeastRecentlyUsed(
  results: readonly ResultEntry[],
  maxBytes: number,
  protectedSince: number,
): ResultEntry[] {
  let total = results.reduce((s, r) => s + r.byteSize, 0);
  const out: ResultEntry[] = [];
  for (const r of [...results].sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
    if (total <= maxBytes) break;
    if (Math.max(r.lastUsedAt, r.createdAt) >= protectedSince) continue;
    out.push(r);
    total -= r.byteSize;
  }
  return out;
}

/**
 * Evicts least recently used results until the result store takes at most `maxBytes`. Keys left
 * pointing at evicted results are misses (MISSING_RESULT) and are removed by `gc`.
 *
 * @example
 * ```ts
 * await evictToSize(cache, 5 * 2 ** 30); // keep results under 5 GiB
 * ```
 */
export async function evictToSize(
  target: MaintenanceTarget,
  maxBytes: number,
  graceMs = DEFAULT_EVICTION_GRACE_MS,
  now = Date.now(),
): Promise<{ removed: number; bytes: number }> {
  const usage = await target.resultStore.usage();
  if (usage.bytes <= maxBytes) return { removed: 0, bytes: 0 };
  const results: ResultEntry[] = [];
  for await (const e of target.resultStore.list()) results.push(e);
  const drop = pickLeastRecentlyUsed(results, maxBytes, now - graceMs);
  for (const r of drop) await target.resultStore.delete(r.dataVersion);
  return { removed: drop.length, bytes: drop.reduce((s, r) => s + r.byteSize, 0) };
}
