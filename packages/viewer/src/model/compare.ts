import type { NodeRecord } from '../types.js';
import type { ViewNode } from './graph.js';

/** What differs for one node between the shown run and the compared run. */
export type ChangeKind = 'status' | 'data' | 'key' | 'added';

export interface Comparison {
  /** Node id → what changed (absent when the node is the same in both runs). */
  changed: Map<string, ChangeKind[]>;
  /** Nodes of the compared run that the shown run does not have. */
  removed: NodeRecord[];
  /** Compared-run record per node id. */
  before: Map<string, NodeRecord>;
}

/**
 * Compares the shown nodes with another run's nodes: status, data version and cache key per node,
 * plus nodes only in one of them.
 *
 * @example
 * ```ts
 * compareNodes(view.nodes, other.nodes).changed.get('clean'); // ['status', 'key']
 * ```
 */
export function compareNodes(nodes: readonly ViewNode[], other: Record<string, NodeRecord>): Comparison {
  const changed = new Map<string, ChangeKind[]>();
  const before = new Map<string, NodeRecord>();
  const shown = new Set<string>();
  for (const n of nodes) {
    shown.add(n.id);
    const o = other[n.id];
    if (!o) {
      changed.set(n.id, ['added']);
      continue;
    }
    before.set(n.id, o);
    const kinds: ChangeKind[] = [];
    if (o.status !== n.record.status) kinds.push('status');
    if (o.dataVersion !== n.record.dataVersion) kinds.push('data');
    if (o.cacheKey !== n.record.cacheKey) kinds.push('key');
    if (kinds.length > 0) changed.set(n.id, kinds);
  }
  const removed = Object.entries(other)
    .filter(([id]) => !shown.has(id))
    .map(([, r]) => r);
  return { changed, removed, before };
}
