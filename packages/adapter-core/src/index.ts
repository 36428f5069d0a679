/**
 * @dagcache/core — node-level result caching in the manner of Apache Hamilton: behaviors, code and
 * data versions, cache keys, a Keyv metadata store, a content-addressed result store, events, and the
 * direct API (`Builder`, `node`). Adapters (Nx, Temporal) build on `openCache` / `startRun` / `run.node`.
 */
export * from './errors.js';
export * from './behavior/caching-behavior.js';
export { resolveBehavior, validateBehaviorConfig, type ResolvedBehavior } from './behavior/resolve-behavior.js';
export * from './events/caching-event.js';
export { groupByNode, keptAt } from './events/event-log.js';
export * from './formats/result-format.js';
export { getFormat, parseFormatName } from './formats/registry.js';
export type * from './cache/types.js';
export { openCache, Cache, validateCacheOptions, CACHE_OPTION_NAMES } from './cache/cache.js';
export { Run } from './cache/run.js';
export { DISABLED_VERSION, UNHASHABLE_VERSION, nodeId } from './cache/markers.js';
export { composeCacheKey } from './cache-key/cache-key.js';
export { versionCode } from './code-version/version-code.js';
export { normalizeSource } from './code-version/normalize-source.js';
export * from './fingerprint/index.js';
export { MetadataStore, type MetadataEntry, type RunSummary, type LatestEntry } from './stores/metadata-store.js';
export { ResultStore, type ResultEntry } from './stores/result-store.js';
export { keyvFactoryFor, type KeyvFactory, type MetadataStoreOption } from './stores/keyv-factory.js';
export { Builder } from './driver/builder.js';
export type { NodeInput } from './driver/graph.js';
export { Driver, type ExecuteOptions } from './driver/driver.js';
export { DriverCache } from './driver/driver-cache.js';
export { node, extractFields, type NodeDefinition, type MultiNodeDefinition, type NodeOptions, type NodeCacheOptions } from './driver/node-definition.js';
export * from './maintenance/index.js';
