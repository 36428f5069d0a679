import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  CreateNodesContextV2,
  CreateNodesResultV2,
  CreateNodesV2,
  PreTasksExecution,
  TargetConfiguration,
} from '@nx/devkit';
import picomatch from 'picomatch';
import { GROUP_ENV } from '../lib/invocation-group.js';
import {
  PLUGIN_NAME,
  type DagcacheNxPluginOptions,
  type WrappedTargetDefinition,
} from '../lib/workspace-defaults.js';

/** Files that make a folder a project. Kept equal to the pattern in cjs/index.cjs (a test checks). */
export const PROJECT_FILES_GLOB = '**/{project.json,package.json}';

const RUN_OPTION_KEYS = [
  'command',
  'commands',
  'parallel',
  'cwd',
  'executor',
  'options',
  'behavior',
  'codeInputs',
  'env',
  'format',
] as const;

/**
 * Inferred targets: every project gets the targets named in the plugin's `targets` option, each wrapped
 * in `@dagcache/nx:run`. A target of the same name written in a project's project.json wins over the
 * inferred one (Nx's rule: explicit configuration beats inferred), so a project can opt out or
 * fine-tune (a project.json target without executor/command merges its fields into the inferred one).
 *
 * @example nx.json
 * ```json
 * "plugins": [{
 *   "plugin": "@dagcache/nx",
 *   "options": { "targets": { "build": { "command": "tsc -p tsconfig.lib.json", "cwd": "{projectRoot}",
 *                                        "outputs": ["{projectRoot}/dist"], "dependsOn": ["^build"] } } },
 *   "include": ["libs/**"]
 * }]
 * ```
 */
export const createNodesV2: CreateNodesV2<DagcacheNxPluginOptions> = [
  PROJECT_FILES_GLOB,
  (files, options, context) => inferTargets(files, options, context),
];

/** The work of {@link createNodesV2}, as a plain function. */
export function inferTargets(
  files: readonly string[],
  options: DagcacheNxPluginOptions | undefined,
  context: CreateNodesContextV2,
): CreateNodesResultV2 {
  const definitions = Object.entries(options?.targets ?? {});
  if (definitions.length === 0) return [];
  const targets = Object.fromEntries(definitions.map(([name, def]) => [name, wrappedTarget(def)]));
  const inWorkspaces = workspaceMatcher(context.workspaceRoot);
  const byRoot = new Map<string, string>();
  for (const file of files) {
    const root = dirname(file);
    const isProjectJson = file.endsWith('project.json');
    // A package.json is a project only where Nx's package.json plugin would see one (npm/yarn workspaces).
    if (!isProjectJson && (root === '.' || !inWorkspaces(root))) continue;
    if (!byRoot.has(root) || isProjectJson) byRoot.set(root, file);
  }
  return [...byRoot].map(([root, file]) => [file, { projects: { [root]: { root, targets } } }] as const);
}

/** Turns a target definition from the plugin options into an Nx target running `@dagcache/nx:run`. */
export function wrappedTarget(def: WrappedTargetDefinition): TargetConfiguration {
  const options: Record<string, unknown> = {};
  for (const key of RUN_OPTION_KEYS) if (def[key] !== undefined) options[key] = def[key];
  return {
    executor: `${PLUGIN_NAME}:run`,
    options,
    ...(def.dependsOn ? { dependsOn: def.dependsOn as TargetConfiguration['dependsOn'] } : {}),
    ...(def.inputs ? { inputs: def.inputs as TargetConfiguration['inputs'] } : {}),
    ...(def.outputs ? { outputs: def.outputs } : {}),
    ...(def.configurations ? { configurations: def.configurations } : {}),
    // Nx's cache off by default: dagcache decides, with early cutoff (see README).
    cache: def.cache ?? false,
    metadata: {
      technologies: ['dagcache'],
      description: def.description ?? `Cached by dagcache: ${def.command ?? def.executor ?? 'commands'}`,
    },
  };
}

function workspaceMatcher(workspaceRoot: string): (root: string) => boolean {
  const file = join(workspaceRoot, 'package.json');
  let globs: string[] = [];
  if (existsSync(file)) {
    const ws = (JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: string[] | { packages?: string[] } })
      .workspaces;
    globs = Array.isArray(ws) ? ws : (ws?.packages ?? []);
  }
  if (globs.length === 0) return () => false;
  const match = picomatch(globs.map((g) => g.replace(/^\.\//, '').replace(/\/$/, '')));
  return (root) => match(root);
}

/**
 * Gives every task of one Nx invocation the same dagcache group id (Nx's own invocation id), through an
 * environment variable the tasks inherit. Works with the daemon on or off: Nx copies variables a hook
 * sets into the process that runs the tasks.
 */
export const preTasksExecution: PreTasksExecution<DagcacheNxPluginOptions> = (_options, context) => {
  process.env[GROUP_ENV] = `nx-${context.id}`;
};

/** The plugin's name in Nx's messages. */
export const name = PLUGIN_NAME;
