import { hostname } from 'node:os';
import type { Info } from '@temporalio/activity';
import type { DagcacheCache } from '../options.js';

/** A core run, as `cache.startRun` gives it. */
export type DagcacheRun = ReturnType<DagcacheCache['startRun']>;

/** Which workflow execution (or standalone activity) an activity call belongs to, and the labels of its runs. */
export interface RunGroup {
  key: string;
  labels: Record<string, string>;
}

/**
 * The group of an activity call: its workflow execution. Workers in other processes that run activities of
 * the same execution write their own runs with the same `labels.group`, which the CLI and viewer combine.
 */
export function runGroupOf(info: Info): RunGroup {
  const worker = `${hostname()}:${process.pid}`;
  if (info.workflowExecution) {
    const { workflowId, runId } = info.workflowExecution;
    return {
      key: `${workflowId}/${runId}`,
      labels: {
        group: `${workflowId}/${runId}`,
        workflowId,
        workflowRunId: runId,
        ...(info.workflowType ? { workflowType: info.workflowType } : {}),
        taskQueue: info.taskQueue,
        worker,
      },
    };
  }
  // A standalone activity (started by a client, not a workflow) is a group of its own.
  const key = `activity/${info.activityId}/${info.activityRunId ?? ''}`;
  return { key, labels: { group: key, activityId: info.activityId, taskQueue: info.taskQueue, worker } };
}

interface OpenRun {
  run: DagcacheRun;
  group: string;
  /** Activity types this run already holds (a core run records each node once). */
  types: Set<string>;
  /** Calls under way; a run is only finished when none are. */
  active: number;
  flushing: Promise<void> | undefined;
  dirty: boolean;
}

/**
 * Keeps the open core runs: one per workflow execution per worker process, plus a further run of the same
 * group whenever an activity type is called again within one execution (a core run holds each node once,
 * and folding a call id into the node's task id would put it into the cache key).
 */
export class RunRegistry {
  private readonly open = new Map<string, OpenRun[]>();
  /** Least recently used first. */
  private readonly lru = new Set<OpenRun>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly cache: DagcacheCache,
    private readonly maxOpenRuns: number,
    private readonly onError: (message: string, error: unknown) => void,
  ) {}

  /** Reserves a run of `group` for one call of `activityType`; call `release` when the call is over. */
  acquire(group: RunGroup, activityType: string): { run: DagcacheRun; release: () => void } {
    let runs = this.open.get(group.key);
    if (!runs) this.open.set(group.key, (runs = []));
    let entry = runs.find((r) => !r.types.has(activityType));
    if (!entry) {
      entry = {
        run: this.cache.startRun({ tool: 'temporal', labels: group.labels }),
        group: group.key,
        types: new Set(),
        active: 0,
        flushing: undefined,
        dirty: false,
      };
      runs.push(entry);
    }
    entry.types.add(activityType);
    entry.active++;
    this.lru.delete(entry);
    this.lru.add(entry);
    this.evict();
    const reserved = entry;
    return {
      run: reserved.run,
      release: () => {
        reserved.active--;
        this.flush(reserved);
      },
    };
  }

  /** Finishes every open run and waits for all writes. */
  async close(): Promise<void> {
    const all = [...this.lru];
    this.lru.clear();
    this.open.clear();
    await Promise.all(all.map((entry) => this.finish(entry)));
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /**
   * Persists the run after each call so the CLI and viewer see activity runs while the worker is up.
   * Flushes of one run are coalesced: calls finishing during a flush cause one more flush, not one each.
   */
  private flush(entry: OpenRun): void {
    if (entry.flushing) {
      entry.dirty = true;
      return;
    }
    const loop = async (): Promise<void> => {
      do {
        entry.dirty = false;
        try {
          await entry.run.flush();
        } catch (error) {
          this.onError('dagcache: could not persist the run record', error);
        }
      } while (entry.dirty);
      entry.flushing = undefined;
    };
    entry.flushing = this.track(loop());
  }

  private evict(): void {
    for (const entry of this.lru) {
      if (this.lru.size <= this.maxOpenRuns) return;
      if (entry.active > 0) continue;
      this.lru.delete(entry);
      const runs = this.open.get(entry.group) ?? [];
      const left = runs.filter((r) => r !== entry);
      if (left.length) this.open.set(entry.group, left);
      else this.open.delete(entry.group);
      void this.track(this.finish(entry));
    }
  }

  private async finish(entry: OpenRun): Promise<void> {
    try {
      await entry.flushing;
      await entry.run.finish();
    } catch (error) {
      this.onError('dagcache: could not finish the run', error);
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }
}
