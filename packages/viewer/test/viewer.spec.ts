import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderRunHtml } from '../src/index.js';
import { bigRun, nxGroupRuns, pipelineRuns, T0 } from './fixtures.js';
import {
  chromiumAvailable,
  close,
  launch,
  openHtml,
  screenshot,
  type OpenPage,
  type Session,
} from './browser.js';

const available = chromiumAvailable();

describe.skipIf(!available)('run viewer in Chromium', () => {
  let session: Session | undefined;
  let current: OpenPage | undefined;
  beforeAll(async () => {
    session = await launch();
  });
  afterAll(async () => close(session));
  afterEach(async () => {
    // Every page must load and run without console errors and without touching the network.
    const seen = current;
    current = undefined;
    if (!seen) return;
    await seen.page.close();
    expect(seen.errors).toEqual([]);
    expect(seen.network).toEqual([]);
  });

  const open = async (name: string, html: string, hash?: string) =>
    (current = await openHtml(session!, name, html, hash));

  it('draws every node with its outcome, and the header totals', async () => {
    const { first, second } = pipelineRuns();
    const { page } = await open(
      'pipeline',
      renderRunHtml({ runs: [first, second], selectedRunId: second.runId }),
    );
    const nodes = page.locator('[data-node]');
    await expect.poll(() => nodes.count()).toBe(Object.keys(second.nodes).length);
    for (const [id, rec] of Object.entries(second.nodes)) {
      await expect
        .poll(() => page.locator(`[data-node="${id}"]`).getAttribute('class'))
        .toContain(`outcome-${rec.status}`);
    }
    expect(await page.locator('[data-testid="graph"]').getAttribute('data-layout')).toBe('dagre');
    const header = page.locator('[data-testid="run-header"]');
    expect(await header.locator('[data-testid="run-id"]').textContent()).toBe(second.runId);
    expect(await header.locator('[data-testid="run-tool"]').textContent()).toBe('direct');
    expect(await header.locator('[data-testid="run-started"]').textContent()).toBe(
      'started 2026-11-24 10:00:00 UTC',
    );
    const totals = header.locator('[data-testid="totals"]');
    expect(await totals.getAttribute('data-hits')).toBe('1'); // raw
    expect(await totals.getAttribute('data-misses')).toBe('2'); // clean, features
    // Time saved: raw was retrieved; its last execution (run a) took 1200 ms.
    expect(await totals.getAttribute('data-time-saved-ms')).toBe('1200');
    expect(await header.locator('[data-testid="count-failed"]').getAttribute('data-count')).toBe('1');
    expect(await header.locator('[data-testid="count-skipped"]').getAttribute('data-count')).toBe('1');
    // Edges follow upstream names.
    expect(await page.locator('[data-edge="clean->features"]').count()).toBe(1);
    await screenshot(page, 'pipeline');
  });

  it('opens the node panel with behavior, key parts, format, size, events and why it ran', async () => {
    const { first, second } = pipelineRuns();
    const { page } = await open(
      'panel',
      renderRunHtml({ runs: [first, second], selectedRunId: second.runId }),
    );
    await page.locator('[data-node="clean"]').click();
    const panel = page.locator('[data-testid="node-panel"]');
    await panel.waitFor();
    expect(await panel.locator('[data-testid="panel-title"]').textContent()).toBe('clean');
    expect(await panel.locator('[data-testid="panel-status"]').textContent()).toBe('executed');
    expect(await panel.locator('[data-testid="panel-behavior"]').textContent()).toBe('default');
    expect(await panel.locator('[data-testid="panel-behavior-source"]').textContent()).toBe(
      'defaultBehavior',
    );
    expect(await panel.locator('[data-testid="panel-cache-key"]').textContent()).toBe(
      second.nodes.clean!.cacheKey,
    );
    expect(await panel.locator('[data-testid="panel-data-version"]').textContent()).toBe(
      second.nodes.clean!.dataVersion,
    );
    expect(await panel.locator('[data-testid="panel-format"]').textContent()).toBe('parquet');
    expect(await panel.locator('[data-testid="panel-size"]').textContent()).toBe('2.0 MiB');
    expect(await panel.locator('[data-testid="why"]').textContent()).toContain('code version changed');
    expect(await panel.locator('[data-testid="why-previous"]').textContent()).toBe(first.runId);
    expect(await panel.locator('[data-event]').count()).toBe(
      second.events.filter((e) => e.nodeName === 'clean').length,
    );
    expect(await panel.locator('[data-dependency="raw"]').count()).toBe(1);

    // features ran because its dependency clean changed; the changed row is marked.
    await page.locator('[data-node="features"]').click();
    await expect.poll(() => panel.getAttribute('data-panel-node')).toBe('features');
    expect(await panel.locator('[data-testid="why"]').textContent()).toContain('dependency clean changed');
    expect(await panel.locator('[data-dependency="clean"]').getAttribute('class')).toContain('dc-changed');
    expect(await panel.locator('[data-dependency="alpha"]').getAttribute('class')).not.toContain(
      'dc-changed',
    );

    // model is recomputed by behavior; metrics failed with its error; raw came from the cache.
    await page.locator('[data-node="model"]').click();
    await expect
      .poll(() => panel.locator('[data-testid="why"]').textContent())
      .toContain('behavior recompute (from config.recompute)');
    await page.locator('[data-node="metrics"]').click();
    await expect
      .poll(() => panel.locator('[data-testid="panel-error"]').textContent())
      .toContain('TypeError');
    await page.locator('[data-node="raw"]').click();
    await expect
      .poll(() => panel.locator('[data-testid="why"]').textContent())
      .toContain('served from the cache');
    await page.locator('[data-node="clean"]').click();
    await screenshot(page, 'panel');
    await page.locator('[data-testid="panel-close"]').click();
    expect(await panel.count()).toBe(0);
  });

  it('explains a first run', async () => {
    const { first } = pipelineRuns();
    const { page } = await open('first-run', renderRunHtml({ runs: [first], selectedRunId: first.runId }));
    await page.locator('[data-node="clean"]').click();
    expect(await page.locator('[data-testid="why"]').textContent()).toContain('first run');
    expect(await page.locator('[data-testid="totals"]').getAttribute('data-hits')).toBe('0');
  });

  it('marks what changed against a second run', async () => {
    const { first, second } = pipelineRuns();
    const { page } = await open(
      'compare',
      renderRunHtml({ runs: [first, second], selectedRunId: second.runId, compareRunId: first.runId }),
    );
    const summary = page.locator('[data-testid="compare-summary"]');
    await summary.waitFor();
    const changedIds = await page
      .locator('[data-node].changed')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    // raw: executed → retrieved (same key and data); clean/features: new key and data; model: new key and data;
    // metrics: failed (status, key, data); publish: skipped; debug_dump: same marker; notify: same.
    expect(changedIds.sort()).toEqual(['clean', 'features', 'metrics', 'model', 'publish', 'raw']);
    expect(await page.locator('[data-node="raw"]').getAttribute('data-change')).toBe('status');
    expect(await page.locator('[data-node="clean"]').getAttribute('data-change')).toBe('data key');
    expect(await page.locator('[data-node="alpha"]').getAttribute('class')).not.toContain('changed');
    expect(await summary.getAttribute('data-changed')).toBe('6');
    await page.locator('[data-node="clean"]').click();
    expect(await page.locator('[data-testid="panel-compare"]').textContent()).toContain('data, key');
    await screenshot(page, 'compare');
    // The README picture (docs/viewer.png is copied from it): wider, without the run list.
    await page.setViewportSize({ width: 1680, height: 900 });
    await page.locator('[data-testid="toggle-run-list"]').click();
    await page.locator('[data-testid="zoom-fit"]').click();
    await page.locator('[data-node="features"]').click();
    await screenshot(page, 'readme');

    // Picking another comparison in the toolbar works too: clearing it removes the marks.
    const select = page
      .locator('select[data-testid="compare-select"], [data-testid="compare-select"] select')
      .first();
    await select.selectOption('');
    await expect.poll(() => page.locator('[data-node].changed').count()).toBe(0);
    await select.selectOption(first.runId);
    await expect.poll(() => page.locator('[data-node].changed').count()).toBe(6);
    expect(page.url()).toContain(`compare=${first.runId}`);
  });

  it('searches node names: highlight, then filter', async () => {
    const { first, second } = pipelineRuns();
    const { page } = await open(
      'search',
      renderRunHtml({ runs: [first, second], selectedRunId: second.runId }),
    );
    await page.locator('[data-testid="search"] input, input[data-testid="search"]').first().fill('ea');
    await expect
      .poll(() => page.locator('[data-testid="search-count"]').getAttribute('data-count'))
      .toBe('2');
    const matched = await page
      .locator('[data-node].search-match')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(matched.sort()).toEqual(['clean', 'features']);
    expect(await page.locator('[data-node].search-dim').count()).toBe(Object.keys(second.nodes).length - 2);
    await screenshot(page, 'search');
    await page.locator('[data-testid="search-filter"]').check({ force: true });
    await expect.poll(() => page.locator('[data-node]').count()).toBe(2);
  });

  it('shows one run of a group, or the whole group merged into one DAG', async () => {
    const group = nxGroupRuns();
    const app = group[2]!;
    const { page } = await open('group', renderRunHtml({ runs: group, selectedRunId: app.runId }));
    await expect.poll(() => page.locator('[data-node]').count()).toBe(1);
    await page.locator('[data-testid="group-toggle"]').check({ force: true });
    await expect.poll(() => page.locator('[data-node]').count()).toBe(3);
    expect(await page.locator('[data-edge="lib-a:build->app:build"]').count()).toBe(1);
    expect(await page.locator('[data-testid="run-id"]').textContent()).toBe('group nx-7f3a');
    expect(await page.locator('[data-node="lib-a:build"]').getAttribute('class')).toContain(
      'outcome-retrieved',
    );
    await page.locator('[data-node="lib-b:build"]').click();
    expect(await page.locator('[data-testid="node-panel"]').textContent()).toContain('nx-7f3a:lib-b:build');
    await screenshot(page, 'group');

    // mergeGroup in the input opens merged straight away.
    await current!.page.close();
    current = undefined;
    const merged = await open(
      'group-merged',
      renderRunHtml({ runs: group, selectedRunId: app.runId, mergeGroup: true }),
    );
    await expect.poll(() => merged.page.locator('[data-node]').count()).toBe(3);
  });

  it('switches runs from the run list', async () => {
    const { first, second } = pipelineRuns();
    const { page } = await open(
      'run-list',
      renderRunHtml({ runs: [first, second], selectedRunId: second.runId }),
    );
    await page.locator(`[data-run="${first.runId}"]`).click();
    await expect.poll(() => page.locator('[data-testid="run-id"]').textContent()).toBe(first.runId);
    await expect
      .poll(() => page.locator('[data-node="raw"]').getAttribute('class'))
      .toContain('outcome-executed');
    expect(page.url()).toContain(`#run=${first.runId}`);
  });

  it('keeps a 2,000-node run usable: layered layout, only visible nodes drawn, search reaches any node', async () => {
    const big = bigRun(40, 50);
    const { page } = await open('big', renderRunHtml({ runs: [big], selectedRunId: big.runId }));
    const graph = page.locator('[data-testid="graph"]');
    expect(await graph.getAttribute('data-node-count')).toBe('2000');
    expect(await graph.getAttribute('data-layout')).toBe('layered');
    expect(await graph.getAttribute('data-virtual')).toBe('true');
    const drawn = await page.locator('[data-node]').count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(2000);
    expect(await page.locator('[data-testid="totals"]').getAttribute('data-nodes')).toBe('2000');
    // A node far right is not drawn until searched for; the search scrolls it into view.
    expect(await page.locator('[data-node="n39_25"]').count()).toBe(0);
    await page.locator('input[data-testid="search"], [data-testid="search"] input').first().fill('n39_25');
    await page.locator('[data-node="n39_25"]').waitFor();
    await page.locator('[data-node="n39_25"]').click();
    await expect
      .poll(() => page.locator('[data-testid="node-panel"]').getAttribute('data-panel-node'))
      .toBe('n39_25');
    expect(await page.locator('[data-node="n39_25"]').getAttribute('class')).toContain(
      `outcome-${big.nodes.n39_25!.status}`,
    );
    await screenshot(page, 'big');
  });

  it('embeds hostile node names safely', async () => {
    const { first } = pipelineRuns();
    const evil = structuredClone(first);
    const rec = evil.nodes.raw!;
    delete evil.nodes.raw;
    evil.nodes['</script><img src=x onerror=alert(1)>'] = {
      ...rec,
      nodeName: '</script><img src=x onerror=alert(1)>',
    };
    const html = renderRunHtml({ runs: [evil], selectedRunId: evil.runId, title: '<b>t</b>' });
    const { page } = await open('hostile', html);
    await expect.poll(() => page.locator('[data-node]').count()).toBe(Object.keys(evil.nodes).length);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).not.toContain('<b>');
  });
});

it('rejects a selected run that is not in the input', () => {
  const { first } = pipelineRuns();
  expect(() => renderRunHtml({ runs: [first], selectedRunId: 'nope' })).toThrow(/selectedRunId nope/);
  expect(T0).toBeGreaterThan(0);
});
