import type { BehaviorConfig } from '@dagcache/core';
import type { RunExecutorSchema } from './run-options.js';

/** The package name, as written in nx.json `plugins` and `executor` strings. */
export const PLUGIN_NAME = '@dagcache/nx';

/**
 * A target the plugin adds to every matching project: what to run (`command`/`commands`/`executor`) plus
 * the usual Nx target fields (`dependsOn`, `inputs`, `outputs`, `cache`, `configurations`).
 */
export interface WrappedTargetDefinition extends Pick<
  RunExecutorSchema,
  | 'command'
  | 'commands'
  | 'parallel'
  | 'cwd'
  | 'executor'
  | 'options'
  | 'behavior'
  | 'codeInputs'
  | 'env'
  | 'format'
> {
  dependsOn?: unknown[];
  inputs?: unknown[];
  outputs?: string[];
  /** Nx's own cache for this target. Default `false`, so dagcache decides. */
  cache?: boolean;
  configurations?: Record<string, Record<string, unknown>>;
  description?: string;
}

/**
 * Options of the `@dagcache/nx` entry in nx.json `plugins`: targets to add by name, and workspace
 * defaults with the same names as core's `CacheOptions` (behavior lists take node names
 * `project:target` or globs such as `*:e2e`).
 */
export interface DagcacheNxPluginOptions extends BehaviorConfig {
  targets?: Record<string, WrappedTargetDefinition>;
  path?: string;
  metadataStore?: string;
  store?: string;
  resultStore?: string;
  format?: 'pickle' | 'json';
  logToFile?: boolean;
}

interface PluginEntry {
  plugin: string;
  options?: unknown;
}

/**
 * The workspace defaults from nx.json: the options of the first `@dagcache/nx` plugin entry (or `{}`).
 * The executor reads them too, so a target using `@dagcache/nx:run` directly in project.json shares the
 * workspace's store and behavior lists.
 */
export function workspaceDefaults(nxJson: { plugins?: unknown[] } | undefined): DagcacheNxPluginOptions {
  for (const p of nxJson?.plugins ?? []) {
    if (p === PLUGIN_NAME) return {};
    const entry = p as PluginEntry;
    if (typeof entry === 'object' && entry?.plugin === PLUGIN_NAME)
      return (entry.options ?? {}) as DagcacheNxPluginOptions;
  }
  return {};
}
