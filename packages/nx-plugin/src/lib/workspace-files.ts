import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';

/** Folders never read as code inputs or outputs: dependencies, VCS data and the caches themselves. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git', '.nx', '.dagcache']);

/** Names of the folders a restore writes beside an output before renaming it into place. */
export const RESTORE_TEMP_MARK = '.dagcache-tmp-';
export const RESTORE_OLD_MARK = '.dagcache-old-';

export interface ListFilesOptions {
  /** Skip files that the workspace's root `.gitignore` / `.nxignore` ignore (as Nx does for inputs). */
  respectIgnoreFiles?: boolean;
  /** Extra workspace-relative paths or globs left out (a target's own outputs, when listing its code inputs). */
  exclude?: readonly string[];
  /**
   * `keep` (for outputs): a symbolic link is listed as itself and never followed, so a link to a folder
   * outside the workspace is not read and a link cycle is not walked. `follow` (default, for inputs, as
   * Nx hashes them): links are followed, each real folder once, so a cycle ends.
   */
  links?: 'follow' | 'keep';
}

/**
 * Lists the files under `root` that match workspace-relative patterns (Nx fileset syntax after tokens are
 * resolved: `libs/a/**\/*`, `!libs/a/**\/*.spec.ts`, a plain folder or file). Paths come back
 * workspace-relative, POSIX-style and sorted, so fingerprints built from them are stable across machines.
 *
 * @example
 * ```ts
 * await listFiles('/ws', ['libs/a/**\/*', '!libs/a/**\/*.spec.ts'], { respectIgnoreFiles: true });
 * // ['libs/a/package.json', 'libs/a/src/index.ts', ...]
 * ```
 */
export async function listFiles(
  root: string,
  patterns: readonly string[],
  opts: ListFilesOptions = {},
): Promise<string[]> {
  const includes = patterns.filter((p) => !p.startsWith('!'));
  const excludes = [
    ...patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
    ...(opts.exclude ?? []),
  ];
  const isExcluded = excludes.length ? matcherFor(excludes) : () => false;
  const ig = opts.respectIgnoreFiles ? ignoreFilesOf(root) : undefined;
  const found = new Set<string>();
  for (const pattern of includes) {
    const scan = picomatch.scan(pattern);
    const base = scan.isGlob ? scan.base : pattern;
    const matches = scan.isGlob
      ? picomatch(pattern, { dot: true })
      : (p: string) => p === base || p.startsWith(base + '/');
    const walker = opts.links === 'keep' ? walkKeepingLinks(root, base, ig) : walk(root, base, ig, new Set());
    for await (const file of walker) {
      if (matches(file) && !isExcluded(file)) found.add(file);
    }
  }
  return [...found].sort();
}

/** True when a workspace-relative path is one of the paths or inside one of the folders, or matches a glob. */
export function matcherFor(patterns: readonly string[]): (path: string) => boolean {
  const tests = patterns.map((p) => {
    if (picomatch.scan(p).isGlob) return picomatch(p, { dot: true });
    const clean = p.replace(/\/+$/, '');
    return (path: string) => clean === '' || path === clean || path.startsWith(clean + '/');
  });
  return (path) => tests.some((t) => t(path));
}

function ignoreFilesOf(root: string): Ignore {
  const ig = ignore();
  for (const name of ['.gitignore', '.nxignore']) {
    const file = join(root, name);
    if (existsSync(file)) ig.add(readFileSync(file, 'utf8'));
  }
  return ig;
}

/** True for names a walk never enters: dependencies, VCS data, caches, and a restore's temp folders. */
function skipped(name: string): boolean {
  return ALWAYS_SKIPPED.has(name) || name.includes(RESTORE_TEMP_MARK) || name.includes(RESTORE_OLD_MARK);
}

/**
 * Walks the files below `start` (workspace-relative; '' is the root), following links; a missing start
 * yields nothing. `onPath` holds the real paths of the folders being walked, so a link back up (a cycle)
 * is not entered again.
 */
async function* walk(
  root: string,
  start: string,
  ig: Ignore | undefined,
  onPath: Set<string>,
): AsyncGenerator<string> {
  const abs = join(root, start);
  let info;
  try {
    info = await stat(abs);
  } catch {
    return;
  }
  if (info.isFile()) {
    yield start;
    return;
  }
  if (!info.isDirectory()) return;
  const real = await realpath(abs);
  if (onPath.has(real)) return;
  onPath.add(real);
  const entries = await readdir(abs, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (skipped(e.name)) continue;
    const rel = start ? `${start}/${e.name}` : e.name;
    const isDir =
      e.isDirectory() ||
      (e.isSymbolicLink() && (await stat(join(root, rel)).catch(() => null))?.isDirectory());
    if (ig && ig.ignores(isDir ? `${rel}/` : rel)) continue;
    if (isDir) yield* walk(root, rel, ig, onPath);
    else if (e.isFile() || e.isSymbolicLink()) yield rel;
  }
  onPath.delete(real);
}

/** Walks the files and links below `start` without following any link (outputs). */
async function* walkKeepingLinks(root: string, start: string, ig: Ignore | undefined): AsyncGenerator<string> {
  let info;
  try {
    info = await lstat(join(root, start));
  } catch {
    return;
  }
  if (info.isFile() || info.isSymbolicLink()) {
    yield start;
    return;
  }
  if (!info.isDirectory()) return;
  const entries = await readdir(join(root, start), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (skipped(e.name)) continue;
    const rel = start ? `${start}/${e.name}` : e.name;
    if (ig && ig.ignores(e.isDirectory() ? `${rel}/` : rel)) continue;
    if (e.isDirectory()) yield* walkKeepingLinks(root, rel, ig);
    else if (e.isFile() || e.isSymbolicLink()) yield rel;
  }
}
