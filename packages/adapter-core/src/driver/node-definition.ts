import type { CachingBehavior } from '../behavior/caching-behavior.js';
import type { FormatName } from '../formats/result-format.js';

/** Per-node cache options (Hamilton's `@cache(behavior=, format=)`). */
export interface NodeCacheOptions {
  behavior?: CachingBehavior;
  format?: FormatName;
  /** Results of this node older than this are not served (config `nodeTtlMs` takes precedence). */
  ttlMs?: number;
}

/** Options of `node()`. */
export interface NodeOptions {
  /** Dependency names, for functions that do not destructure their first parameter. */
  deps?: readonly string[];
  /** Default values of dependencies (in addition to literal defaults in the destructuring pattern). */
  defaults?: Record<string, unknown>;
  /** Explicit code version; used instead of the function's source. */
  version?: string;
  /** Helper functions whose source is part of the code version (helpers are not tracked otherwise). */
  helpers?: readonly ((...args: any[]) => unknown)[];
  cache?: NodeCacheOptions;
  /** `loader` / `saver` nodes take `defaultLoaderBehavior` / `defaultSaverBehavior`. */
  role?: 'loader' | 'saver';
  /** The node returns items to fan out over; nodes downstream of it run once per item until a collect. */
  expand?: boolean;
  /** Name of the dependency this node collects: it receives the fan-out results as an array. */
  collect?: string;
}

/** A node of the direct API: a function and its options. Made by `node()`. */
export interface NodeDefinition {
  readonly kind: 'node';
  readonly fn: (deps: any) => unknown;
  readonly options: NodeOptions;
}

/** A definition that yields several nodes (Hamilton's `@extract_fields`). Made by `extractFields()`. */
export interface MultiNodeDefinition {
  readonly kind: 'multi';
  readonly base: NodeDefinition;
  readonly fields: Readonly<Record<string, (result: any) => unknown>>;
  /**
   * Which of the produced nodes get the base's `cache` options: `'...'` all (default), `null` the
   * fields only (the "final" nodes), or a name / list of names.
   */
  readonly target: '...' | null | string | readonly string[];
}

/**
 * Defines a node. Its dependencies are the names its function destructures from its first parameter.
 *
 * @example
 * ```ts
 * const nodes = {
 *   raw: node(async () => load()),
 *   clean: node(({ raw }) => tidy(raw), { cache: { format: 'json' } }),
 *   model: node(({ clean, alpha = 0.1 }) => fit(clean, alpha), { cache: { behavior: 'recompute' } }),
 * };
 * ```
 */
export function node<R>(fn: (deps: any) => R | Promise<R>, options: NodeOptions = {}): NodeDefinition {
  return { kind: 'node', fn, options };
}

/**
 * Defines one function whose result (an object) is split into several nodes, one per field; `target`
 * chooses which of them the `cache` options apply to.
 *
 * @example
 * ```ts
 * const nodes = {
 *   training: extractFields(({ data }) => train(data), ['model', 'performance'], {
 *     cache: { format: 'json' }, target: 'performance',
 *   }),
 * };
 * // nodes: training, model, performance
 * ```
 */
export function extractFields(
  fn: (deps: any) => unknown,
  fields: readonly string[] | Record<string, (result: any) => unknown>,
  options: NodeOptions & { target?: MultiNodeDefinition['target'] } = {},
): MultiNodeDefinition {
  const { target = '...', ...rest } = options;
  const extractors: Record<string, (r: any) => unknown> = Array.isArray(fields)
    ? Object.fromEntries((fields as readonly string[]).map((f) => [f, (r: any) => r?.[f]]))
    : (fields as Record<string, (r: any) => unknown>);
  return { kind: 'multi', base: node(fn as any, rest), fields: extractors, target };
}
