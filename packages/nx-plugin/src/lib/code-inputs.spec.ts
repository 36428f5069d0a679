import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveCodeInputs } from './code-inputs.js';
import { resolveTokens } from './tokens.js';
import { listFiles } from './workspace-files.js';
import { tempWorkspace } from '../../test/test-workspace.js';

const ctx = { projectRoot: 'libs/a', projectName: 'a' };

describe('tokens', () => {
  it('resolves Nx tokens to workspace-relative paths', () => {
    expect(resolveTokens('{projectRoot}/dist', ctx)).toBe('libs/a/dist');
    expect(resolveTokens('{workspaceRoot}/tsconfig.base.json', ctx)).toBe('tsconfig.base.json');
    expect(resolveTokens('!{projectRoot}/**/*.spec.ts', ctx)).toBe('!libs/a/**/*.spec.ts');
    expect(resolveTokens('{projectRoot}/src', { projectRoot: '.', projectName: 'root' })).toBe('src');
  });
});

describe('code inputs from Nx inputs', () => {
  const named = {
    default: ['{projectRoot}/**/*', 'sharedGlobals'],
    sharedGlobals: ['{workspaceRoot}/tsconfig.base.json'],
    production: ['default', '!{projectRoot}/**/*.spec.ts'],
  };

  it('expands named inputs and drops the ^ dependency parts', () => {
    expect(resolveCodeInputs(['production', '^production'], named, ctx).filesets).toEqual([
      'libs/a/**/*',
      'tsconfig.base.json',
      '!libs/a/**/*.spec.ts',
    ]);
  });

  it('keeps env, runtime and external dependency inputs; drops dependency outputs', () => {
    const r = resolveCodeInputs(
      [
        { env: 'MODE' },
        { runtime: 'node -v' },
        { externalDependencies: ['typescript'] },
        { dependentTasksOutputFiles: '**/*.d.ts' },
      ],
      named,
      ctx,
    );
    expect(r).toEqual({
      filesets: [],
      env: ['MODE'],
      runtime: ['node -v'],
      externalDependencies: ['typescript'],
    });
  });

  it('uses Nx’s default (every project file) when a target has no inputs', () => {
    expect(resolveCodeInputs(undefined, {}, ctx).filesets).toEqual(['libs/a/**/*']);
  });

  it('names an unknown named input', () => {
    expect(() => resolveCodeInputs(['prod'], named, ctx)).toThrow(/unknown named input "prod"/);
  });
});

describe('listing files', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('honours .gitignore, negations and excluded outputs, and never reads node_modules', async () => {
    root = tempWorkspace({
      '.gitignore': 'tmp/\n',
      'libs/a/src/index.ts': '',
      'libs/a/src/index.spec.ts': '',
      'libs/a/dist/index.js': '',
      'libs/a/tmp/x': '',
      'libs/a/node_modules/p/index.js': '',
      'libs/a/.dist.dagcache-tmp-1/index.js': '',
    });
    expect(
      await listFiles(root, ['libs/a/**/*', '!libs/a/**/*.spec.ts'], {
        respectIgnoreFiles: true,
        exclude: ['libs/a/dist'],
      }),
    ).toEqual(['libs/a/src/index.ts']);
    expect(await listFiles(root, ['libs/a/dist'])).toEqual(['libs/a/dist/index.js']);
  });
});
