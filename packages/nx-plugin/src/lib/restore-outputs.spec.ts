import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleProblem } from './bundle-check.js';
import {
  digestOutputsOnDisk,
  digestsOfBundle,
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
    expect(await restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build')).toBe('restored');
    expect(readdirSync(join(root, 'libs/a/dist')).sort()).toEqual(['index.js', 'sub']);
    expect(readFileSync(join(root, 'libs/a/dist/sub/x.js'), 'utf8')).toBe('x');
    expect(readdirSync(join(root, 'libs/a')).sort()).toEqual(['dist', 'src']);
  });

  it('writes nothing when the outputs on disk already match', async () => {
    const bundle = await bundleOf(['libs/a/dist']);
    expect(await restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build')).toBe('unchanged');
  });

  it('restores glob outputs file by file and removes matching files that were not stored', async () => {
    const bundle = await bundleOf(['libs/a/dist/**/*.js']);
    rmSync(join(root, 'libs/a/dist/index.js'));
    writeFileSync(join(root, 'libs/a/dist/extra.js'), 'extra');
    writeFileSync(join(root, 'libs/a/dist/keep.txt'), 'not an output');
    await restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build');
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
    await expect(restoreOutputs(root, broken, broken.outputs, journal(), 'a:build')).rejects.toThrow();
    expect(() => assertNoInterruptedRestore(journal(), 'a:build')).toThrow(/a:build are incomplete/);
    // The folder that was swapped is whole: it has exactly the stored files.
    expect(readFileSync(join(root, 'libs/a/dist/index.js'), 'utf8')).toBe('new');
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'tampered again');
    await restoreOutputs(root, good, good.outputs, journal(), 'a:build');
    expect(() => assertNoInterruptedRestore(journal(), 'a:build')).not.toThrow();
  });

  it('leftover temp folders of a crashed restore are ignored and cleaned up by the next restore', async () => {
    const bundle = await bundleOf(['libs/a/dist']);
    mkdirSync(join(root, 'libs/a/.dist.dagcache-tmp-abc/half'), { recursive: true });
    writeFileSync(join(root, 'libs/a/.dist.dagcache-tmp-abc/half/file.js'), 'half');
    writeFileSync(join(root, 'libs/a/dist/index.js'), 'tampered');
    await restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build');
    expect(existsSync(join(root, 'libs/a/.dist.dagcache-tmp-abc'))).toBe(false);
    expect(readFileSync(join(root, 'libs/a/dist/index.js'), 'utf8')).toBe('new');
  });
});

describe('links in outputs', () => {
  it('are stored as links (the folder they point at is not read) and restored as links', async () => {
    const outside = tempWorkspace({ 'secret.txt': 'do not copy' });
    try {
      symlinkSync('../src', join(root, 'libs/a/dist/src-link'));
      const bundle = await bundleOf(['libs/a/dist']);
      const link = bundle.files.find((f) => f.path === 'libs/a/dist/src-link');
      expect(link).toMatchObject({ link: '../src' });
      expect(bundle.files.map((f) => f.path)).not.toContain('libs/a/dist/src-link/index.ts');
      rmSync(join(root, 'libs/a/dist'), { recursive: true });
      expect(await restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build')).toBe('restored');
      expect(lstatSync(join(root, 'libs/a/dist/src-link')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(root, 'libs/a/dist/src-link'))).toBe('../src');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a link out of the workspace is refused with one error naming it', async () => {
    const outside = tempWorkspace({ 'secret.txt': 'do not copy' });
    try {
      symlinkSync(outside, join(root, 'libs/a/dist/ext'));
      await expect(bundleOf(['libs/a/dist'])).rejects.toThrow(
        /output libs\/a\/dist\/ext is a symbolic link to .*outside the workspace/,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a link cycle (dist/loop -> .) is stored as a link, not walked until ELOOP', async () => {
    symlinkSync('.', join(root, 'libs/a/dist/loop'));
    const bundle = await bundleOf(['libs/a/dist']);
    expect(bundle.files.map((f) => f.path)).toEqual([
      'libs/a/dist/index.js',
      'libs/a/dist/loop',
      'libs/a/dist/sub/x.js',
    ]);
    expect(fingerprintFiles(await digestOutputsOnDisk(root, ['libs/a/dist']))).toBe(
      fingerprintFiles(digestsOfBundle(bundle)),
    );
  });
});

describe('hostile bundles', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const hostile = (outputs: string[], files: OutputBundle['files']): OutputBundle => ({
    kind: 'dagcache-nx-outputs',
    version: 1,
    outputs,
    files,
    terminal: [],
    exitCode: 0,
  });
  const file = (path: string) => ({ path, executable: false, data: bytes });
  const configured = ['libs/a/dist'];
  const cases: [string, OutputBundle, RegExp][] = [
    ['other outputs than configured', hostile(['libs/a/src'], [file('libs/a/src/index.ts')]), /not the target's configured outputs/],
    ['outputs ["."]', hostile(['.'], []), /not the target's configured outputs/],
    ['a ".." path', hostile(configured, [file('libs/a/dist/../../../outside.txt')]), /has a "\.\." segment/],
    ['an absolute path', hostile(configured, [file('/tmp/outside.txt')]), /is absolute/],
    ['a backslash', hostile(configured, [file('libs/a/dist\\..\\..\\x')]), /backslash/],
    ['an empty segment', hostile(configured, [file('libs/a/dist//x')]), /empty segment/],
    ['a path outside the outputs', hostile(configured, [file('libs/a/src/index.ts')]), /outside the configured outputs/],
    ['a link out of the workspace', hostile(configured, [{ ...file('libs/a/dist/x'), link: '../../../..' }]), /points outside the workspace/],
    ['a file below a stored link', hostile(configured, [{ ...file('libs/a/dist/x'), link: '../src' }, file('libs/a/dist/x/index.ts')]), /below the link/],
  ];
  for (const [what, bundle, message] of cases) {
    it(`refuses ${what}, changing nothing on disk`, async () => {
      expect(bundleProblem(bundle, configured)).toMatch(message);
      const before = treeHash(root);
      await expect(restoreOutputs(root, bundle, configured, journal(), 'a:build')).rejects.toThrow(message);
      expect(treeHash(root)).toBe(before);
    });
  }

  it('a glob restore never writes through a link already below the glob base', async () => {
    symlinkSync('../src', join(root, 'libs/a/dist/through'));
    const bundle = hostile(['libs/a/dist/**/*.ts'], [file('libs/a/dist/through/index.ts')]);
    const before = readFileSync(join(root, 'libs/a/src/index.ts'), 'utf8');
    await expect(restoreOutputs(root, bundle, bundle.outputs, journal(), 'a:build')).rejects.toThrow(
      /libs\/a\/dist\/through is a symbolic link/,
    );
    expect(readFileSync(join(root, 'libs/a/src/index.ts'), 'utf8')).toBe(before);
  });
});

/** SHA-256 over every path, link and byte below `dir` (without following links). */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const visit = (rel: string) => {
    const abs = join(dir, rel);
    const info = lstatSync(abs);
    if (info.isSymbolicLink()) h.update(`L ${rel} ${readlinkSync(abs)}\n`);
    else if (info.isDirectory()) {
      h.update(`D ${rel}\n`);
      for (const e of readdirSync(abs).sort()) visit(rel ? `${rel}/${e}` : e);
    } else h.update(`F ${rel} ${info.mode} `).update(readFileSync(abs)).update('\n');
  };
  visit('');
  return h.digest('hex');
}
