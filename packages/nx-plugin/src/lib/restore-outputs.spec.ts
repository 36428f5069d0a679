import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  digestOutputsOnDisk,
  fingerprintFiles,
  readOutputFiles,
  type OutputBundle,
} from './output-bundle.js';
import { assertNoInterruptedRestore, restoreOutputs } from './restore-outputs.js';
import { tempWorkspace } from '../../test/test-workspace.js';

let root: string;
const journal = () => join(root, '.dagcache/nx-restoring');
beforeEach(() => {
  root = tempWorkspace({
    'libs/a/dist/index.js': 'new',
    'libs/a/dist/sub/x.js': 'x',
    'libs/a/src/index.ts': 'src',
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function bundleOf(outputs: string[]): Promise<OutputBundle> {
  return {
    kind: 'dagcache-nx-outputs',
    version: 1,
    outputs,
    files: await readOutputFiles(root, outputs, 'binary'),
    terminal: [],
    exitCode: 0,
  };
}

describe('output fingerprints', () => {
  it('depend on paths and bytes, not on mtimes or the folder the workspace is in', async () => {
    const before = fingerprintFiles(await digestOutputsOnDisk(root, ['libs/a/dist']));
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'new');
    expect(fingerprintFiles(await digestOutputsOnDisk(root, ['libs/a/dist']))).toBe(before);
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'changed');
    expect(fingerprintFiles(await digestOutputsOnDisk(root, ['libs/a/dist']))).not.toBe(before);
  });

  it('are names core’s result store accepts', () => {
    expect(fingerprintFiles([])).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
  });
});

describe('atomic restore', () => {
  it('replaces an output folder whole: stale files go, stored files come back', async () => {
    const bundle = await bundleOf(['libs/a/dist']);
    writeFileSync(join(root, 'libs/a/dist/stale.js'), 'stale');
    rmSync(join(root, 'libs/a/dist/sub'), { recursive: true });
    expect(await restoreOutputs(root, bundle, journal(), 'a:build')).toBe('restored');
    expect(readdirSync(join(root, 'libs/a/dist')).sort()).toEqual(['index.js', 'sub']);
    expect(readFileSync(join(root, 'libs/a/dist/sub/x.js'), 'utf8')).toBe('x');
    expect(readdirSync(join(root, 'libs/a')).sort()).toEqual(['dist', 'src']);
  });

  it('writes nothing when the outputs on disk already match', async () => {
    const bundle = await bundleOf(['libs/a/dist']);
    expect(await restoreOutputs(root, bundle, journal(), 'a:build')).toBe('unchanged');
  });

  it('restores glob outputs file by file and removes matching files that were not stored', async () => {
    const bundle = await bundleOf(['libs/a/dist/**/*.js']);
    rmSync(join(root, 'libs/a/dist/index.js'));
    writeFileSync(join(root, 'libs/a/dist/extra.js'), 'extra');
    writeFileSync(join(root, 'libs/a/dist/keep.txt'), 'not an output');
    await restoreOutputs(root, bundle, journal(), 'a:build');
    expect(readdirSync(join(root, 'libs/a/dist')).sort()).toEqual(['index.js', 'keep.txt', 'sub']);
  });

  it('an interrupted restore leaves a journal, so dependents refuse the outputs until the next restore', async () => {
    const good = await bundleOf(['libs/a/dist']);
    // The second output lies under a file, so the restore dies after it has started (as a crash would).
    const broken: OutputBundle = {
      ...good,
      outputs: ['libs/a/dist', 'libs/a/src/index.ts/out'],
      files: [
        ...good.files,
        { path: 'libs/a/src/index.ts/out/y.js', executable: false, data: new Uint8Array([1]) },
      ],
    };
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'tampered');
    await expect(restoreOutputs(root, broken, journal(), 'a:build')).rejects.toThrow();
    expect(() => assertNoInterruptedRestore(journal(), 'a:build')).toThrow(/a:build are incomplete/);
    // The folder that was swapped is whole: it has exactly the stored files.
    expect(readFileSync(join(root, 'libs/a/dist/index.js'), 'utf8')).toBe('new');
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'tampered again');
    await restoreOutputs(root, good, journal(), 'a:build');
    expect(() => assertNoInterruptedRestore(journal(), 'a:build')).not.toThrow();
  });

  it('leftover temp folders of a crashed restore are ignored and cleaned up by the next restore', async () => {
    const bundle = await bundleOf(['libs/a/dist']);
    mkdirSync(join(root, 'libs/a/.dist.dagcache-tmp-abc/half'), { recursive: true });
    writeFileSync(join(root, 'libs/a/.dist.dagcache-tmp-abc/half/file.js'), 'half');
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'tampered');
    await restoreOutputs(root, bundle, journal(), 'a:build');
    expect(existsSync(join(root, 'libs/a/.dist.dagcache-tmp-abc'))).toBe(false);
    expect(readFileSync(join(root, 'libs/a/dist/index.js'), 'utf8')).toBe('new');
  });
});
