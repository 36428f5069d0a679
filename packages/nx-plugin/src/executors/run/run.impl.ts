import type { ExecutorContext } from '@nx/devkit';
import { runCachedTarget } from '../../lib/cached-target.js';
import type { RunExecutorSchema } from '../../lib/run-options.js';

/**
 * `@dagcache/nx:run`: runs a command or another executor with dagcache's node-level cache.
 * Thin on purpose: everything happens in {@link runCachedTarget}, which tests call without Nx.
 *
 * @example project.json
 * ```json
 * "build": {
 *   "executor": "@dagcache/nx:run",
 *   "options": { "command": "tsc -p tsconfig.lib.json", "cwd": "{projectRoot}" },
 *   "outputs": ["{projectRoot}/dist"], "dependsOn": ["^build"], "cache": false
 * }
 * ```
 */
export default async function runExecutor(
  options: RunExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { success } = await runCachedTarget(options, context);
  return { success };
}
