/**
 * dagcache for Temporal: an activity inbound interceptor (and a worker plugin wrapping it) that caches
 * activity results with Apache Hamilton's caching model. Every caching decision is made by `@dagcache/core`.
 *
 * @packageDocumentation
 */
export {
  createCachingInterceptors,
  cachingInterceptorFactory,
} from './interceptor/create-caching-interceptors.js';
export type { CachingInterceptors } from './interceptor/create-caching-interceptors.js';
export {
  CachingActivityInterceptor,
  UNHASHABLE_ARGUMENT,
} from './interceptor/caching-activity-interceptor.js';
export { CachingRuntime } from './interceptor/caching-runtime.js';
export { DagcacheWorkerPlugin } from './plugin/dagcache-worker-plugin.js';
export type { DagcacheWorkerPluginOptions } from './plugin/dagcache-worker-plugin.js';
export type { ActivityResultFormat, CachingInterceptorOptions, DagcacheCache } from './options.js';
export { LINEAGE_HEADER, readLineage, withLineage } from './lineage/lineage-header.js';
export type { Lineage } from './lineage/lineage-header.js';
export { lineageWorkflowModule } from './lineage/lineage-module.js';
export { runGroupOf } from './runs/run-registry.js';
export type { RunGroup } from './runs/run-registry.js';
