import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import type { RunExecutorSchema } from '../../lib/run-options.js';
import { runBatch } from '../../lib/run-batch.js';

/**
 * Batch implementation of `@dagcache/nx:run` (executors.json `batchImplementation`, `preferBatch: true`):
 * many dagcache tasks in one process. Turn it off per invocation with `nx run-many --batch=false`.
 */
export default function runBatchExecutor(
  taskGraph: TaskGraph,
  inputs: Record<string, RunExecutorSchema>,
  _overrides: Record<string, unknown>,
  context: ExecutorContext,
) {
  return runBatch(taskGraph, inputs, context);
}
