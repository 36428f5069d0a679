import { ConfigError } from '../errors.js';
import type { BehaviorConfig, BehaviorList, BehaviorSource, NodeRole } from '../cache/types.js';
import { behaviorFromString, CACHING_BEHAVIORS, type CachingBehavior } from './caching-behavior.js';

export interface ResolvedBehavior {
  behavior: CachingBehavior;
  source: BehaviorSource;
}

const LISTS = CACHING_BEHAVIORS;

/**
 * Checks a behavior configuration before anything runs: behavior names, list shapes, at most one list
 * set to `true`, no node in two lists, and (when the node names are known) no unknown names.
 * Throws one `ConfigError` naming the option and the node.
 */
export function validateBehaviorConfig(config: BehaviorConfig, knownNames?: ReadonlySet<string>): void {
  const seen = new Map<string, CachingBehavior>();
  const allTrue: CachingBehavior[] = [];
  for (const b of LISTS) {
    const list = config[b] as BehaviorList | undefined | unknown;
    if (list === undefined || list === false || list === null) continue;
    if (list === true) {
      allTrue.push(b);
      continue;
    }
    if (!Array.isArray(list) || list.some((n) => typeof n !== 'string')) {
      throw new ConfigError(`${b}: expected true or a list of node names, got ${JSON.stringify(list)}`);
    }
    for (const name of list as string[]) {
      const other = seen.get(name);
      if (other && other !== b) {
        throw new ConfigError(`node "${name}" is listed under both "${other}" and "${b}"; give each node one behavior`);
      }
      seen.set(name, b);
      if (knownNames && !knownNames.has(name)) {
        throw new ConfigError(`${b}: unknown node "${name}"${suggest(name, knownNames)}`);
      }
    }
  }
  if (allTrue.length > 1) {
    throw new ConfigError(`only one behavior list may be true for all nodes; got ${allTrue.join(' and ')}`);
  }
  for (const key of ['defaultBehavior', 'defaultLoaderBehavior', 'defaultSaverBehavior'] as const) {
    const v = config[key];
    if (v !== undefined) behaviorFromString(v, key);
  }
}

function suggest(name: string, known: ReadonlySet<string>): string {
  const lower = name.toLowerCase();
  const close = [...known].find((k) => k.toLowerCase() === lower || k.includes(name) || name.includes(k));
  return close ? ` (did you mean "${close}"?)` : '';
}

/**
 * Resolves one node's behavior. Precedence (Hamilton's, with its fixes): expand nodes always recompute;
 * then the config lists; then the node's own behavior; then the loader/saver defaults; then
 * `defaultBehavior`. Inputs are versioned by value unless a list names them (`defaultBehavior` is for
 * function nodes only, so opting in with `defaultBehavior: 'disable'` still hits).
 */
export function resolveBehavior(
  config: BehaviorConfig,
  name: string,
  own: CachingBehavior | undefined,
  role: NodeRole | 'input' | undefined,
): ResolvedBehavior {
  if (role === 'expand') return { behavior: 'recompute', source: 'expand' };
  for (const b of LISTS) {
    const list = config[b];
    if (list === true && role !== 'input') return { behavior: b, source: `config.${b}` };
    if (Array.isArray(list) && list.includes(name)) return { behavior: b, source: `config.${b}` };
  }
  if (role === 'input') return { behavior: 'default', source: 'input' };
  if (own) return { behavior: behaviorFromString(own, `node "${name}" behavior`), source: 'node' };
  if (role === 'loader' && config.defaultLoaderBehavior) {
    return { behavior: config.defaultLoaderBehavior, source: 'defaultLoaderBehavior' };
  }
  if (role === 'saver' && config.defaultSaverBehavior) {
    return { behavior: config.defaultSaverBehavior, source: 'defaultSaverBehavior' };
  }
  return { behavior: config.defaultBehavior ?? 'default', source: 'defaultBehavior' };
}
