import type { NodeRecord, RunRecord } from '../types.js';

/** One drawn node: a node record and the run it came from (a merged group mixes runs). */
export interface ViewNode {
  /** Key in the run's `nodes` (`name` or `name::taskId`); unique in the view. */
  id: string;
  record: NodeRecord;
  runId: string;
}

export interface ViewEdge {
  from: string;
  to: string;
}

/** What one screen shows: the run (or group of runs) and its DAG. */
export interface RunView {
  /** Stable id of the view: the run id, or `group:<name>` for a merged group. */
  id: string;
  /** The runs shown (one, or every run of the group, oldest first). */
  runs: RunRecord[];
  nodes: ViewNode[];
  edges: ViewEdge[];
  startedAt: number;
  finishedAt: number | undefined;
}

/** Runs ordered oldest first (ties by run id so the order is stable). */
export function sortRuns(runs: readonly RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
}

/** Runs that share `labels.group` with the given run (itself included), oldest first. */
export function groupMembers(runs: readonly RunRecord[], run: RunRecord): RunRecord[] {
  const group = run.labels?.group;
  if (!group) return [run];
  return sortRuns(runs.filter((r) => r.labels?.group === group));
}

/**
 * Builds the view of one run, or of its whole group when `mergeGroup` is set. A merged group unions the
 * nodes of its runs (each Nx task of one invocation writes its own run); when two runs hold the same node,
 * the later run wins because it reflects the final state.
 */
export function buildRunView(
  runs: readonly RunRecord[],
  runId: string,
  mergeGroup = false,
): RunView | undefined {
  const run = runs.find((r) => r.runId === runId);
  if (!run) return undefined;
  const members = mergeGroup ? groupMembers(runs, run) : [run];
  const byId = new Map<string, ViewNode>();
  for (const r of members) {
    for (const [id, record] of Object.entries(r.nodes)) byId.set(id, { id, record, runId: r.runId });
  }
  const nodes = [...byId.values()];
  const finished = members.map((r) => r.finishedAt).filter((t): t is number => t !== undefined);
  return {
    id: mergeGroup && run.labels?.group ? `group:${run.labels.group}` : run.runId,
    runs: members,
    nodes,
    edges: buildEdges(nodes),
    startedAt: Math.min(...members.map((r) => r.startedAt)),
    finishedAt: finished.length === members.length ? Math.max(...finished) : undefined,
  };
}

/**
 * Edges from each node's `upstream` names. Upstream entries are node names, so a fanned-out node
 * (`name::taskId`) links to the upstream item with the same task id when there is one, and to every
 * item of that name otherwise (a collect reads them all).
 */
export function buildEdges(nodes: readonly ViewNode[]): ViewEdge[] {
  const byName = new Map<string, ViewNode[]>();
  for (const n of nodes) {
    const list = byName.get(n.record.nodeName) ?? [];
    list.push(n);
    byName.set(n.record.nodeName, list);
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges: ViewEdge[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    for (const up of n.record.upstream ?? []) {
      let sources = byName.get(up) ?? (ids.has(up) ? nodes.filter((m) => m.id === up) : []);
      const sameTask = sources.filter(
        (s) => s.record.taskId !== undefined && s.record.taskId === n.record.taskId,
      );
      if (sameTask.length > 0) sources = sameTask;
      for (const s of sources) {
        const key = `${s.id}\u0000${n.id}`;
        if (s.id === n.id || seen.has(key)) continue;
        seen.add(key);
        edges.push({ from: s.id, to: n.id });
      }
    }
  }
  return edges;
}
