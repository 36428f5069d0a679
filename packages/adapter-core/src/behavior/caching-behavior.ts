import { ConfigError } from '../errors.js';

/**
 * How a node takes part in caching (Hamilton's `CachingBehavior`):
 * - `default`: look up the cache key; on a hit use the stored result, on a miss execute and store.
 * - `recompute`: always execute, then version and store like `default` (downstream keys see the new data version).
 * - `disable`: execute as if caching were off; nothing is looked up, versioned or stored, and downstream
 *   keys get an entry that never matches, so downstream lookups miss.
 * - `ignore`: execute as if caching were off, and leave the node out of downstream keys entirely.
 */
export type CachingBehavior = 'default' | 'recompute' | 'disable' | 'ignore';

/** All behaviors, in the order configuration lists are checked. */
export const CACHING_BEHAVIORS: readonly CachingBehavior[] = ['default', 'recompute', 'disable', 'ignore'];

/**
 * Parses a behavior name, case-insensitively.
 *
 * @example
 * ```ts
 * behaviorFromString('Recompute'); // 'recompute'
 * behaviorFromString('sometimes'); // throws ConfigError
 * ```
 */
export function behaviorFromString(value: string, where = 'behavior'): CachingBehavior {
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if ((CACHING_BEHAVIORS as readonly unknown[]).includes(lower)) return lower as CachingBehavior;
  throw new ConfigError(
    `${where}: unknown caching behavior ${JSON.stringify(value)}; expected one of ${CACHING_BEHAVIORS.join(', ')}`,
  );
}

/** Namespace-style access mirroring Hamilton's `CachingBehavior.from_string`. */
export const CachingBehavior = {
  DEFAULT: 'default',
  RECOMPUTE: 'recompute',
  DISABLE: 'disable',
  IGNORE: 'ignore',
  fromString: behaviorFromString,
} as const;
