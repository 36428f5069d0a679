import { execSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { resolveCodeInputs, type NxInput } from './code-inputs.js';
import type { RunExecutorSchema } from './run-options.js';
import { sha256Hex, stableStringify } from './stable-hash.js';
import type { TokenContext } from './tokens.js';
import { listFiles } from './workspace-files.js';

/** Options that say where and how results are stored, not what the target computes: not in the key. */
const STORAGE_OPTIONS = new Set(['behavior', 'path', 'metadataStore', 'store', 'resultStore', 'format']);

/** Bump when the meaning of a stored bundle changes, so old entries are never read with new rules. */
export const BUNDLE_FORMAT = 1;

export interface CodeVersionRequest {
  root: string;
  tokens: TokenContext;
  options: RunExecutorSchema;
  /** What runs: `command` or the wrapped executor with its package version. */
  runner: { kind: 'command' } | { kind: 'executor'; executor: string; version: string | null };
  /** The target's Nx inputs (used when `options.codeInputs` is not given). */
  targetInputs: readonly NxInput[] | undefined;
  namedInputs: Record<string, readonly NxInput[]>;
  /** Resolved outputs: part of what the node is, and never read as its own inputs. */
  outputs: readonly string[];
}

/**
 * The code version of an Nx task and its per-input versions. `codeVersion` covers the options (minus
 * storage settings), the runner identity/version and the outputs; `inputs` holds one entry per code input
 * (`file:<path>` → content hash, `env:<NAME>` → value hash, `runtime:<cmd>`, `npm:<package>` → version).
 * The adapter passes `inputs` to core as the key's `codeParts`, so `dagcache why` says "code changed: file:…".
 *
 * @example
 * ```ts
 * const { codeVersion, inputs } = await computeCodeVersion(req);
 * inputs['file:libs/a/src/index.ts']; // 'sha256:9c…'
 * ```
 */
export async function computeCodeVersion(
  req: CodeVersionRequest,
): Promise<{ codeVersion: string; inputs: Record<string, string> }> {
  const resolved = resolveCodeInputs(req.options.codeInputs ?? req.targetInputs, req.namedInputs, req.tokens);
  const files = await listFiles(req.root, resolved.filesets, {
    respectIgnoreFiles: true,
    exclude: req.outputs,
  });
  const inputs: Record<string, string> = {};
  await Promise.all(
    files.map(async (f) => {
      inputs[`file:${f}`] = `sha256:${sha256Hex(await readFile(join(req.root, f)))}`;
    }),
  );
  for (const name of new Set([...(req.options.env ?? []), ...resolved.env])) {
    const v = process.env[name];
    inputs[`env:${name}`] = v === undefined ? '<unset>' : `sha256:${sha256Hex(v)}`;
  }
  for (const cmd of resolved.runtime) {
    inputs[`runtime:${cmd}`] = `sha256:${sha256Hex(execSync(cmd, { cwd: req.root, encoding: 'utf8' }))}`;
  }
  const req2 = createRequire(join(req.root, 'package.json'));
  for (const pkg of resolved.externalDependencies) {
    let version = '<missing>';
    try {
      version = (req2(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      // a package that is not installed is a version too: installing it changes the key
    }
    inputs[`npm:${pkg}`] = version;
  }
  const options = Object.fromEntries(Object.entries(req.options).filter(([k]) => !STORAGE_OPTIONS.has(k)));
  // Absolute paths (Nx resolves {workspaceRoot} in options) would make keys differ between checkouts.
  const described = stableStringify({
    bundleFormat: BUNDLE_FORMAT,
    runner: req.runner,
    options,
    outputs: [...req.outputs].sort(),
  });
  const codeVersion = `nx-code:${sha256Hex(described.split(req.root).join('{workspaceRoot}'))}`;
  return { codeVersion, inputs };
}
