import type { CacheOptions, FormatName } from '@dagcache/core';
import type { openCache } from '@dagcache/core';
import type { PayloadConverter } from '@temporalio/common';

/** An open dagcache cache (what `openCache` resolves to). */
export type DagcacheCache = Awaited<ReturnType<typeof openCache>>;

/**
 * How an activity's result is stored. `payload` (the default) stores the bytes the worker's payload converter
 * produces and decodes them again on a hit, so whatever the converter round-trips comes back exactly. A core
 * format (`json`, `parquet`, `feather`, …) stores the returned value itself, which suits large tables.
 */
export type ActivityResultFormat = 'payload' | FormatName;

/**
 * Options of {@link createCachingInterceptors} and {@link DagcacheWorkerPlugin}.
 *
 * Behavior lists (`default`, `recompute`, `disable`, `ignore`: activity type names, or `true` for all),
 * `defaultBehavior`, `path`, `metadataStore`, `resultDir`, `logToFile` and `formatOptions` are core's
 * {@link CacheOptions} and mean exactly what they mean there; node names are activity types.
 *
 * @example
 * ```ts
 * createCachingInterceptors({
 *   path: '.dagcache',
 *   versions: { fetchPrices: '2' },     // bump when fetchPrices changes what it returns
 *   recompute: ['sendEmail'],           // always run, but still store and version the result
 *   formats: { loadTable: 'parquet' },
 * });
 * ```
 */
export interface CachingInterceptorOptions extends Omit<
  CacheOptions,
  'formats' | 'unhashable' | 'defaultFormat'
> {
  /**
   * An already open cache to use instead of opening one from the options above (they are then ignored).
   * The caller keeps ownership: closing the interceptors does not close it.
   */
  cache?: DagcacheCache;
  /**
   * Declared code version per activity type. Change it when the activity's behavior changes, so earlier
   * results stop matching. Takes precedence over {@link CachingInterceptorOptions.buildId}.
   */
  versions?: Record<string, string>;
  /**
   * Worker-wide code version (e.g. your build id or git sha) for activities without an entry in
   * `versions`. Every result cached under another build id stops matching.
   */
  buildId?: string;
  /**
   * The activity functions the worker registers. When given, an activity with neither a `versions` entry
   * nor a `buildId` is versioned by its source (core's `versionCode`: comments and formatting do not count).
   * The worker plugin fills this in from the worker's `activities`.
   */
  activities?: object;
  /** Result format per activity type (default `payload`; see {@link ActivityResultFormat}). */
  formats?: Record<string, ActivityResultFormat>;
  /**
   * Payload converter used to fingerprint arguments and store results. Use the worker's own converter
   * (the one named by `dataConverter.payloadConverterPath`); the worker plugin loads that one for you.
   * Default: Temporal's default payload converter.
   */
  payloadConverter?: PayloadConverter;
  /**
   * Per activity type: what to do when an argument cannot be encoded by the payload converter.
   * `error` (default) fails the activity with a non-retryable `ApplicationFailure` naming the argument path;
   * `recompute` always runs that activity and caches nothing for such calls.
   */
  unhashable?: Record<string, 'error' | 'recompute'>;
  /**
   * Read upstream data versions from the `dagcache-lineage` activity header (set by the workflow
   * interceptor module `@dagcache/temporal/workflow-interceptors`) and make them part of each key, so a
   * chain of activities gets early cutoff even for data not passed as arguments. Off by default.
   */
  lineage?: boolean;
  /**
   * Most core runs kept open at once (one per workflow execution and activity type in use; see README
   * "Runs"). The least recently used run is finished beyond this. Default 64.
   */
  maxOpenRuns?: number;
  /**
   * Run records are persisted this many milliseconds after a call, together with those of every other call
   * finished meanwhile, off the activity's path. `close()` writes whatever is left. Default 50.
   */
  flushDelayMs?: number;
}
