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
}

/**
 * Keeps the open core runs: one per workflow execution per worker process, plus a further run of the same
 * group whenever an activity type is called again within one execution (a core run holds each node once,
 * and folding a call id into the node's task id would put it into the cache key).
 *
 * A call that stored a result flushes its run before it returns (see the interceptor). The records of
 * calls that stored nothing (hits, disabled, ignored) are persisted shortly after, off the activity's path:
 * all runs touched within `flushDelayMs` are written by one writer, one record at a time, so a busy
 * worker serving hits does not wait for a metadata-store write per call.
 */
export class RunRegistry {
  private readonly open = new Map<string, OpenRun[]>();
  /** Least recently used first. */
  private readonly lru = new Set<OpenRun>();
  private readonly dirty = new Set<OpenRun>();
  private readonly finishing = new Set<OpenRun>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writer: Promise<void> | undefined;

  constructor(
    private readonly cache: DagcacheCache,
    private readonly maxOpenRuns: number,
    private readonly flushDelayMs: number,
    private readonly onError: (message: string, error: unknown) => void,
  ) {}

  /**
   * Reserves a run of `group` for one call of `activityType`; call `release` when the call is over, saying
   * whether the run was just flushed (then only a later change makes it dirty again).
   */
  acquire(group: RunGroup, activityType: string): { run: DagcacheRun; release: (flushed: boolean) => void } {
    let runs = this.open.get(group.key);
    if (!runs) this.open.set(group.key, (runs = []));
    let entry = runs.find((r) => !r.types.has(activityType));
    if (!entry) {
      entry = {
        run: this.cache.startRun({ tool: 'temporal', labels: group.labels }),
        group: group.key,
        types: new Set(),
        active: 0,
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
      release: (flushed) => {
        reserved.active--;
        if (flushed) return;
        this.dirty.add(reserved);
        this.schedule();
      },
    };
  }

  /** Writes every pending record, finishes every open run, and waits for all of it. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const entry of this.lru) this.finishing.add(entry);
    this.lru.clear();
    this.open.clear();
    while (this.writer || this.dirty.size || this.finishing.size) await this.startWriter();
  }

  private schedule(): void {
    if (this.timer || this.writer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.startWriter();
    }, this.flushDelayMs);
    // A worker shutting down must not be kept alive by a pending write; close() writes what is left.
    this.timer.unref?.();
  }

  private startWriter(): Promise<void> {
    if (!this.writer) {
      const writing = this.write();
      this.writer = writing;
      void writing.finally(() => {
        if (this.writer === writing) this.writer = undefined;
        // A call released between the writer's last check and now would otherwise wait for the next one.
        if (this.dirty.size || this.finishing.size) this.schedule();
      });
    }
    return this.writer;
  }

  /** The single writer: flushes dirty runs and finishes evicted ones until nothing is left. Never rejects. */
  private async write(): Promise<void> {
    while (this.dirty.size || this.finishing.size) {
      const flush = [...this.dirty].filter((e) => !this.finishing.has(e));
      const finish = [...this.finishing];
      this.dirty.clear();
      this.finishing.clear();
      for (const entry of flush) {
        await entry.run
          .flush()
          .catch((error: unknown) => this.onError('dagcache: could not persist the run record', error));
      }
      for (const entry of finish) {
        await entry.run
          .finish()
          .catch((error: unknown) => this.onError('dagcache: could not finish the run', error));
      }
    }
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
      this.finishing.add(entry);
      this.schedule();
    }
  }
}
