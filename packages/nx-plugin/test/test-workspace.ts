// Test helper (not exported from the package): a tiny workspace on disk and a hand-made ExecutorContext,
// so runCachedTarget can be tested without Nx.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';

export function tempWorkspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dagcache-nx-unit-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

export interface FakeTask {
  project: string;
  target?: string;
  root: string;
  deps?: string[];
  outputs?: string[];
  options?: Record<string, unknown>;
}

/** An ExecutorContext with just what runCachedTarget reads: projects, nx.json, the task graph. */
export function fakeContext(
  root: string,
  tasks: FakeTask[],
  current: string,
  pluginOptions: Record<string, unknown> = {},
): ExecutorContext {
  const projects: Record<string, unknown> = {};
  const graphTasks: Record<string, unknown> = {};
  const dependencies: Record<string, string[]> = {};
  for (const t of tasks) {
    const target = t.target ?? 'build';
    const id = `${t.project}:${target}`;
    const outputs = t.outputs ?? [`${t.root}/dist`];
    projects[t.project] = {
      root: t.root,
      targets: {
        [target]: {
          executor: '@dagcache/nx:run',
          options: t.options ?? {},
          outputs,
          inputs: ['{projectRoot}/src/**/*'],
        },
      },
    };
    graphTasks[id] = {
      id,
      target: { project: t.project, target },
      outputs,
      overrides: {},
      projectRoot: t.root,
      parallelism: true,
    };
    dependencies[id] = (t.deps ?? []).map((d) => `${d}:build`);
  }
  const [project, targetName] = current.split(':') as [string, string];
  return {
    root,
    cwd: root,
    isVerbose: false,
    projectName: project,
    targetName,
    target: (projects[project] as { targets: Record<string, unknown> }).targets[targetName],
    projectsConfigurations: { version: 2, projects },
    nxJsonConfiguration: {
      plugins: [{ plugin: '@dagcache/nx', options: { path: '.dagcache', ...pluginOptions } }],
    },
    projectGraph: { nodes: {}, dependencies: {} },
    taskGraph: { roots: [], tasks: graphTasks, dependencies, continuousDependencies: {} },
  } as unknown as ExecutorContext;
}
