import type { CachingBehavior } from '@dagcache/core';

/** Options of `@dagcache/nx:run` (see schema.json for the descriptions Nx shows). */
export interface RunExecutorSchema {
  /** One shell command to run (like `nx:run-commands`). */
  command?: string;
  /** Several shell commands (like `nx:run-commands`). */
  commands?: Array<string | { command: string }>;
  /** Run `commands` at the same time. Default `false` (in order, stopping at the first failure). */
  parallel?: boolean;
  /** Working folder of the commands, relative to the workspace root. Default: the workspace root. */
  cwd?: string;
  /** Another executor to wrap, e.g. `@nx/js:tsc` (instead of `command`). */
  executor?: string;
  /** Options of the wrapped executor. */
  options?: Record<string, unknown>;
  /** This target's caching behavior. Config lists in nx.json take precedence. */
  behavior?: CachingBehavior;
  /** Output paths/globs stored and restored. Default: the target's Nx `outputs`. */
  outputs?: string[];
  /** Inputs that make up this target's code version. Default: the target's Nx `inputs` minus `^` parts. */
  codeInputs?: Array<string | Record<string, unknown>>;
  /** Environment variables whose values are part of the cache key. */
  env?: string[];
  /** How stored outputs are written: `pickle` (binary, default) or `json` (bytes as base64). */
  format?: 'pickle' | 'json';
  /** Cache folder, relative to the workspace root. Default: nx.json plugin option, else `.dagcache`. */
  path?: string;
  /** Metadata store URL (`sqlite://…`, `postgres://…`, `redis://…`). Default: nx.json plugin option, else SQLite in `path`. */
  metadataStore?: string;
  /** One URL for a shared cache (`postgres://…`, `redis://…`, `?namespace=NAME`). Default: nx.json plugin option. */
  store?: string;
  /** Result store URL (`file://DIR`, `postgres://…`, `redis://…`). Default: nx.json plugin option, else `<path>/results`. */
  resultStore?: string;
  /** Extra command-line arguments Nx passes on (`nx run a:build -- --flag`). */
  __unparsed__?: string[];
}
