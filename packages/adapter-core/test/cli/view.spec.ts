// The viewer against real run records: a direct-API pipeline with every outcome, rendered by
// `dagcache view` and opened from disk in Chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The viewer's own browser harness (system Chromium, fresh profile, console and network capture).
import { ARTIFACTS, chromiumAvailable, close, launch, openUrl, screenshot } from '../../../viewer/test/browser.js';
import { Builder, node } from '../../src/index.js';
import { tempDir } from '../support/tmp.js';
import { cli } from './support.js';

const available = chromiumAvailable();

function build(path: string, version: number) {
  return new Builder()
    .withNodes({
      raw: node(() => [1, 2, 3, 4]),
      clean: node(({ raw }: { raw: number[] }) => raw.filter((x) => x % 2 === 0), {
        version: `clean-v${version}`,
      }),
      items: node(({ clean }: { clean: number[] }) => clean, { expand: true }),
      square: node(({ items }: { items: number }) => items * items),
      total: node(({ square }: { square: number[] }) => square.reduce((a, b) => a + b, 0), {
        collect: 'square',
      }),
      audit: node(({ raw }: { raw: number[] }) => raw.length, { cache: { behavior: 'disable' } }),
      stamp: node(({ total }: { total: number }) => ({ total, at: 'now' }), {
        cache: { behavior: 'ignore' },
      }),
      report: node(({ total, scale, stamp }: { total: number; scale: number; stamp: unknown }) => ({
        total: total * scale,
        stamp,
      })),
    })
    .withCache({ path })
    .build();
}

describe.skipIf(!available)('dagcache view on a real run, in Chromium', () => {
  it('draws every node of the real record with its outcome and explains why it ran', async () => {
    const path = tempDir('dagcache-view-');
    let dr = build(path, 1);
    await dr.execute(['report', 'audit'], { inputs: { scale: 2 } });
    await dr.cache.close();
    dr = build(path, 2); // clean's code version changes
    await dr.execute(['report', 'audit'], { inputs: { scale: 2 } });
    const runId = dr.cache.lastRunId;
    const record = (await dr.cache.getRun(runId))!;
    await dr.cache.close();

    mkdirSync(ARTIFACTS, { recursive: true });
    const out = join(ARTIFACTS, 'cli-real-run.html');
    const r = cli(['--path', path, 'view', runId, '-o', out]);
    expect(r.code).toBe(0);

    const session = await launch();
    try {
      const { page, errors, network } = await openUrl(session, `file://${out}`);
      const ids = Object.keys(record.nodes);
      await expect.poll(() => page.locator('[data-node]').count()).toBe(ids.length);
      for (const [id, n] of Object.entries(record.nodes)) {
        expect(await page.locator(`[data-node="${id}"]`).getAttribute('class')).toContain(
          `outcome-${n.status}`,
        );
      }
      // Every outcome the pipeline produces is there: fan-out items, disable, ignore, input, recompute.
      const statuses = new Set(Object.values(record.nodes).map((n) => n.status));
      expect([...statuses].sort()).toEqual(
        expect.arrayContaining(['disabled', 'ignored', 'input', 'recomputed', 'executed']),
      );
      expect(ids.some((id) => id.startsWith('square::'))).toBe(true);

      await page.locator('[data-node="clean"]').click();
      await expect
        .poll(() => page.locator('[data-testid="why"]').textContent())
        .toContain('code version changed');
      expect(await page.locator('[data-testid="panel-cache-key"]').textContent()).toBe(
        record.nodes.clean!.cacheKey,
      );
      expect(await page.locator('[data-testid="panel-behavior-source"]').textContent()).toBe(
        record.nodes.clean!.behaviorSource,
      );
      // viewRun compares with the previous run: clean changed its key.
      expect(await page.locator('[data-node="clean"]').getAttribute('data-change')).toContain('key');
      await screenshot(page, 'cli-real-run');
      expect(errors).toEqual([]);
      expect(network).toEqual([]);
    } finally {
      await close(session);
    }
  });
});
