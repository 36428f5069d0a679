import { resolveTokens, type TokenContext } from './tokens.js';

/** An Nx input as written in nx.json / project.json (`"production"`, `"^production"`, `{ "env": "CI" }`, …). */
export type NxInput = string | Record<string, unknown>;

/** The parts of a target's Nx inputs that belong to its own code version. */
export interface CodeInputs {
  /** Workspace-relative file patterns (`!` excludes), tokens resolved. */
  filesets: string[];
  /** Environment variables whose values are part of the key. */
  env: string[];
  /** Commands whose output is part of the key (Nx `runtime` inputs). */
  runtime: string[];
  /** npm packages whose installed versions are part of the key (Nx `externalDependencies`). */
  externalDependencies: string[];
}

/**
 * Turns a target's Nx inputs into dagcache code inputs: named inputs are expanded, tokens resolved, and
 * every dependency part (`^…`, `{ dependencies: true }`, `dependentTasksOutputFiles`) is dropped, because
 * dagcache versions dependencies by their *outputs* instead. With no inputs, Nx's default applies
 * (the `default` named input, or every file of the project).
 *
 * @example
 * ```ts
 * resolveCodeInputs(['production', '^production'], { production: ['{projectRoot}/**\/*', '!{projectRoot}/**\/*.spec.ts'] }, ctx);
 * // { filesets: ['libs/a/**\/*', '!libs/a/**\/*.spec.ts'], env: [], runtime: [], externalDependencies: [] }
 * ```
 */
export function resolveCodeInputs(
  inputs: readonly NxInput[] | undefined,
  namedInputs: Record<string, readonly NxInput[]>,
  ctx: TokenContext,
): CodeInputs {
  const out: CodeInputs = { filesets: [], env: [], runtime: [], externalDependencies: [] };
  const seen = new Set<string>();
  const visit = (list: readonly NxInput[]) => {
    for (const input of list) {
      if (typeof input === 'string') visitString(input);
      else visitObject(input);
    }
  };
  const visitNamed = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const named = namedInputs[name];
    if (named) visit(named);
    else if (name === 'default') out.filesets.push(resolveTokens('{projectRoot}/**/*', ctx));
    else throw new Error(`unknown named input "${name}" (not in nx.json or project.json namedInputs)`);
  };
  const visitString = (s: string) => {
    if (s.startsWith('^')) return;
    if (s.includes('/') || s.startsWith('{') || s.startsWith('!')) out.filesets.push(resolveTokens(s, ctx));
    else visitNamed(s);
  };
  const visitObject = (o: Record<string, unknown>) => {
    if (typeof o['fileset'] === 'string') out.filesets.push(resolveTokens(o['fileset'], ctx));
    else if (typeof o['env'] === 'string') out.env.push(o['env']);
    else if (typeof o['runtime'] === 'string') out.runtime.push(o['runtime']);
    else if (Array.isArray(o['externalDependencies']))
      out.externalDependencies.push(...(o['externalDependencies'] as string[]));
    else if (typeof o['input'] === 'string' && !o['dependencies'] && !o['projects']) visitNamed(o['input']);
    // `dependentTasksOutputFiles`, `{ input, dependencies: true }` and inputs of other projects are
    // dependency parts: dagcache versions those through the dependencies' outputs.
  };
  visit(inputs ?? ['default']);
  return {
    filesets: unique(out.filesets),
    env: unique(out.env).sort(),
    runtime: unique(out.runtime),
    externalDependencies: unique(out.externalDependencies).sort(),
  };
}

const unique = (xs: string[]) => [...new Set(xs)];
