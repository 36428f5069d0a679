import * as dagre from '@dagrejs/dagre';
import type { ViewEdge, ViewNode } from './graph.js';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 44;
const RANK_SEP = 70;
const NODE_SEP = 14;
const MARGIN = 20;

/** Above this many nodes dagre is skipped (it grows superlinearly) for {@link layeredLayout}. */
export const DAGRE_MAX_NODES = 300;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  boxes: Map<string, Box>;
  /** Polyline points per edge, same order as the input edges. */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
  engine: 'dagre' | 'layered';
}

/**
 * Lays the DAG out left to right: dagre for small graphs, a simple layered layout for large ones.
 *
 * @example
 * ```ts
 * const { boxes, width } = layoutGraph(view.nodes, view.edges);
 * ```
 */
export function layoutGraph(nodes: readonly ViewNode[], edges: readonly ViewEdge[]): Layout {
  return nodes.length > DAGRE_MAX_NODES ? layeredLayout(nodes, edges) : dagreLayout(nodes, edges);
}

/** dagre (network simplex ranking, crossing minimisation): the nicest result for small graphs. */
export function dagreLayout(nodes: readonly ViewNode[], edges: readonly ViewEdge[]): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', ranksep: RANK_SEP, nodesep: NODE_SEP, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const boxes = new Map<string, Box>();
  for (const n of nodes) {
    const p = g.node(n.id);
    boxes.set(n.id, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2, w: NODE_WIDTH, h: NODE_HEIGHT });
  }
  const label = g.graph();
  return {
    boxes,
    edges: edges.map((e) => ({
      ...e,
      points: g.edge(e.from, e.to)?.points?.map((p) => ({ x: p.x, y: p.y })) ?? [],
    })),
    width: Math.max(label.width ?? 0, NODE_WIDTH + 2 * MARGIN),
    height: Math.max(label.height ?? 0, NODE_HEIGHT + 2 * MARGIN),
    engine: 'dagre',
  };
}

/**
 * Longest-path layering plus two barycenter sweeps: linear-ish in nodes + edges, so a 2,000-node run lays
 * out in milliseconds. Cycles (which a DAG tool should not produce) are broken by placing the leftover
 * nodes after the last layer.
 */
export function layeredLayout(nodes: readonly ViewNode[], edges: readonly ViewEdge[]): Layout {
  const ids = nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const preds: number[][] = ids.map(() => []);
  const succs: number[][] = ids.map(() => []);
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    preds[b]!.push(a);
    succs[a]!.push(b);
  }
  // Kahn's order; rank = 1 + max rank of predecessors.
  const indeg = preds.map((p) => p.length);
  const rank = new Array<number>(ids.length).fill(0);
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  let seen = 0;
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    seen++;
    for (const w of succs[v]!) {
      rank[w] = Math.max(rank[w]!, rank[v]! + 1);
      if (--indeg[w]! === 0) queue.push(w);
    }
  }
  if (seen < ids.length) {
    const maxRank = Math.max(0, ...rank);
    indeg.forEach((d, i) => d > 0 && (rank[i] = maxRank + 1));
  }
  const layers: number[][] = [];
  rank.forEach((r, i) => (layers[r] ??= []).push(i));
  const pos = new Array<number>(ids.length).fill(0);
  const place = () => layers.forEach((layer) => layer?.forEach((v, i) => (pos[v] = i)));
  place();
  // Barycenter sweeps left to right (by predecessors) then right to left (by successors).
  for (let sweep = 0; sweep < 2; sweep++) {
    const order = sweep === 0 ? layers.keys() : [...layers.keys()].reverse();
    for (const r of order) {
      const layer = layers[r];
      if (!layer) continue;
      const nb = sweep === 0 ? preds : succs;
      const bary = new Map(
        layer.map((v) => {
          const list = nb[v]!;
          return [v, list.length ? list.reduce((s, u) => s + pos[u]!, 0) / list.length : pos[v]!];
        }),
      );
      layer.sort((a, b) => bary.get(a)! - bary.get(b)! || a - b);
      layer.forEach((v, i) => (pos[v] = i));
    }
  }
  const tallest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const boxes = new Map<string, Box>();
  layers.forEach((layer, r) => {
    if (!layer) return;
    const offset = ((tallest - layer.length) * (NODE_HEIGHT + NODE_SEP)) / 2;
    layer.forEach((v, i) => {
      boxes.set(ids[v]!, {
        x: MARGIN + r * (NODE_WIDTH + RANK_SEP),
        y: MARGIN + offset + i * (NODE_HEIGHT + NODE_SEP),
        w: NODE_WIDTH,
        h: NODE_HEIGHT,
      });
    });
  });
  const layoutEdges = edges
    .filter((e) => boxes.has(e.from) && boxes.has(e.to))
    .map((e) => {
      const a = boxes.get(e.from)!;
      const b = boxes.get(e.to)!;
      return {
        ...e,
        points: [
          { x: a.x + a.w, y: a.y + a.h / 2 },
          { x: b.x, y: b.y + b.h / 2 },
        ],
      };
    });
  return {
    boxes,
    edges: layoutEdges,
    width: 2 * MARGIN + layers.length * (NODE_WIDTH + RANK_SEP) - RANK_SEP,
    height: 2 * MARGIN + tallest * (NODE_HEIGHT + NODE_SEP) - NODE_SEP,
    engine: 'layered',
  };
}
