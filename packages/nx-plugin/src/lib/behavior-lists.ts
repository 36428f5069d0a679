import type { BehaviorConfig } from '@dagcache/core';
import picomatch from 'picomatch';

const LISTS = ['default', 'recompute', 'disable', 'ignore'] as const;

/**
 * Behavior lists from nx.json as core sees them for one node. nx.json may name nodes by glob
 * (`*:e2e`, `app-*:build`); core matches exact names, so a glob that matches this node becomes its
 * name and globs that do not are dropped. Exact names pass through unchanged.
 *
 * @example
 * ```ts
 * listsForNode({ recompute: ['*:e2e'], ignore: ['docs:build'] }, 'app:e2e');
 * // { recompute: ['app:e2e'], ignore: ['docs:build'] }
 * ```
 */
export function listsForNode(config: BehaviorConfig, node: string): BehaviorConfig {
  const out: BehaviorConfig = { ...config };
  for (const key of LISTS) {
    const list = config[key];
    if (!Array.isArray(list)) continue;
    out[key] = [
      ...new Set(
        (list as readonly string[]).flatMap((entry) => {
          if (!picomatch.scan(entry).isGlob) return [entry];
          return picomatch(entry)(node) ? [node] : [];
        }),
      ),
    ];
  }
  return out;
}
