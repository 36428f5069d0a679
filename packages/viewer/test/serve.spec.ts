import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createViewerHandler, type RunSource } from '../src/index.js';
import type { RunRecord } from '../src/types.js';
import { chromiumAvailable, close, launch, openUrl, screenshot, type Session } from './browser.js';
import { nxGroupRuns, pipelineRuns } from './fixtures.js';

/** An in-memory run source shaped like core's cache (listRuns/getRun). */
function memorySource(runs: RunRecord[]): RunSource {
  return {
    listRuns: async () =>
      runs.map((r) => {
        const counts: Record<string, number> = {};
        for (const n of Object.values(r.nodes)) counts[n.status] = (counts[n.status] ?? 0) + 1;
        return {
          runId: r.runId,
          tool: r.tool,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          status: r.status,
          counts,
          labels: r.labels,
        };
      }),
    getRun: async (id) => runs.find((r) => r.runId === id),
  };
}

const { first, second } = pipelineRuns();
const runs = [first, second, ...nxGroupRuns()];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(createViewerHandler(memorySource(runs)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

describe('serve API', () => {
  it('lists runs and sends a run with its group and earlier runs', async () => {
    const list = (await (await fetch(`${base}/api/runs`)).json()) as { runId: string }[];
    expect(list.map((r) => r.runId)).toEqual(runs.map((r) => r.runId));
    const view = (await (
      await fetch(`${base}/api/view?run=${encodeURIComponent('nx-7f3a:lib-a:build')}`)
    ).json()) as {
      runs: RunRecord[];
      selectedRunId: string;
    };
    expect(view.selectedRunId).toBe('nx-7f3a:lib-a:build');
    // The whole group (so it can be merged) and the earlier pipeline run (for why / time saved); the later
    // pipeline run is not context.
    expect(view.runs.map((r) => r.runId).sort()).toEqual(
      [first.runId, ...nxGroupRuns().map((r) => r.runId)].sort(),
    );
    expect((await fetch(`${base}/api/view?run=nope`)).status).toBe(404);
    expect((await fetch(`${base}/api/view`)).status).toBe(400);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/api/runs`, { method: 'POST' })).status).toBe(405);
  });
});

describe.skipIf(!chromiumAvailable())('serve page in Chromium', () => {
  let session: Session | undefined;
  beforeAll(async () => {
    session = await launch();
  });
  afterAll(async () => close(session));

  it('shows the run list, opens the newest run, and switches runs', async () => {
    const { page, errors, network } = await openUrl(session!, `${base}/`);
    await expect.poll(() => page.locator('[data-run]').count()).toBe(runs.length);
    // Newest first in the list, and the newest run is opened.
    await expect.poll(() => page.locator('[data-testid="run-id"]').textContent()).toBe('run-2026-11-24-b');
    await page.locator(`[data-run="nx-7f3a:app:build"]`).click();
    await expect.poll(() => page.locator('[data-node]').count()).toBe(1);
    await page.locator('[data-testid="group-toggle"]').check({ force: true });
    await expect.poll(() => page.locator('[data-node]').count()).toBe(3);
    await page.locator(`[data-run="${second.runId}"]`).click();
    await expect.poll(() => page.locator('[data-node]').count()).toBe(Object.keys(second.nodes).length);
    await page.locator('[data-node="features"]').click();
    await expect
      .poll(() => page.locator('[data-testid="why"]').textContent())
      .toContain('dependency clean changed');
    await screenshot(page, 'serve');
    await page.close();
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
  });
});
