/**
 * @dagcache/nx: dagcache's node-level caching (Apache Hamilton's model, early cutoff) for Nx targets.
 * The Nx plugin (`createNodesV2` for inferred wrapped targets, `preTasksExecution` for the invocation
 * group) is this module; the executor is `@dagcache/nx:run`, the generator `@dagcache/nx:init`.
 */
export {
  createNodesV2,
  preTasksExecution,
  name,
  inferTargets,
  wrappedTarget,
  PROJECT_FILES_GLOB,
} from './plugins/plugin.js';
export { runCachedTarget, commandsOf, type CachedTargetResult } from './lib/cached-target.js';
export { initGenerator } from './generators/init/init.js';
export type { RunExecutorSchema } from './lib/run-options.js';
export type { DagcacheNxPluginOptions, WrappedTargetDefinition } from './lib/workspace-defaults.js';
export type { InitGeneratorSchema } from './generators/init/options.js';
export { nodeName } from './lib/node-name.js';
export { fingerprintFiles, type OutputBundle } from './lib/output-bundle.js';
