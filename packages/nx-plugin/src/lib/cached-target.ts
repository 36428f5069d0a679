import { delimiter, join, resolve } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import {
  NodeExecutionError,
  openCache,
  resolveBehavior,
  type CacheOptions,
  type NodeStatus,
} from '@dagcache/core';
import { listsForNode } from './behavior-lists.js';
import { computeCodeVersion } from './code-version.js';
import type { NxInput } from './code-inputs.js';
import { dependencyVersions, isDagcacheTarget } from './dependency-versions.js';
import { invocationGroup } from './invocation-group.js';
import { executorPackageVersion, runInnerExecutor } from './inner-executor.js';
import { nodeName } from './node-name.js';
import { bundleProblem } from './bundle-check.js';
import { entryVersion, readOutputFiles, type OutputBundle } from './output-bundle.js';
import { assertConfiguredOutputs } from './output-paths.js';
import { clearInterruptedRestore, restoreOutputs } from './restore-outputs.js';
import type { RunExecutorSchema } from './run-options.js';
import {
  processTerminal,
  replayTerminal,
  runCommands,
  type ProcessResult,
  type TerminalSink,
} from './run-process.js';
import { resolveTokens } from './tokens.js';
import { workspaceDefaults } from './workspace-defaults.js';

/** What one cached Nx task ended with. */
export interface CachedTargetResult {
  success: boolean;
  /** dagcache's status for the node (`retrieved`, `executed`, `recomputed`, `disabled`, `ignored`, `failed`). */
  status: NodeStatus;
  node: string;
  runId: string;
  /** On a hit: whether output files had to be written (`unchanged`: they already matched). */
  restore?: 'unchanged' | 'restored';
}

/** A wrapped run that exited non-zero; its output has already been shown. */
class TaskExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exited with code ${exitCode}`);
  }
}

/**
 * Runs one Nx task through dagcache: builds the core call (node name, code version, dependency data
 * versions, output bundle) and hands every decision to core's `run.node`. On a hit the stored output
 * files are restored and the captured terminal output replayed; on a miss the command or wrapped
 * executor runs and its outputs are stored. Plain function: the executor is a thin shell around it and
 * unit tests call it with a hand-made context.
 *
 * @example
 * ```ts
 * const r = await runCachedTarget({ command: 'tsc -p libs/a/tsconfig.lib.json' }, context);
 * r.status; // 'executed' the first time, 'retrieved' after
 * ```
 */
export async function runCachedTarget(
  options: RunExecutorSchema,
  context: ExecutorContext,
  terminal: TerminalSink = processTerminal,
): Promise<CachedTargetResult> {
  const root = context.root;
  const project = context.projectName!;
  const target = context.targetName!;
  const node = nodeName(project, target, context.configurationName);
  const projects = context.projectsConfigurations.projects;
  const projectConfig = projects[project]!;
  const targetConfig = context.target ?? projectConfig.targets?.[target] ?? {};
  const defaults = workspaceDefaults(context.nxJsonConfiguration);
  const tokens = {
    projectRoot: projectConfig.root,
    projectName: project,
    options: options as Record<string, unknown>,
  };

  const task = context.taskGraph?.tasks[node];
  const outputs = (options.outputs ?? task?.outputs ?? targetConfig.outputs ?? []).map((o) =>
    resolveTokens(o, tokens),
  );
  assertConfiguredOutputs(outputs, node);
  const runner = runnerOf(options, root);
  const { codeVersion, inputs } = await computeCodeVersion({
    root,
    tokens,
    options,
    runner,
    targetInputs: targetConfig.inputs as NxInput[] | undefined,
    namedInputs: {
      ...(context.nxJsonConfiguration.namedInputs as Record<string, NxInput[]> | undefined),
      ...(projectConfig.namedInputs as Record<string, NxInput[]> | undefined),
    },
    outputs,
  });

  const cachePath = resolve(root, options.path ?? defaults.path ?? '.dagcache');
  const journalDir = join(cachePath, 'nx-restoring');
  const { targets: _targets, format: defaultFormat, ...storeDefaults } = defaults;
  const cacheOptions: CacheOptions = {
    onStoreUnavailable: 'disable', // a target whose command succeeded succeeds, store or no store
    ...listsForNode(storeDefaults, node),
    path: cachePath,
    ...(options.metadataStore || defaults.metadataStore
      ? { metadataStore: options.metadataStore ?? defaults.metadataStore }
      : {}),
    ...(options.store || defaults.store ? { store: options.store ?? defaults.store } : {}),
    ...(options.resultStore || defaults.resultStore
      ? { resultStore: options.resultStore ?? defaults.resultStore }
      : {}),
  };
  const behaviorOf = (depId: string) => {
    const dep = context.taskGraph?.tasks[depId];
    if (!dep || !isDagcacheTarget(projects, dep.target.project, dep.target.target)) return 'default';
    const own = projects[dep.target.project]?.targets?.[dep.target.target]?.options?.behavior;
    return resolveBehavior(listsForNode(storeDefaults, depId), depId, own, undefined).behavior;
  };
  const dependencies = context.taskGraph
    ? await dependencyVersions({ root, taskId: node, taskGraph: context.taskGraph, behaviorOf, journalDir })
    : {};

  const format = options.format ?? defaultFormat ?? 'pickle';
  const cache = await openCache(cacheOptions);
  const run = cache.startRun({
    tool: 'nx',
    labels: {
      group: invocationGroup(),
      task: node,
      project,
      target,
      ...(context.configurationName ? { configuration: context.configurationName } : {}),
    },
  });
  try {
    const out = await run.node<OutputBundle>({
      name: node,
      codeVersion,
      codeParts: inputs,
      dependencies,
      ...(options.behavior ? { behavior: options.behavior } : {}),
      format,
      details: {
        runner: runner.kind === 'command' ? commandsOf(options).join(' && ') : runner.executor,
        outputs,
        codeInputFiles: Object.keys(inputs).filter((k) => k.startsWith('file:')).length,
      },
      execute: async () => {
        await clearInterruptedRestore(journalDir, node);
        const result = await execute(options, context, root, projectConfig.root, terminal);
        if (result.exitCode !== 0) throw new TaskExitError(result.exitCode);
        return {
          kind: 'dagcache-nx-outputs',
          version: 1,
          outputs,
          files: await readOutputFiles(root, outputs, format === 'json' ? 'base64' : 'binary'),
          terminal: result.terminal,
          exitCode: 0,
        } satisfies OutputBundle;
      },
      // The stored entry is addressed by its files *and* its log, so a hit replays the log of an
      // execution with this key, not of whichever run first wrote the same bytes. Dependents are keyed
      // by the output files on disk (dependency-versions.ts), so early cutoff ignores the log.
      versionResult: (bundle) => entryVersion(bundle),
      // A stored bundle is untrusted input: only one that names exactly this target's configured
      // outputs, with safe paths inside them, is restored; anything else is a miss and the target runs.
      acceptResult: (bundle) => {
        const problem = bundleProblem(bundle, outputs);
        if (problem)
          terminal.write('stderr', `[dagcache] warning: ${node}: ignoring a corrupt cache entry (${problem}); running the target\n`);
        return problem;
      },
    });
    let restore: CachedTargetResult['restore'];
    if (out.status === 'retrieved') {
      const bundle = await out.load();
      replayTerminal(bundle.terminal, terminal);
      restore = await restoreOutputs(root, bundle, outputs, journalDir, node);
      terminal.write(
        'stdout',
        `[dagcache] ${node}: outputs ${restore === 'unchanged' ? 'already up to date' : 'restored'} from cache\n`,
      );
    }
    await run.finish();
    return { success: true, status: out.status, node, runId: run.id, ...(restore ? { restore } : {}) };
  } catch (err) {
    await run.finish().catch(() => undefined);
    if (err instanceof NodeExecutionError && err.cause instanceof TaskExitError) {
      terminal.write('stderr', `[dagcache] ${node} failed (${err.cause.message}); nothing was stored\n`);
    } else {
      terminal.write('stderr', `[dagcache] ${node}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return { success: false, status: 'failed', node, runId: run.id };
  } finally {
    await cache.close();
  }
}

function runnerOf(options: RunExecutorSchema, root: string) {
  if (options.executor) {
    return {
      kind: 'executor' as const,
      executor: options.executor,
      version: executorPackageVersion(options.executor, root),
    };
  }
  if (commandsOf(options).length === 0) {
    throw new Error('@dagcache/nx:run needs `command`, `commands` or `executor`');
  }
  return { kind: 'command' as const };
}

/** The shell commands of the options, with Nx's forwarded arguments appended (as nx:run-commands does). */
export function commandsOf(options: RunExecutorSchema): string[] {
  const list = [
    ...(options.command ? [options.command] : []),
    ...(options.commands ?? []).map((c) => (typeof c === 'string' ? c : c.command)),
  ];
  const extra = (options.__unparsed__ ?? []).join(' ');
  return extra ? list.map((c) => `${c} ${extra}`) : list;
}

async function execute(
  options: RunExecutorSchema,
  context: ExecutorContext,
  root: string,
  projectRoot: string,
  terminal: TerminalSink,
): Promise<ProcessResult> {
  if (options.executor) return runInnerExecutor(options.executor, options.options ?? {}, context, terminal);
  const cwd = options.cwd
    ? resolve(root, resolveTokens(options.cwd, { projectRoot, projectName: context.projectName! }))
    : root;
  // As nx:run-commands does: the workspace's node_modules/.bin comes first on PATH (so `tsc` is the local one).
  const env = {
    ...process.env,
    PATH: [join(root, 'node_modules', '.bin'), process.env['PATH']].filter(Boolean).join(delimiter),
  };
  return runCommands(commandsOf(options), {
    cwd,
    env,
    echo: terminal,
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  });
}
