import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { runCachedTarget } from './cached-target.js';
import type { RunExecutorSchema } from './run-options.js';
import { bufferTerminal } from './run-process.js';

/** What Nx expects for each task of a batch. */
export interface BatchTaskResult {
  success: boolean;
  terminalOutput: string;
  startTime: number;
  endTime: number;
}

/**
 * Nx batch mode for `@dagcache/nx:run` (the executor sets `preferBatch`): Nx hands one process every ready
 * dagcache task, and this runs them in dependency order, a few at a time, yielding each result as it
 * completes. A fully cached run then costs one process instead of one per task. A task whose dependency
 * in the batch failed is reported as failed without running (as Nx skips it outside batch mode).
 *
 * @example
 * ```ts
 * for await (const { task, result } of runBatch(batchTaskGraph, inputs, context)) console.log(task, result.success);
 * ```
 */
export async function* runBatch(
  batch: TaskGraph,
  inputs: Record<string, RunExecutorSchema>,
  context: ExecutorContext,
  concurrency = Math.min(3, availableParallelism()),
): AsyncGenerator<{ task: string; result: BatchTaskResult }> {
  const ids = new Set(Object.keys(batch.tasks));
  const depsInBatch = (id: string) => (batch.dependencies[id] ?? []).filter((d) => ids.has(d));
  const outcome = new Map<string, boolean>();
  const running = new Map<string, Promise<{ task: string; result: BatchTaskResult }>>();
  const waiting = new Set(ids);

  while (waiting.size > 0 || running.size > 0) {
    // Skipping a task can unblock (as skipped) tasks seen earlier in the same pass: repeat until stable.
    for (let changed = true; changed;) {
      changed = false;
      for (const id of [...waiting]) {
        const deps = depsInBatch(id);
        if (deps.some((d) => outcome.get(d) === false)) {
          waiting.delete(id);
          outcome.set(id, false);
          changed = true;
          const now = Date.now();
          const terminalOutput = `[dagcache] ${id}: not run, a dependency failed\n`;
          yield { task: id, result: { success: false, terminalOutput, startTime: now, endTime: now } };
        } else if (running.size < concurrency && deps.every((d) => outcome.get(d) === true)) {
          waiting.delete(id);
          running.set(id, runOne(id, batch, inputs, context));
        }
      }
    }
    if (running.size === 0) {
      if (waiting.size > 0)
        throw new Error(`dagcache batch: tasks ${[...waiting].join(', ')} wait on tasks that never finish`);
      break;
    }
    const done = await Promise.race(running.values());
    running.delete(done.task);
    outcome.set(done.task, done.result.success);
    yield done;
  }
}

async function runOne(
  id: string,
  batch: TaskGraph,
  inputs: Record<string, RunExecutorSchema>,
  context: ExecutorContext,
): Promise<{ task: string; result: BatchTaskResult }> {
  const task = batch.tasks[id]!;
  const { project, target, configuration } = task.target;
  const terminal = bufferTerminal();
  const startTime = Date.now();
  let success = false;
  try {
    const r = await runCachedTarget(
      inputs[id] ?? {},
      {
        ...context,
        projectName: project,
        targetName: target,
        configurationName: configuration,
        target: context.projectsConfigurations.projects[project]?.targets?.[target],
      },
      terminal,
    );
    success = r.success;
  } catch (err) {
    terminal.write('stderr', `[dagcache] ${id}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return { task: id, result: { success, terminalOutput: terminal.text(), startTime, endTime: Date.now() } };
}
