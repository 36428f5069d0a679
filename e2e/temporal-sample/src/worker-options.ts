import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';
import { DagcacheWorkerPlugin } from '@dagcache/temporal';
import * as activities from './activities.js';

/** Task queue the sample's worker polls and its client starts workflows on. */
export const TASK_QUEUE = 'dagcache-prices';

/**
 * Everything the sample worker needs except the server connection, so tests can check the same options.
 * dagcache is one plugin line; `versions` says which activity changed what it returns.
 */
export function sampleWorkerOptions(cachePath = '.dagcache'): Omit<WorkerOptions, 'connection'> {
  return {
    taskQueue: TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities,
    plugins: [new DagcacheWorkerPlugin({ path: cachePath, versions: { fetchPrices: '1' } })],
  };
}
