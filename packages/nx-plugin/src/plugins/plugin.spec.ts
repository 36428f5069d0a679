import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempWorkspace } from '../../test/test-workspace.js';
import { GROUP_ENV } from '../lib/invocation-group.js';
import { inferTargets, PROJECT_FILES_GLOB, preTasksExecution } from './plugin.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

const nxJsonConfiguration = {};
const build = {
  command: 'tsc -p tsconfig.lib.json',
  cwd: '{projectRoot}',
  outputs: ['{projectRoot}/dist'],
  dependsOn: ['^build'],
};

describe('inferred targets (createNodesV2)', () => {
  it('adds the named targets, wrapped in @dagcache/nx:run, to project.json and workspace package.json projects', () => {
    root = tempWorkspace({ 'package.json': JSON.stringify({ workspaces: ['libs/*'] }) });
    const result = inferTargets(
      [
        'package.json',
        'libs/a/package.json',
        'libs/b/project.json',
        'libs/b/package.json',
        'tools/x/package.json',
      ],
      { targets: { build } },
      { workspaceRoot: root, nxJsonConfiguration },
    );
    expect(result.map(([file]) => file)).toEqual(['libs/a/package.json', 'libs/b/project.json']);
    const target = result[0]![1].projects!['libs/a']!.targets!['build']!;
    expect(target).toMatchObject({
      executor: '@dagcache/nx:run',
      options: { command: 'tsc -p tsconfig.lib.json', cwd: '{projectRoot}' },
      outputs: ['{projectRoot}/dist'],
      dependsOn: ['^build'],
      cache: false,
    });
  });

  it('adds nothing without targets', () => {
    root = tempWorkspace({});
    expect(inferTargets(['libs/a/project.json'], {}, { workspaceRoot: root, nxJsonConfiguration })).toEqual(
      [],
    );
  });

  it('lets a target keep Nx’s own cache when asked', () => {
    root = tempWorkspace({});
    const [[, r]] = inferTargets(
      ['a/project.json'],
      { targets: { build: { ...build, cache: true } } },
      {
        workspaceRoot: root,
        nxJsonConfiguration,
      },
    ) as [[string, { projects: Record<string, { targets: Record<string, { cache: boolean }> }> }]];
    expect(r.projects['a']!.targets['build']!.cache).toBe(true);
  });

  it('the CommonJS entry Nx requires has the same file pattern and hooks', () => {
    const entry = readFileSync(join(import.meta.dirname, '../../cjs/index.cjs'), 'utf8');
    expect(entry).toContain(`'${PROJECT_FILES_GLOB}'`);
    const cjs = createRequire(import.meta.url)('../../cjs/index.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(['createNodesV2', 'name', 'preTasksExecution']);
  });
});

describe('invocation group (preTasksExecution)', () => {
  it('sets one group id per Nx invocation, replacing the previous one (the daemon is long-lived)', async () => {
    const ctx = { workspaceRoot: '/ws', nxJsonConfiguration, argv: [] };
    await preTasksExecution({}, { ...ctx, id: 'first' });
    expect(process.env[GROUP_ENV]).toBe('nx-first');
    await preTasksExecution({}, { ...ctx, id: 'second' });
    expect(process.env[GROUP_ENV]).toBe('nx-second');
    delete process.env[GROUP_ENV];
  });
});
