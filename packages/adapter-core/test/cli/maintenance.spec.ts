import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/index.js';
import { cacheStats } from '../../src/maintenance/stats.js';
import { clearCache } from '../../src/maintenance/clear.js';
import { collectGarbage } from '../../src/maintenance/gc.js';
import { verifyResults } from '../../src/maintenance/verify.js';
import { tempDir } from '../support/tmp.js';
import { twoRuns } from './support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('maintenance functions', () => {
  it('gc by age uses last use, not creation; run records go by start time', async () => {
    const path = tempDir();
    await twoRuns(path);
    const cache = await openCache({ path });
    try {
      const now = Date.now();
      // Nothing is a day old yet.
      expect(await collectGarbage(cache, { olderThanMs: DAY, now })).toMatchObject({
        runs: 0,
        results: { removed: 0 },
      });
      // Two days later everything is.
      const later = await collectGarbage(cache, { olderThanMs: DAY, now: now + 2 * DAY, dryRun: true });
      expect(later).toMatchObject({
        dryRun: true,
        runs: 2,
        results: { removed: 5, byReason: { age: 5, size: 0, orphan: 0 } },
        entries: 5,
      });
      expect((await cacheStats(cache)).results.count).toBe(5);
    } finally {
      await cache.close();
    }
  });

  it('gc keeps young orphans (a run may be writing them) and removes old ones and stray blob files', async () => {
    const path = tempDir();
    await twoRuns(path);
    const cache = await openCache({ path });
    try {
      // A result no key points at, as a crashed run would leave.
      const dv = cache.versionData('orphan value');
      await cache.resultStore.setBytes(dv, 'json', 'json', new TextEncoder().encode('"orphan value"'), {});
      await cache.resultStore.flush();
      // A temp file of an interrupted write.
      const stray = join(cache.path, 'results', 'blobs', 'zz', 'zzzz.pickle.123.abc.tmp');
      mkdirSync(join(stray, '..'), { recursive: true });
      writeFileSync(stray, 'partial');
      const old = new Date(Date.now() - HOUR);
      utimesSync(stray, old, old);

      const now = Date.now();
      const young = await collectGarbage(cache, { now });
      expect(young).toMatchObject({ results: { removed: 0 }, entries: 0, files: 1 });
      expect(existsSync(stray)).toBe(false);
      expect(await cache.resultStore.has(dv)).toBe(true);

      const aged = await collectGarbage(cache, { now: now + HOUR });
      expect(aged).toMatchObject({ results: { removed: 1, byReason: { orphan: 1 } }, entries: 0 });
      expect(await cache.resultStore.has(dv)).toBe(false);
      expect((await cacheStats(cache)).results.count).toBe(5);
    } finally {
      await cache.close();
    }
  });

  it('gc with a size cap evicts the least recently used first', async () => {
    const path = tempDir();
    await twoRuns(path);
    const cache = await openCache({ path });
    try {
      const results: { dataVersion: string; byteSize: number; lastUsedAt: number }[] = [];
      for await (const r of cache.resultStore.list()) results.push(r);
      const total = results.reduce((s, r) => s + r.byteSize, 0);
      const lru = [...results].sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0]!;
      // Everything was used just now: within the grace period nothing is evicted (a reader may hold it).
      const spared = await collectGarbage(cache, { maxBytes: total - 1 });
      expect(spared.results.removed).toBe(0);
      const r = await collectGarbage(cache, { maxBytes: total - 1, graceMs: 0, now: Date.now() + 1 });
      expect(r.results.removed).toBeGreaterThanOrEqual(1);
      expect(await cache.resultStore.has(lru.dataVersion)).toBe(false);
      expect(r.remaining.bytes).toBeLessThan(total);
    } finally {
      await cache.close();
    }
  });

  it('verify without corruption reports every result ok; clear empties stores and logs', async () => {
    const path = tempDir();
    await twoRuns(path);
    const cache = await openCache({ path });
    try {
      const progress: number[] = [];
      const v = await verifyResults(cache, { onProgress: (d) => progress.push(d) });
      expect(v).toMatchObject({ checked: 5, ok: 5, corrupt: [], dropped: false });
      expect(progress).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await clearCache(cache)).toMatchObject({ runs: 2, results: 5, entries: 5 });
      expect(await cacheStats(cache)).toMatchObject({
        entries: 0,
        results: { count: 0 },
        runs: { count: 0, hitRate: null },
      });
      expect(existsSync(join(path, 'logs'))).toBe(false);
    } finally {
      await cache.close();
    }
  });
});
