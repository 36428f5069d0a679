/** Cache maintenance (what `dagcache stats|gc|verify|clear` run), built on the metadata and result stores. */
export { cacheStats, type CacheStats, type FormatStats } from './stats.js';
export { collectGarbage, type GcOptions, type GcReport } from './gc.js';
export { verifyResults, type VerifyReport, type CorruptResult } from './verify.js';
export { clearCache, type ClearReport } from './clear.js';
export type { MaintenanceTarget, ProgressFn } from './target.js';
