import { posix } from 'node:path';
import picomatch from 'picomatch';

/**
 * Why a workspace-relative path read from a store may not be written, or undefined when it may: it must
 * be relative, POSIX, and every segment a real name (no empty, `.` or `..` segment, no backslash, no NUL),
 * so that joining it onto the workspace can never leave the workspace.
 *
 * @example
 * ```ts
 * unsafePath('libs/a/dist/index.js'); // undefined
 * unsafePath('libs/a/../../etc');     // 'has a ".." segment'
 * ```
 */
export function unsafePath(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.includes('\\')) return 'has a backslash';
  if (path.includes('\0')) return 'has a NUL byte';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.') return 'has a "." segment';
    if (segment === '..') return 'has a ".." segment';
  }
  return undefined;
}

/**
 * Checks a target's configured outputs (tokens already resolved) before anything runs: each must name a
 * place strictly inside the workspace, since a restore replaces what it names. Throws one error naming
 * the target and the output.
 *
 * @example
 * ```ts
 * assertConfiguredOutputs(['libs/a/dist'], 'a:build'); // ok
 * assertConfiguredOutputs(['.'], 'a:build');           // throws: the workspace root
 * ```
 */
export function assertConfiguredOutputs(outputs: readonly string[], node: string): void {
  for (const output of outputs) {
    const path = output.startsWith('!') ? output.slice(1) : output;
    const problem =
      path === '' ? 'is the workspace root (a restore would replace the whole workspace)' : unsafePath(path);
    if (problem) {
      throw new Error(
        `dagcache: output "${output}" of ${node} ${problem}; outputs must be folders, files or globs inside the workspace`,
      );
    }
  }
}

/**
 * A test for "this workspace-relative path lies inside one of the configured outputs": equal to or below
 * a plain output, or matched by a glob, and not excluded by a `!` pattern.
 *
 * @example
 * ```ts
 * const inside = insideOutputs(['libs/a/dist', '!libs/a/dist/tmp']);
 * inside('libs/a/dist/index.js'); // true
 * inside('libs/a/src/index.ts');  // false
 * ```
 */
export function insideOutputs(outputs: readonly string[]): (path: string) => boolean {
  const tests = outputs
    .filter((o) => !o.startsWith('!'))
    .map((o) =>
      picomatch.scan(o).isGlob
        ? picomatch(o, { dot: true })
        : (p: string) => p === o || p.startsWith(o + '/'),
    );
  return (path) => tests.some((t) => t(path));
}

/**
 * Where a symbolic link's target text points, workspace-relative, or undefined when it points outside
 * the workspace (absolute targets and targets that climb above the root).
 *
 * @example
 * ```ts
 * linkDestination('libs/a/dist/ext', '../src');  // 'libs/a/src'
 * linkDestination('libs/a/dist/ext', '/etc');    // undefined
 * ```
 */
export function linkDestination(linkPath: string, target: string): string | undefined {
  if (target === '' || target.includes('\\') || target.includes('\0')) return undefined;
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (resolved === '..' || resolved.startsWith('../')) return undefined;
  return resolved === '.' ? '' : resolved;
}
