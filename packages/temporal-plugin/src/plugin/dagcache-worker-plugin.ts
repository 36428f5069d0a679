import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { PayloadConverter } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { cachingInterceptorFactory } from '../interceptor/create-caching-interceptors.js';
import { CachingRuntime } from '../interceptor/caching-runtime.js';
import { lineageWorkflowModule } from '../lineage/lineage-module.js';
import type { CachingInterceptorOptions } from '../options.js';

/**
 * Options of {@link DagcacheWorkerPlugin}: the interceptor's options. With `lineage: true` the plugin also
 * registers the workflow interceptor module that sends upstream data versions to activities.
 *
 * @experimental Temporal's plugins are experimental; `createCachingInterceptors` is the stable way in.
 */
export type DagcacheWorkerPluginOptions = CachingInterceptorOptions;

/**
 * Worker plugin that installs dagcache's activity interceptor in one line. It also picks up the worker's
 * `activities` (to version unversioned activities by source) and the payload converter named by
 * `dataConverter.payloadConverterPath`, unless the options give them, and finishes the open runs when
 * the worker stops.
 *
 * @experimental Temporal's plugins are experimental (`@temporalio/plugin`); the interceptor factory
 * `createCachingInterceptors` is the primary API and this class only wraps it.
 *
 * @example
 * ```ts
 * const worker = await Worker.create({
 *   taskQueue: 'prices', activities, workflowsPath,
 *   plugins: [new DagcacheWorkerPlugin({ path: '.dagcache' })],
 * });
 * await worker.run();
 * ```
 */
export class DagcacheWorkerPlugin extends SimplePlugin {
  private readonly runtime: CachingRuntime;

  constructor(readonly dagcacheOptions: DagcacheWorkerPluginOptions = {}) {
    const runtime = new CachingRuntime(dagcacheOptions);
    const workflowModules = dagcacheOptions.lineage ? [lineageWorkflowModule()] : undefined;
    super({
      name: 'dagcache.DagcacheWorkerPlugin',
      workerInterceptors: {
        activity: [cachingInterceptorFactory(runtime)],
        ...(workflowModules ? { workflowModules } : {}),
      },
      // Open the cache before polling, so bad configuration stops the worker at start instead of failing
      // (and retrying) every activity; finish the open core runs when the worker stops.
      runContext: async (next) => {
        await runtime.ready();
        try {
          await next();
        } finally {
          await runtime.close();
        }
      },
    });
    this.runtime = runtime;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    this.runtime.adopt({
      activities: options.activities,
      payloadConverter: loadPayloadConverter(options.dataConverter?.payloadConverterPath),
    });
    return super.configureWorker(options);
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    // Replay runs no activities, so only the workflow side (lineage headers) matters here.
    return super.configureReplayWorker(options);
  }

  /** Finishes open runs and closes the cache; for workers not started with `worker.run()`. */
  close(): Promise<void> {
    return this.runtime.close();
  }
}

/** Loads a payload converter module the way the worker does (`require(path).payloadConverter`). */
function loadPayloadConverter(path: string | undefined): PayloadConverter | undefined {
  if (!path) return undefined;
  const mod = createRequire(resolve('package.json'))(path) as { payloadConverter?: PayloadConverter };
  return mod.payloadConverter;
}
