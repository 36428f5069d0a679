import type { ActivityInterceptorsFactory, WorkerInterceptors } from '@temporalio/worker';
import type { CachingInterceptorOptions } from '../options.js';
import { CachingActivityInterceptor } from './caching-activity-interceptor.js';
import { CachingRuntime } from './caching-runtime.js';

/** What {@link createCachingInterceptors} returns: worker interceptors, plus `close()` for shutdown. */
export interface CachingInterceptors extends WorkerInterceptors {
  activity: ActivityInterceptorsFactory[];
  /** Finishes the open core runs and closes the cache (unless you passed `cache` in). Call after the worker stops. */
  close(): Promise<void>;
}

/** The activity interceptor factory over a shared runtime (the plugin builds on this too). */
export function cachingInterceptorFactory(runtime: CachingRuntime): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new CachingActivityInterceptor(ctx, runtime) });
}

/**
 * Creates the worker interceptors that cache activity results with dagcache. This is the primary API;
 * `DagcacheWorkerPlugin` wraps it.
 *
 * @example
 * ```ts
 * import { Worker } from '@temporalio/worker';
 * import { createCachingInterceptors } from '@dagcache/temporal';
 *
 * const caching = createCachingInterceptors({ path: '.dagcache', versions: { fetchPrices: '2' } });
 * const worker = await Worker.create({ taskQueue: 'prices', activities, workflowsPath, interceptors: caching });
 * try {
 *   await worker.run();
 * } finally {
 *   await caching.close();
 * }
 * ```
 */
export function createCachingInterceptors(options: CachingInterceptorOptions = {}): CachingInterceptors {
  const runtime = new CachingRuntime(options);
  return { activity: [cachingInterceptorFactory(runtime)], close: () => runtime.close() };
}
