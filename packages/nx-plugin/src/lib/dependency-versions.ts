import { DISABLED_VERSION } from '@dagcache/core';
import type { ProjectsConfigurations, TaskGraph } from '@nx/devkit';
import { digestOutputsOnDisk, fingerprintFiles } from './output-bundle.js';
import { assertNoInterruptedRestore } from './restore-outputs.js';
import { sha256Hex } from './stable-hash.js';

export interface DependencyRequest {
  root: string;
  /** Nx task id of the task whose dependencies are versioned (= its dagcache node name). */
  taskId: string;
  taskGraph: TaskGraph;
  /** The behavior a dependency has (`ignore` → left out, `disable` → never-matching marker). */
  behaviorOf: (taskId: string) => string;
  journalDir: string;
}

/**
 * Data versions of the tasks a task depends on (its `dependsOn` edges in Nx's task graph), by task id.
 * A dependency's data version is the fingerprint of its output files as they are on disk now (paths
 * relative to the workspace + bytes) and its exit status (a dependency that failed never gets here).
 * A dependency without outputs (an `nx:noop` aggregate) stands for its own dependencies.
 *
 * @example
 * ```ts
 * await dependencyVersions({ root, taskId: 'app:build', taskGraph, behaviorOf, journalDir });
 * // { 'lib-a:build': 'nxout_5d…' }
 * ```
 */
export async function dependencyVersions(req: DependencyRequest): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const dep of req.taskGraph.dependencies[req.taskId] ?? []) {
    const behavior = req.behaviorOf(dep);
    if (behavior === 'ignore') out[dep] = null;
    else if (behavior === 'disable')
      out[dep] = DISABLED_VERSION; // core's marker: a key containing it never matches
    else out[dep] = await taskDataVersion(req, dep, new Set());
  }
  return out;
}

async function taskDataVersion(req: DependencyRequest, taskId: string, seen: Set<string>): Promise<string> {
  const task = req.taskGraph.tasks[taskId];
  assertNoInterruptedRestore(req.journalDir, taskId);
  const outputs = task?.outputs ?? [];
  if (outputs.length > 0) return fingerprintFiles(await digestOutputsOnDisk(req.root, outputs));
  seen.add(taskId);
  const parts: string[] = [];
  for (const dep of [...(req.taskGraph.dependencies[taskId] ?? [])].sort()) {
    if (!seen.has(dep)) parts.push(`${dep}=${await taskDataVersion(req, dep, seen)}`);
  }
  return `nxnoop_${sha256Hex(parts.join('\n'))}`;
}

/** Whether a target runs through dagcache (its executor is `@dagcache/nx:run`). */
export function isDagcacheTarget(
  projects: ProjectsConfigurations['projects'],
  project: string,
  target: string,
): boolean {
  return projects[project]?.targets?.[target]?.executor === '@dagcache/nx:run';
}
