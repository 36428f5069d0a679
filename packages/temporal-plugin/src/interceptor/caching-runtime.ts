import { CACHE_OPTION_NAMES, ConfigError, openCache } from '@dagcache/core';
import type { PayloadConverter } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityResultFormat, CachingInterceptorOptions, DagcacheCache } from '../options.js';
import { RunRegistry } from '../runs/run-registry.js';

/**
 * Core's own options (forwarded to `openCache`), which cannot apply to a cache someone else opened.
 * `formats`, `unhashable` and `defaultFormat` are the interceptor's own (applied per activity call).
 */
const INTERCEPTOR_OWN = new Set(['formats', 'unhashable', 'defaultFormat']);
const CACHE_OPTION_KEYS = CACHE_OPTION_NAMES.filter((k) => !INTERCEPTOR_OWN.has(k)) as Array<
  Exclude<(typeof CACHE_OPTION_NAMES)[number], 'formats' | 'unhashable' | 'defaultFormat'>
>;

/**
 * Reports a cache write that failed in the background. A failed write costs a future hit, never an
 * activity's result, so it is a warning (`process.on('warning')`), not an activity failure.
 */
export function warn(message: string, error: unknown): void {
  process.emitWarning(
    `${message}: ${error instanceof Error ? error.message : String(error)}`,
    'DagcacheWarning',
  );
}

/**
 * Activity types that name no activity: `MockActivityEnvironment`'s default (`unknown`), older SDKs'
 * `unnamed`, and the empty string. Every activity tested that way shares the type, so a key built from it
 * would serve one activity's result for another: such calls always run, uncached.
 */
const UNNAMED_TYPES = new Set(['', 'unknown', 'unnamed']);

/**
 * What every activity call of one worker shares: the open cache, the open runs, the payload converter and
 * the code versions. Opened lazily on the first activity call, because interceptor factories are synchronous.
 */
export class CachingRuntime {
  converter: PayloadConverter;
  private opened: Promise<{ cache: DagcacheCache; runs: RunRegistry }> | undefined;
  private readonly codeVersions = new Map<string, string | undefined>();
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(public options: CachingInterceptorOptions) {
    if (options.cache) {
      const ignored = CACHE_OPTION_KEYS.filter((k) => options[k] !== undefined);
      // Behavior lists are resolved by core from the options the cache was opened with: silently dropping
      // them here would cache activities the user asked to recompute.
      if (ignored.length) {
        throw new ConfigError(
          `dagcache temporal: pass ${ignored.join(', ')} to openCache() when you give an open \`cache\`, not to the interceptors`,
        );
      }
    }
    this.converter = options.payloadConverter ?? defaultPayloadConverter;
  }

  /**
   * Fills in what the worker knows and the user did not say (its activities, its payload converter).
   * Only before the first activity call: keys must not change under a running worker.
   */
  adopt(defaults: Pick<CachingInterceptorOptions, 'activities' | 'payloadConverter'>): void {
    if (this.opened) return;
    this.options = {
      ...this.options,
      activities: this.options.activities ?? defaults.activities,
      payloadConverter: this.options.payloadConverter ?? defaults.payloadConverter,
    };
    this.converter = this.options.payloadConverter ?? defaultPayloadConverter;
  }

  /** The open cache and run registry (opening the cache on first use). */
  ready(): Promise<{ cache: DagcacheCache; runs: RunRegistry }> {
    if (this.closed) return Promise.reject(new Error('dagcache: the caching interceptors were closed'));
    this.opened ??= (async () => {
      const {
        cache: given,
        versions: _v,
        buildId: _b,
        activities: _a,
        formats: _f,
        payloadConverter: _p,
        unhashable: _u,
        lineage: _l,
        maxOpenRuns: _m,
        flushDelayMs: _d,
        ...cacheOptions
      } = this.options;
      // An activity whose work succeeded succeeds, store or no store (override with 'error').
      const cache = given ?? (await openCache({ onStoreUnavailable: 'disable', ...cacheOptions }));
      return {
        cache,
        runs: new RunRegistry(cache, this.options.maxOpenRuns ?? 64, this.options.flushDelayMs ?? 50, warn),
      };
    })();
    return this.opened;
  }

  /**
   * Code version of an activity: declared per activity, else the build id, else its source (from the
   * worker's `activities`). Undefined when none of these exist: a constant would keep serving an old
   * build's results after a fix, so such an activity is not cached (see {@link uncachedBecause}).
   */
  codeVersion(cache: DagcacheCache, activityType: string): string | undefined {
    if (!this.codeVersions.has(activityType)) {
      const fn = (this.options.activities as Record<string, unknown> | undefined)?.[activityType];
      this.codeVersions.set(
        activityType,
        this.options.versions?.[activityType] ??
          this.options.buildId ??
          (typeof fn === 'function' ? cache.versionCode(fn as (...args: unknown[]) => unknown) : undefined),
      );
    }
    return this.codeVersions.get(activityType);
  }

  /**
   * Why calls of this activity type run uncached, or undefined when they can be cached: the type names no
   * activity, or nothing versions its code. Warns once per type (`process.on('warning')`, DagcacheWarning).
   */
  uncachedBecause(cache: DagcacheCache, activityType: string): string | undefined {
    const why = UNNAMED_TYPES.has(activityType)
      ? `its activity type "${activityType}" names no activity (MockActivityEnvironment without \`info.activityType\`?), so its results cannot be told apart from other activities'`
      : this.codeVersion(cache, activityType) === undefined
        ? 'nothing versions its code: pass the worker\'s `activities` (the worker plugin does), a `versions` entry or a `buildId`'
        : undefined;
    if (why && !this.warned.has(activityType)) {
      this.warned.add(activityType);
      warn(`dagcache: activity "${activityType}" runs uncached`, why);
    }
    return why;
  }

  format(activityType: string): ActivityResultFormat {
    return this.options.formats?.[activityType] ?? 'payload';
  }

  /** Finishes open runs; closes the cache only if these interceptors opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const opened = await this.opened?.catch(() => undefined);
    if (!opened) return;
    await opened.runs.close();
    if (!this.options.cache) await opened.cache.close();
  }
}
