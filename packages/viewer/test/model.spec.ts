import { describe, expect, it } from 'vitest';
import {
  buildRunView,
  compareNodes,
  computeTotals,
  explainNode,
  jsonForScript,
  renderBrowserHtml,
  renderRunHtml,
} from '../src/index.js';
import { dagreLayout, layeredLayout, layoutGraph } from '../src/model/layout.js';
import { bigRun, makeRun, nxGroupRuns, pipelineRuns, T0 } from './fixtures.js';

describe('why a node ran', () => {
  const { first, second } = pipelineRuns();
  const why = (id: string) => explainNode([first, second], second, id);

  it('names the changed code version, the changed dependency, and the earlier run compared with', () => {
    expect(why('clean').changes.map((c) => c.kind)).toEqual(['code']);
    expect(why('clean').previousRunId).toBe(first.runId);
    expect(why('features').changes).toEqual([
      {
        kind: 'dependency',
        name: 'clean',
        before: first.nodes.clean!.dataVersion,
        after: second.nodes.clean!.dataVersion,
      },
    ]);
    expect(why('features').reasons[0]).toMatch(/^dependency clean changed: /);
  });

  it('explains behaviors, hits, failures, skips and first runs', () => {
    expect(why('model').reasons).toEqual([
      'behavior recompute (from config.recompute): always executes, then stores its result',
    ]);
    expect(why('raw').changes).toEqual([{ kind: 'same-key' }]);
    expect(why('metrics').reasons[0]).toContain('TypeError');
    expect(why('publish').changes).toEqual([{ kind: 'skipped' }]);
    expect(why('alpha').changes).toEqual([{ kind: 'given' }]);
    expect(explainNode([first, second], first, 'clean').changes).toEqual([{ kind: 'first-run' }]);
  });

  it('reports a missing result when the key did not change', () => {
    const again = makeRun('again', T0 + 9e6, [{ name: 'raw', status: 'executed' }]);
    const before = makeRun('before', T0, [{ name: 'raw', status: 'executed' }]);
    const w = explainNode([before, again], again, 'raw');
    expect(w.changes).toEqual([{ kind: 'result-missing' }]);
    expect(w.reasons[0]).toContain('missing or unreadable');
  });

  it('reports added and removed dependencies', () => {
    const a = makeRun('a', T0, [
      { name: 'x', status: 'input', value: 1 },
      { name: 'y', status: 'executed', upstream: ['x'] },
    ]);
    const b = makeRun('b', T0 + 1, [
      { name: 'z', status: 'input', value: 2 },
      { name: 'y', status: 'executed', upstream: ['z'] },
    ]);
    expect(explainNode([a, b], b, 'y').reasons).toEqual(['dependency x removed', 'dependency z added']);
  });
});

describe('comparison and totals', () => {
  it('marks status, data and key changes and nodes only in one run', () => {
    const { first, second } = pipelineRuns();
    const view = buildRunView([first, second], second.runId)!;
    const c = compareNodes(view.nodes, first.nodes);
    expect(c.changed.get('raw')).toEqual(['status']);
    expect(c.changed.get('clean')).toEqual(['data', 'key']);
    expect(c.changed.has('alpha')).toBe(false);
    const fewer = { ...first.nodes };
    delete fewer.publish;
    fewer.legacy = { ...first.nodes.raw!, nodeName: 'legacy' };
    const d = compareNodes(view.nodes, fewer);
    expect(d.changed.get('publish')).toEqual(['added']);
    expect(d.removed.map((r) => r.nodeName)).toEqual(['legacy']);
  });

  it('estimates time saved from the last execution with the same key', () => {
    const { first, second } = pipelineRuns();
    const view = buildRunView([first, second], second.runId)!;
    const t = computeTotals(view, [first, second]);
    expect(t).toMatchObject({ nodes: 10, hits: 1, misses: 2, timeSavedMs: 1200, timeSavedKnown: 1 });
    expect(t.counts).toMatchObject({
      retrieved: 1,
      executed: 2,
      recomputed: 1,
      failed: 1,
      skipped: 1,
      input: 1,
      override: 1,
    });
    // Without the earlier run the saving is unknown, not zero-by-accident.
    expect(computeTotals(view, [second])).toMatchObject({ timeSavedMs: 0, timeSavedKnown: 0 });
  });
});

describe('groups and layout', () => {
  it('merges the runs of a group into one DAG with edges across runs', () => {
    const runs = nxGroupRuns();
    const one = buildRunView(runs, runs[2]!.runId)!;
    expect(one.nodes.map((n) => n.id)).toEqual(['app:build']);
    expect(one.edges).toEqual([]);
    const all = buildRunView(runs, runs[2]!.runId, true)!;
    expect(all.id).toBe('group:nx-7f3a');
    expect(all.nodes.map((n) => n.id).sort()).toEqual(['app:build', 'lib-a:build', 'lib-b:build']);
    expect(all.edges).toEqual([
      { from: 'lib-a:build', to: 'app:build' },
      { from: 'lib-b:build', to: 'app:build' },
    ]);
    expect(all.nodes.find((n) => n.id === 'lib-b:build')!.runId).toBe('nx-7f3a:lib-b:build');
  });

  it('links fanned-out items to the upstream item with the same task id', () => {
    const run = makeRun('fan', T0, [
      { name: 'item', status: 'executed', taskId: '0' },
      { name: 'item', status: 'executed', taskId: '1' },
      { name: 'square', status: 'executed', taskId: '0', upstream: ['item'] },
      { name: 'square', status: 'executed', taskId: '1', upstream: ['item'] },
      { name: 'total', status: 'executed', upstream: ['square'] },
    ]);
    const v = buildRunView([run], 'fan')!;
    expect(v.edges).toEqual([
      { from: 'item::0', to: 'square::0' },
      { from: 'item::1', to: 'square::1' },
      { from: 'square::0', to: 'total' },
      { from: 'square::1', to: 'total' },
    ]);
  });

  it('lays out left to right: every edge goes from a lower x to a higher x', () => {
    const { second } = pipelineRuns();
    const v = buildRunView([second], second.runId)!;
    for (const layout of [dagreLayout(v.nodes, v.edges), layeredLayout(v.nodes, v.edges)]) {
      expect(layout.boxes.size).toBe(10);
      for (const e of v.edges) expect(layout.boxes.get(e.from)!.x).toBeLessThan(layout.boxes.get(e.to)!.x);
    }
  });

  it('uses the layered layout for 2,000 nodes, with no two boxes overlapping', () => {
    const big = bigRun(40, 50);
    const v = buildRunView([big], big.runId)!;
    const layout = layoutGraph(v.nodes, v.edges);
    expect(layout.engine).toBe('layered');
    expect(layout.boxes.size).toBe(2000);
    const seen = new Set([...layout.boxes.values()].map((b) => `${b.x},${b.y}`));
    expect(seen.size).toBe(2000);
    expect(layout.edges.length).toBe(v.edges.length);
  });
});

describe('html', () => {
  it('is one self-contained file: no external scripts, styles or fonts', () => {
    const { first, second } = pipelineRuns();
    const html = renderRunHtml({ runs: [first, second], selectedRunId: second.runId });
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="(?!data:)/i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain('run-2026-11-24-b');
  });

  it('escapes data so it cannot close its script element', () => {
    expect(jsonForScript({ a: '</script><!--' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--"}');
    expect(JSON.parse(jsonForScript({ a: '</script>\u2028' }))).toEqual({ a: '</script>\u2028' });
  });

  it('renders the browser page in serve mode', () => {
    expect(renderBrowserHtml({ title: 'my runs' })).toContain('"mode":"serve"');
  });
});
