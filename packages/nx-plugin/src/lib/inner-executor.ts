import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import {
  captureProcessOutput,
  processTerminal,
  type ProcessResult,
  type TerminalSink,
} from './run-process.js';

/**
 * Runs another executor (`@nx/js:tsc`, a workspace executor…) in this process with the given options,
 * through Nx's public `runExecutor`: the current target is swapped for `{ executor, options }` in a copy
 * of the project configurations, so Nx resolves, validates and defaults the options as usual.
 */
export async function runInnerExecutor(
  executor: string,
  options: Record<string, unknown>,
  context: ExecutorContext,
  terminal: TerminalSink,
): Promise<ProcessResult> {
  const project = context.projectName!;
  const target = context.targetName!;
  const projects = context.projectsConfigurations.projects;
  const own = projects[project]!;
  const swapped: ExecutorContext = {
    ...context,
    projectsConfigurations: {
      ...context.projectsConfigurations,
      projects: {
        ...projects,
        [project]: { ...own, targets: { ...own.targets, [target]: { executor, options } } },
      },
    },
  };
  const { runExecutor } = await import('@nx/devkit');
  // An executor running in this process writes to process.stdout itself; capture it (one at a time, since
  // the capture is process-wide) and pass it on to the task's own sink in batch mode.
  const { result, terminal: chunks } = await exclusive(() =>
    captureProcessOutput(async () => {
      let success = true;
      for await (const r of await runExecutor<{ success: boolean }>({ project, target }, {}, swapped)) {
        success = success && r.success;
      }
      return success;
    }, terminal === processTerminal),
  );
  if (terminal !== processTerminal) for (const c of chunks) terminal.write(c.stream, c.text);
  return { exitCode: result ? 0 : 1, terminal: chunks };
}

let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * The version of the package an executor comes from (`@nx/js:tsc` → `@nx/js`'s version), part of the
 * code version so that upgrading the executor re-runs its targets. `null` for workspace-local executors.
 */
export function executorPackageVersion(executor: string, root: string): string | null {
  const pkg = executor.includes(':') ? executor.slice(0, executor.lastIndexOf(':')) : executor;
  try {
    const req = createRequire(join(root, 'package.json'));
    return (req(`${pkg}/package.json`) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}
