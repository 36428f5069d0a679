import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCache } from '@dagcache/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCachedTarget } from './cached-target.js';
import { fakeContext, tempWorkspace, type FakeTask } from '../../test/test-workspace.js';

// "Compiles" src/in.txt into dist/out.txt with comments (#…) stripped, as tsc with removeComments does.
const compileA = `node -e "const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/out.txt',fs.readFileSync('src/in.txt','utf8').replace(/#.*\\n/g,''));console.log('compiled a')"`;
const compileB = `node -e "const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/b.txt','b('+fs.readFileSync('../a/dist/out.txt','utf8')+')')"`;

let root: string;
let tasks: FakeTask[];
beforeEach(() => {
  root = tempWorkspace({
    'libs/a/src/in.txt': '# comment\nvalue-1\n',
    'libs/b/src/in.txt': 'b\n',
    '.gitignore': 'dist\n',
  });
  tasks = [
    { project: 'a', root: 'libs/a', options: { command: compileA, cwd: 'libs/a' } },
    { project: 'b', root: 'libs/b', deps: ['a'], options: { command: compileB, cwd: 'libs/b' } },
  ];
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

const run = (id: 'a' | 'b', pluginOptions: Record<string, unknown> = {}) => {
  const task = tasks.find((t) => t.project === id)!;
  return runCachedTarget(task.options as never, fakeContext(root, tasks, `${id}:build`, pluginOptions));
};
const buildAll = async (pluginOptions: Record<string, unknown> = {}) => [
  (await run('a', pluginOptions)).status,
  (await run('b', pluginOptions)).status,
];

describe('hits and misses', () => {
  it('executes on the first run and retrieves on the second', async () => {
    expect(await buildAll()).toEqual(['executed', 'executed']);
    expect(await buildAll()).toEqual(['retrieved', 'retrieved']);
  });

  it('restores deleted outputs on a hit, and only rewrites them when they differ', async () => {
    await buildAll();
    rmSync(join(root, 'libs/a/dist'), { recursive: true });
    const a = await run('a');
    expect(a).toMatchObject({ status: 'retrieved', restore: 'restored' });
    expect(readFileSync(join(root, 'libs/a/dist/out.txt'), 'utf8')).toBe('value-1\n');
    expect(await run('a')).toMatchObject({ status: 'retrieved', restore: 'unchanged' });
  });

  it('replays the captured terminal output on a hit', async () => {
    await run('a');
    const write = vi.mocked(process.stdout.write);
    write.mockClear();
    await run('a');
    expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('compiled a');
  });
});

describe('early cutoff', () => {
  it('a comment-only change re-runs the library; its dependent hits because the output is byte-identical', async () => {
    await buildAll();
    writeFileSync(join(root, 'libs/a/src/in.txt'), '# another comment\nvalue-1\n');
    expect(await buildAll()).toEqual(['executed', 'retrieved']);
  });

  it('a real change re-runs the dependent too', async () => {
    await buildAll();
    writeFileSync(join(root, 'libs/a/src/in.txt'), 'value-2\n');
    expect(await buildAll()).toEqual(['executed', 'executed']);
    expect(readFileSync(join(root, 'libs/b/dist/b.txt'), 'utf8')).toBe('b(value-2\n)');
  });

  it('why names the file that changed', async () => {
    await buildAll();
    writeFileSync(join(root, 'libs/a/src/in.txt'), 'value-3\n');
    const { runId } = await run('a');
    const cache = await openCache({ path: join(root, '.dagcache') });
    try {
      const why = await cache.why(runId, 'a:build');
      expect(why.reasons.join('\n')).toContain('file:libs/a/src/in.txt');
    } finally {
      await cache.close();
    }
  });

  it('a change in the options (the command) is a code change', async () => {
    await run('a');
    tasks[0]!.options = { ...tasks[0]!.options, command: `${compileA} && echo again` };
    expect((await run('a')).status).toBe('executed');
  });
});

describe('behaviors', () => {
  it('recompute always runs', async () => {
    await buildAll();
    expect(await buildAll({ recompute: ['a:build'] })).toEqual(['recomputed', 'retrieved']);
  });

  it('globs in nx.json lists match node names', async () => {
    await buildAll();
    expect(await buildAll({ recompute: ['*:build'] })).toEqual(['recomputed', 'recomputed']);
  });

  it('disable: runs without caching and its dependents never hit', async () => {
    expect(await buildAll({ disable: ['a:build'] })).toEqual(['disabled', 'executed']);
    expect(await buildAll({ disable: ['a:build'] })).toEqual(['disabled', 'executed']);
  });

  it('ignore: runs without caching and is left out of its dependents’ keys', async () => {
    expect(await buildAll({ ignore: ['a:build'] })).toEqual(['ignored', 'executed']);
    writeFileSync(join(root, 'libs/a/src/in.txt'), 'value-2\n');
    expect(await buildAll({ ignore: ['a:build'] })).toEqual(['ignored', 'retrieved']);
  });

  it('the executor option `behavior` applies when nx.json names no list', async () => {
    tasks[0]!.options = { ...tasks[0]!.options, behavior: 'recompute' };
    await run('a');
    expect((await run('a')).status).toBe('recomputed');
  });
});

describe('failures', () => {
  it('a failing target stores nothing and runs again next time', async () => {
    tasks[0]!.options = { command: 'node -e "process.exit(3)"', cwd: 'libs/a' };
    expect(await run('a')).toMatchObject({ success: false, status: 'failed' });
    expect(await run('a')).toMatchObject({ success: false, status: 'failed' });
    const cache = await openCache({ path: join(root, '.dagcache') });
    try {
      const runs = await cache.listRuns();
      expect(runs.map((r) => r.counts.retrieved ?? 0)).toEqual([0, 0]);
    } finally {
      await cache.close();
    }
  });

  it('stored outputs do not include files outside the declared outputs', async () => {
    tasks[0]!.options = {
      command: `${compileA} && node -e "require('fs').writeFileSync('stray.txt','x')"`,
      cwd: 'libs/a',
    };
    await run('a');
    rmSync(join(root, 'libs/a/stray.txt'));
    rmSync(join(root, 'libs/a/dist'), { recursive: true });
    await run('a');
    expect(existsSync(join(root, 'libs/a/dist/out.txt'))).toBe(true);
    expect(existsSync(join(root, 'libs/a/stray.txt'))).toBe(false);
  });
});

describe('json format', () => {
  it('stores bytes as base64 and restores them', async () => {
    await run('a', { format: 'json' });
    rmSync(join(root, 'libs/a/dist'), { recursive: true });
    expect(await run('a', { format: 'json' })).toMatchObject({ status: 'retrieved', restore: 'restored' });
    expect(readFileSync(join(root, 'libs/a/dist/out.txt'), 'utf8')).toBe('value-1\n');
  });
});

describe('the replayed log belongs to the cache key', () => {
  // A check with no outputs: every execution stores the same (empty) files, only its log differs.
  const checkSize = `node -e "console.log('CHECK-SIZE '+require('fs').statSync('src/in.txt').size)"`;
  const printed = async () => {
    const write = vi.mocked(process.stdout.write);
    write.mockClear();
    const r = await run('a');
    return { status: r.status, text: write.mock.calls.map((c) => String(c[0])).join('') };
  };

  it('a hit prints what the execution with this key printed, not an earlier one with the same outputs', async () => {
    tasks = [{ project: 'a', root: 'libs/a', outputs: [], options: { command: checkSize, cwd: 'libs/a' } }];
    const small = '# comment\nvalue-1\n';
    const large = `${small}${'x'.repeat(300)}\n`;
    expect(await printed()).toMatchObject({ status: 'executed', text: expect.stringContaining(`CHECK-SIZE ${small.length}`) });
    writeFileSync(join(root, 'libs/a/src/in.txt'), large);
    expect(await printed()).toMatchObject({ status: 'executed', text: expect.stringContaining(`CHECK-SIZE ${large.length}`) });
    const hit = await printed();
    expect(hit.status).toBe('retrieved');
    expect(hit.text).toContain(`CHECK-SIZE ${large.length}`);
    expect(hit.text).not.toContain(`CHECK-SIZE ${small.length}`);
  });
});

describe('configured outputs', () => {
  for (const output of ['{workspaceRoot}', '.', '../elsewhere', '{projectRoot}/../../..']) {
    it(`refuses the output "${output}" before running anything, naming the target`, async () => {
      tasks = [{ project: 'a', root: 'libs/a', outputs: [output], options: { command: compileA, cwd: 'libs/a' } }];
      await expect(run('a')).rejects.toThrow(/output ".*" of a:build (is the workspace root|has a "\.\." segment)/);
      expect(existsSync(join(root, 'libs/a/dist'))).toBe(false);
    });
  }
});
