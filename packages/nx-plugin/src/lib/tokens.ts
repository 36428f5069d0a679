import { posix } from 'node:path';

/** What Nx tokens in `outputs` / `inputs` / `cwd` stand for. */
export interface TokenContext {
  /** Project root relative to the workspace root (`libs/a`, or `.` for a root project). */
  projectRoot: string;
  projectName: string;
  /** The target's options, for `{options.outputPath}`. */
  options?: Record<string, unknown>;
}

/**
 * Replaces Nx's tokens in a path pattern and gives back a workspace-relative POSIX pattern, the way
 * Nx reads `outputs`: `{workspaceRoot}/x` → `x`, `{projectRoot}/dist` → `libs/a/dist`, a bare `dist`
 * stays workspace-relative.
 *
 * @example
 * ```ts
 * resolveTokens('{projectRoot}/dist', { projectRoot: 'libs/a', projectName: 'a' }); // 'libs/a/dist'
 * resolveTokens('!{projectRoot}/**\/*.spec.ts', ctx);                                  // '!libs/a/**\/*.spec.ts'
 * ```
 */
export function resolveTokens(pattern: string, ctx: TokenContext): string {
  const negated = pattern.startsWith('!');
  let p = negated ? pattern.slice(1) : pattern;
  p = p
    .replace(/\{workspaceRoot\}\/?/g, '')
    .replace(/\{projectRoot\}/g, ctx.projectRoot)
    .replace(/\{projectName\}/g, ctx.projectName)
    .replace(/\{options\.([\w.-]+)\}/g, (whole, key: string) => {
      const v = ctx.options?.[key];
      return typeof v === 'string' ? v : whole;
    });
  p = posix.normalize(p.replace(/\\/g, '/'));
  if (p.startsWith('./')) p = p.slice(2);
  if (p === '.' || p === './') p = '';
  return (negated ? '!' : '') + p;
}
