// End to end with the real `nx` binary: a 6-project workspace (chain + diamond, tsc builds) cached by
// dagcache. leaf → strings, numbers → format → report → cli.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL, createWorkspace, every, lastInvocation, why, type Workspace } from './nx-workspace.js';

let ws: Workspace;
beforeAll(() => {
  ws = createWorkspace();
});
afterAll(() => ws?.dispose());

const leafSource = () => ws.read('libs/leaf/src/index.ts');
const outputsOf = () =>
  Object.fromEntries(
    ALL.map((n) => n.split(':')[0]!).flatMap((p) => {
      const dist = join(ws.root, p === 'cli' ? 'apps/cli/dist' : `libs/${p}/dist`);
      return readdirSync(dist).map((f) => [`${p}/${f}`, readFileSync(join(dist, f), 'utf8')]);
    }),
  );
const buildAll = () => {
  const r = ws.nx(['run-many', '-t', 'build']);
  expect(r.status, r.output).toBe(0);
  return r.output;
};

describe('nx run-many with dagcache', () => {
  it('1. the first run executes every target; the second restores every output after dist/ is deleted', async () => {
    buildAll();
    expect((await lastInvocation(ws)).statuses).toEqual(every('executed'));
    const built = outputsOf();

    for (const p of ['leaf', 'strings', 'numbers', 'format', 'report'])
      rmSync(join(ws.root, 'libs', p, 'dist'), { recursive: true });
    rmSync(join(ws.root, 'apps/cli/dist'), { recursive: true });
    const restore = ws.nx(['run-many', '-t', 'build', '--batch=false']); // one process per task
    expect(restore.status, restore.output).toBe(0);
    const output = restore.output;
    expect((await lastInvocation(ws)).statuses).toEqual(every('retrieved'));
    expect(output).toContain('[dagcache] leaf:build: outputs restored from cache');
    expect(outputsOf()).toEqual(built);
    expect(
      execFileSync(process.execPath, [join(ws.root, 'apps/cli/dist/main.js')], { encoding: 'utf8' }),
    ).toContain('75% done');
  });

  it('wraps another executor (nx:run-commands) as well as a command: output captured, replayed and restored', async () => {
    const first = ws.nx(['run', 'cli:bundle']);
    expect(first.status, first.output).toBe(0);
    expect((await lastInvocation(ws)).statuses).toEqual({ ...every('retrieved'), 'cli:bundle': 'executed' });
    const bundled = ws.read('apps/cli/bundle/main.js');

    rmSync(join(ws.root, 'apps/cli/bundle'), { recursive: true });
    const second = ws.nx(['run', 'cli:bundle']);
    expect(second.status, second.output).toBe(0);
    expect((await lastInvocation(ws)).statuses['cli:bundle']).toBe('retrieved');
    expect(second.output).toContain('bundled dist/main.js into bundle/main.js'); // replayed
    expect(ws.read('apps/cli/bundle/main.js')).toBe(bundled);
    expect(statSync(join(ws.root, 'apps/cli/bundle/main.js')).mode & 0o111).not.toBe(0);
  });

  it('2. a comment-only change in the leaf re-runs the leaf only: its output is byte-identical, every dependent hits', async () => {
    const before = outputsOf();
    ws.write('libs/leaf/src/index.ts', `// A comment that changes nothing.\n${leafSource()}`);
    buildAll();
    const { statuses, runIds } = await lastInvocation(ws);
    expect(statuses).toEqual({ ...every('retrieved'), 'leaf:build': 'executed' });
    expect(outputsOf()).toEqual(before);
    // 6. why names the changed file
    expect(await why(ws, runIds['leaf:build']!, 'leaf:build')).toContain('file:libs/leaf/src/index.ts');
  });

  it('3. a real change in the leaf re-runs the leaf and the dependents whose inputs changed; the rest hit', async () => {
    ws.write(
      'libs/leaf/src/index.ts',
      leafSource().replace(
        'Math.min(max, Math.max(min, value))',
        'value < min ? min : value > max ? max : value',
      ),
    );
    buildAll();
    const { statuses, runIds } = await lastInvocation(ws);
    expect(statuses).toEqual({
      'leaf:build': 'executed',
      'strings:build': 'executed',
      'numbers:build': 'executed',
      // strings' and numbers' outputs did not change (only leaf's JavaScript did): early cutoff
      'format:build': 'retrieved',
      'report:build': 'retrieved',
      'cli:build': 'retrieved',
    });
    expect(await why(ws, runIds['leaf:build']!, 'leaf:build')).toContain('file:libs/leaf/src/index.ts');
    expect(await why(ws, runIds['strings:build']!, 'strings:build')).toContain('leaf:build');
  });

  it('nx run and nx affected go through dagcache too', async () => {
    const run = ws.nx(['run', 'cli:build']);
    expect(run.status, run.output).toBe(0);
    expect((await lastInvocation(ws)).statuses).toEqual(every('retrieved'));

    const affected = ws.nx(['affected', '-t', 'build', '--files=libs/numbers/src/index.ts']);
    expect(affected.status, affected.output).toBe(0);
    // numbers, format, report and cli are affected; leaf and strings build as their dependencies
    expect((await lastInvocation(ws)).statuses).toEqual(every('retrieved'));
  });

  it('nx g @dagcache/nx:init (what nx add runs) registers the plugin and ignores .dagcache', () => {
    ws.editJson('nx.json', (nx) => {
      nx['plugins'] = [];
    });
    ws.write('.gitignore', 'node_modules\ndist\n');
    const r = ws.nx(['g', '@dagcache/nx:init']);
    expect(r.status, r.output).toBe(0);
    expect(JSON.parse(ws.read('nx.json'))['plugins']).toEqual([{ plugin: '@dagcache/nx', options: {} }]);
    expect(ws.read('.gitignore').split('\n')).toContain('.dagcache');
  });
});
