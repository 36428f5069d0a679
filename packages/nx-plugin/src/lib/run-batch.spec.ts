import { rmSync } from 'node:fs';
import type { TaskGraph } from '@nx/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeContext, tempWorkspace, type FakeTask } from '../../test/test-workspace.js';
import { runBatch } from './run-batch.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (text: string) =>
  `node -e "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/x.txt','${text}')"`;

async function collect(tasks: FakeTask[]) {
  const ctx = fakeContext(root, tasks, 'a:build');
  const inputs = Object.fromEntries(tasks.map((t) => [`${t.project}:build`, t.options ?? {}]));
  const order: string[] = [];
  const results: Record<string, { success: boolean; terminalOutput: string }> = {};
  for await (const { task, result } of runBatch(ctx.taskGraph as TaskGraph, inputs as never, ctx, 2)) {
    order.push(task);
    results[task] = result;
  }
  return { order, results };
}

describe('batch mode', () => {
  it('runs tasks in dependency order and gives each its own terminal output', async () => {
    root = tempWorkspace({ 'libs/a/src/a': 'a', 'libs/b/src/b': 'b', 'libs/c/src/c': 'c' });
    const tasks: FakeTask[] = [
      { project: 'c', root: 'libs/c', deps: ['b'], options: { command: write('c'), cwd: 'libs/c' } },
      { project: 'b', root: 'libs/b', deps: ['a'], options: { command: write('b'), cwd: 'libs/b' } },
      { project: 'a', root: 'libs/a', options: { command: `${write('a')} && echo from-a`, cwd: 'libs/a' } },
    ];
    const first = await collect(tasks);
    expect(first.order).toEqual(['a:build', 'b:build', 'c:build']);
    expect(first.results['a:build']!.terminalOutput).toContain('from-a');
    expect(first.results['b:build']!.terminalOutput).not.toContain('from-a');
    const second = await collect(tasks);
    expect(Object.values(second.results).every((r) => r.success)).toBe(true);
    expect(second.results['a:build']!.terminalOutput).toContain('from-a'); // replayed on the hit
    expect(second.results['c:build']!.terminalOutput).toContain(
      '[dagcache] c:build: outputs already up to date',
    );
  });

  it('does not run a task whose dependency failed, and reports it as failed', async () => {
    root = tempWorkspace({ 'libs/a/src/a': 'a', 'libs/b/src/b': 'b', 'libs/z/src/z': 'z' });
    const tasks: FakeTask[] = [
      { project: 'a', root: 'libs/a', options: { command: 'node -e "process.exit(1)"', cwd: 'libs/a' } },
      { project: 'b', root: 'libs/b', deps: ['a'], options: { command: write('b'), cwd: 'libs/b' } },
      { project: 'z', root: 'libs/z', options: { command: write('z'), cwd: 'libs/z' } },
    ];
    const { results } = await collect(tasks);
    expect(results['a:build']!.success).toBe(false);
    expect(results['b:build']).toMatchObject({
      success: false,
      terminalOutput: expect.stringContaining('not run'),
    });
    expect(results['z:build']!.success).toBe(true);
  });
});
