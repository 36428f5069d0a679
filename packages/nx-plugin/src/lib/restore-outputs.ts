import { randomBytes, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import picomatch from 'picomatch';
import {
  digestOutputsOnDisk,
  digestsOfBundle,
  fileBytes,
  fingerprintFiles,
  type OutputBundle,
  type StoredFile,
} from './output-bundle.js';
import { bundleProblem } from './bundle-check.js';
import { listFiles, RESTORE_OLD_MARK, RESTORE_TEMP_MARK } from './workspace-files.js';

/** `unchanged`: the files on disk already had the stored fingerprint, nothing was written. */
export type RestoreResult = 'unchanged' | 'restored';

/**
 * Puts a stored bundle's output files back, and only those. `outputs` are the target's configured
 * outputs, resolved now: they alone say what is replaced or removed; the bundle (untrusted store input)
 * must already have passed {@link bundleProblem} against them. Skips all writes when the files on disk
 * already fingerprint the same (so a fully cached run touches no mtimes).
 *
 * Atomicity: each output folder is written complete into a temporary folder beside it and renamed into
 * place (the old folder is renamed away first), so a reader sees the old tree, the new tree or no tree,
 * never half of one. A journal file under `journalDir` is written before and removed after; while it
 * exists {@link assertNoInterruptedRestore} refuses to treat those outputs as complete.
 *
 * @example
 * ```ts
 * await restoreOutputs('/ws', bundle, '/ws/.dagcache/nx-restoring', 'lib-a:build'); // 'restored'
 * ```
 */
export async function restoreOutputs(
  root: string,
  bundle: OutputBundle,
  outputs: readonly string[],
  journalDir: string,
  node: string,
): Promise<RestoreResult> {
  const problem = bundleProblem(bundle, outputs);
  if (problem) throw new Error(`dagcache: refusing to restore ${node}: ${problem}`);
  const patterns = outputs.filter((o) => !o.startsWith('!'));
  const onDisk = await digestOutputsOnDisk(root, outputs);
  if (fingerprintFiles(onDisk) === fingerprintFiles(digestsOfBundle(bundle))) return 'unchanged';

  const journal = journalFile(journalDir, node);
  await mkdir(journalDir, { recursive: true });
  await writeFile(journal, JSON.stringify({ node, outputs, startedAt: Date.now() }));
  const claimed = new Set<string>();
  for (const output of patterns) {
    if (picomatch.scan(output).isGlob) continue;
    const own = bundle.files.filter((f) => f.path === output || f.path.startsWith(output + '/'));
    own.forEach((f) => claimed.add(f.path));
    if (own.length === 1 && own[0]!.path === output) await writeFileAtomic(root, own[0]!);
    else await replaceFolder(root, output, own);
  }
  for (const output of patterns.filter((o) => picomatch.scan(o).isGlob)) {
    const own = bundle.files.filter((f) => !claimed.has(f.path) && picomatch(output, { dot: true })(f.path));
    const keep = new Set(own.map((f) => f.path));
    for (const stale of await listFiles(root, [output], { links: 'keep' }))
      if (!keep.has(stale)) await rm(join(root, stale), { force: true });
    const base = picomatch.scan(output).base;
    for (const f of own) {
      // A link already on disk below the glob's base (an earlier restore's) must not carry this write elsewhere.
      await assertNoLinkBetween(root, base, dirname(f.path), node);
      await writeFileAtomic(root, f);
    }
  }
  await rm(journal, { force: true });
  return 'restored';
}

/**
 * Throws when a restore of `node` was interrupted (its journal is still there): its outputs may be
 * partial, so no dependent may fingerprint them as if they were complete.
 */
export function assertNoInterruptedRestore(journalDir: string, node: string): void {
  if (existsSync(journalFile(journalDir, node))) {
    throw new Error(
      `the outputs of ${node} are incomplete (a dagcache restore was interrupted); run ${node} again to restore them`,
    );
  }
}

/** Removes the journal of an earlier interrupted restore of `node` (before running or restoring it again). */
export async function clearInterruptedRestore(journalDir: string, node: string): Promise<void> {
  await rm(journalFile(journalDir, node), { force: true });
}

function journalFile(journalDir: string, node: string): string {
  // Node names never become raw file paths.
  return join(journalDir, createHash('sha256').update(node).digest('hex').slice(0, 32) + '.json');
}

async function writeFileAtomic(root: string, f: StoredFile): Promise<void> {
  const abs = join(root, f.path);
  await mkdir(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `.${basename(abs)}${RESTORE_TEMP_MARK}${randomBytes(6).toString('hex')}`);
  if (f.link !== undefined) await symlink(f.link, tmp);
  else await writeFile(tmp, fileBytes(f), { mode: f.executable ? 0o755 : 0o644 });
  await rename(tmp, abs);
}

async function replaceFolder(root: string, output: string, files: readonly StoredFile[]): Promise<void> {
  const abs = join(root, output);
  const parent = dirname(abs);
  await mkdir(parent, { recursive: true });
  await removeLeftovers(parent, basename(abs));
  const suffix = randomBytes(6).toString('hex');
  const tmp = join(parent, `.${basename(abs)}${RESTORE_TEMP_MARK}${suffix}`);
  const old = join(parent, `.${basename(abs)}${RESTORE_OLD_MARK}${suffix}`);
  await mkdir(tmp, { recursive: true });
  for (const f of files) {
    const target = join(tmp, f.path.slice(output.length + 1));
    await mkdir(dirname(target), { recursive: true });
    if (f.link !== undefined) {
      await symlink(f.link, target);
      continue;
    }
    await writeFile(target, fileBytes(f));
    if (f.executable) await chmod(target, 0o755);
  }
  const hadOld = existsSync(abs);
  if (hadOld) await rename(abs, old);
  if (files.length > 0) await rename(tmp, abs);
  else await rm(tmp, { recursive: true, force: true });
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/**
 * Throws when a folder strictly below `base` on the way to `dir` (both workspace-relative) is a link:
 * writing through it could land anywhere. `base` itself is the workspace's own (a configured output).
 */
async function assertNoLinkBetween(root: string, base: string, dir: string, node: string): Promise<void> {
  if (dir === base || !dir.startsWith(base ? base + '/' : '')) return;
  const rest = (base ? dir.slice(base.length + 1) : dir).split('/');
  let at = base;
  for (const segment of rest) {
    at = at ? `${at}/${segment}` : segment;
    const info = await lstat(join(root, at)).catch(() => undefined);
    if (!info) return;
    if (info.isSymbolicLink())
      throw new Error(`dagcache: refusing to restore ${node}: ${at} is a symbolic link inside an output folder`);
  }
}

/** Temp/old folders left beside an output by a crashed restore are removed before the next one. */
async function removeLeftovers(parent: string, name: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (e.startsWith(`.${name}${RESTORE_TEMP_MARK}`) || e.startsWith(`.${name}${RESTORE_OLD_MARK}`)) {
      await rm(join(parent, e), { recursive: true, force: true });
    }
  }
}
