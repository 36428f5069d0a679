// End to end with the real `nx` binary: behaviors, failures, Nx's native cache for comparison, the daemon.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, every, lastInvocation, runCount, type Workspace } from './nx-workspace.js';

let ws: Workspace;
beforeAll(() => {
  ws = createWorkspace();
  const r = ws.nx(['run-many', '-t', 'build']);
  expect(r.status, r.output).toBe(0);
});
afterAll(() => ws?.dispose());

const leaf = 'libs/leaf/src/index.ts';
/** Sets the behavior lists of the nx.json plugin entry (same names as core's CacheOptions). */
const setLists = (lists: Record<string, unknown>) =>
  ws.editJson('nx.json', (nx) => {
    const options = nx['plugins'][0].options;
    for (const key of ['default', 'recompute', 'disable', 'ignore', 'defaultBehavior']) delete options[key];
    Object.assign(options, lists);
  });
const buildAll = async () => {
  const r = ws.nx(['run-many', '-t', 'build']);
  expect(r.status, r.output).toBe(0);
  return (await lastInvocation(ws)).statuses;
};

describe('4. behaviors from nx.json', () => {
  it('recompute always runs, even with nothing changed (globs name targets too); dependents hit while its output stays the same', async () => {
    setLists({ recompute: ['cli:build', 'num*:build'] });
    expect(await buildAll()).toEqual({
      ...every('retrieved'),
      'cli:build': 'recomputed',
      'numbers:build': 'recomputed',
    });
  });

  it('disable runs without caching, and its direct dependents cannot hit', async () => {
    setLists({ disable: ['leaf:build'] });
    expect(await buildAll()).toEqual({
      ...every('retrieved'),
      'leaf:build': 'disabled',
      'strings:build': 'executed',
      'numbers:build': 'executed',
    });
  });

  it('ignore runs without caching and leaves the target out of its dependents’ keys', async () => {
    setLists({ ignore: ['leaf:build'] });
    expect((await buildAll())['strings:build']).toBe('executed'); // its key no longer has leaf in it
    ws.write(leaf, ws.read(leaf).replace('text.repeat', 'String(text).repeat'));
    expect(await buildAll()).toEqual({ ...every('retrieved'), 'leaf:build': 'ignored' });
  });
});

describe('5. failures', () => {
  it('a failing target stores nothing; the next run executes it again', async () => {
    setLists({});
    const good = ws.read(leaf);
    ws.write(leaf, `${good}\nexport const broken: number = 'not a number';\n`);
    for (let i = 0; i < 2; i++) {
      const r = ws.nx(['run-many', '-t', 'build']);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('[dagcache] leaf:build failed');
      // dependents never ran: Nx skipped them
      expect((await lastInvocation(ws)).statuses).toEqual({ 'leaf:build': 'failed' });
    }
    ws.write(leaf, good);
  });
});

describe('2b. the same comment-only change with Nx’s native cache', () => {
  it('re-runs every dependent, where dagcache re-ran only the leaf; with both caches on, dagcache catches Nx’s misses', async () => {
    const native = createWorkspace();
    try {
      // Nx's cache decides (cache: true); dagcache only passes through (disable), recording each task that ran.
      native.editJson('nx.json', (nx) => {
        nx['plugins'][0].options.defaultBehavior = 'disable';
        nx['plugins'][0].options.targets.build.cache = true;
      });
      native.editJson('apps/cli/package.json', (pkg) => {
        pkg['nx'].targets.build.cache = true;
      });
      const cold = native.nx(['run-many', '-t', 'build']);
      expect(cold.status, cold.output).toBe(0);
      const before = await runCount(native);
      native.write(leaf, `// A comment that changes nothing.\n${native.read(leaf)}`);
      const r = native.nx(['run-many', '-t', 'build']);
      expect(r.status, r.output).toBe(0);
      const reran = (await runCount(native)) - before;
      console.log(
        `Nx native cache re-ran ${reran} of 6 targets after a comment-only change in the leaf (dagcache: 1)`,
      );
      expect(reran).toBe(6);

      // Nx's cache on *and* dagcache deciding: Nx misses every dependent, dagcache hits them.
      native.editJson('nx.json', (nx) => {
        delete nx['plugins'][0].options.defaultBehavior;
      });
      for (const comment of ['// first', '// second']) {
        native.write(leaf, `${comment}\n${native.read(leaf)}`);
        const again = native.nx(['run-many', '-t', 'build']);
        expect(again.status, again.output).toBe(0);
      }
      expect((await lastInvocation(native)).statuses).toEqual({
        ...every('retrieved'),
        'leaf:build': 'executed',
      });
    } finally {
      native.dispose();
    }
  });
});

describe('the Nx daemon', () => {
  it('with the daemon on, each invocation is its own group and outputs are restored', async () => {
    const env = { NX_DAEMON: 'true' };
    try {
      const first = ws.nx(['run-many', '-t', 'build'], env);
      expect(first.status, first.output).toBe(0);
      const a = await lastInvocation(ws);
      rmSync(join(ws.root, 'libs/report/dist'), { recursive: true });
      const second = ws.nx(['run-many', '-t', 'build'], env);
      expect(second.status, second.output).toBe(0);
      const b = await lastInvocation(ws);
      expect(b.statuses).toEqual(every('retrieved'));
      expect(b.group).not.toBe(a.group);
      expect(b.group).toMatch(/^nx-/);
      expect(ws.read('libs/report/dist/index.js')).toContain('section');
    } finally {
      ws.nx(['daemon', '--stop'], env);
    }
  });
});
