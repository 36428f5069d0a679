import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of the lineage workflow interceptor module, for `interceptors.workflowModules` or
 * `bundleWorkflowCode({ workflowInterceptorModules })`. Resolves to the TypeScript source when the package
 * runs from source (tests, the `@dagcache/source` condition) and to the built file otherwise.
 *
 * @example
 * ```ts
 * await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [lineageWorkflowModule()] });
 * ```
 */
export function lineageWorkflowModule(): string {
  const built = fileURLToPath(new URL('./workflow-interceptors.js', import.meta.url));
  if (existsSync(built)) return built;
  return fileURLToPath(new URL('./workflow-interceptors.ts', import.meta.url));
}
