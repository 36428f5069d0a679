import type Keyv from 'keyv';
import type { CacheKeyParts, NodeStatus, RunRecord } from '../cache/types.js';
import type { FormatName } from '../formats/result-format.js';
import type { KeyvFactory } from './keyv-factory.js';

/** What the metadata store keeps per cache key. */
export interface MetadataEntry {
  dataVersion: string;
  nodeName: string;
  taskId?: string | undefined;
  keyParts: CacheKeyParts;
  format: FormatName;
  runId: string;
  createdAt: number;
}

/** The latest cache key seen for a node, used to prefetch a whole run's hits in one query. */
export interface LatestEntry {
  cacheKey: string;
  dataVersion: string;
}

/** Run list entry: small, so `dagcache runs` never loads full records. */
export interface RunSummary {
  runId: string;
  tool: string;
  startedAt: number;
  finishedAt?: number | undefined;
  status: RunRecord['status'];
  counts: Partial<Record<NodeStatus, number>>;
  labels: Record<string, string>;
}

const latestKey = (nodeName: string, taskId?: string) => `latest|${nodeName}|${taskId ?? ''}`;

/**
 * The metadata store: cache key → data version (+ key parts), plus run records. It *is* Keyv, so any
 * Keyv store (SQLite, Postgres, Redis, your own) plugs in. One overwrite rule everywhere: last write wins.
 */
export class MetadataStore {
  private readonly keys: Keyv;
  private readonly runs: Keyv;
  private readonly summaries: Keyv;

  constructor(factory: KeyvFactory) {
    this.keys = factory('dagcache-keys');
    this.runs = factory('dagcache-runs');
    this.summaries = factory('dagcache-summaries');
  }

  async get(cacheKey: string): Promise<MetadataEntry | undefined> {
    return (await this.keys.get<MetadataEntry>(cacheKey)) ?? undefined;
  }

  async set(cacheKey: string, entry: MetadataEntry): Promise<void> {
    await this.keys.setMany([
      { key: cacheKey, value: entry },
      {
        key: latestKey(entry.nodeName, entry.taskId),
        value: { cacheKey, dataVersion: entry.dataVersion } satisfies LatestEntry,
      },
    ]);
  }

  async delete(cacheKey: string): Promise<void> {
    await this.keys.delete(cacheKey);
  }

  /** Latest key per node, in one round trip (`getMany`). */
  async latest(nodes: readonly { nodeName: string; taskId?: string }[]): Promise<Map<string, LatestEntry>> {
    const out = new Map<string, LatestEntry>();
    if (nodes.length === 0) return out;
    const ids = nodes.map((n) => latestKey(n.nodeName, n.taskId));
    const values = await this.keys.getMany<LatestEntry>(ids);
    values.forEach((v, i) => {
      if (v) out.set(ids[i]!, v as LatestEntry);
    });
    return out;
  }

  static latestId(nodeName: string, taskId?: string): string {
    return latestKey(nodeName, taskId);
  }

  /** Every cache key entry (for gc, stats and verify). */
  async *entries(): AsyncGenerator<[string, MetadataEntry]> {
    if (!this.keys.iterator) return;
    for await (const [key, value] of (this.keys.iterator as any)() as AsyncGenerator<[string, unknown]>) {
      if (key.startsWith('latest|')) continue;
      yield [key, value as MetadataEntry];
    }
  }

  async putRun(record: RunRecord): Promise<void> {
    const counts: Partial<Record<NodeStatus, number>> = {};
    for (const n of Object.values(record.nodes)) counts[n.status] = (counts[n.status] ?? 0) + 1;
    const summary: RunSummary = {
      runId: record.runId,
      tool: record.tool,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      status: record.status,
      counts,
      labels: record.labels,
    };
    await Promise.all([this.runs.set(record.runId, record), this.summaries.set(record.runId, summary)]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return (await this.runs.get<RunRecord>(runId)) ?? undefined;
  }

  async deleteRun(runId: string): Promise<void> {
    await Promise.all([this.runs.delete(runId), this.summaries.delete(runId)]);
  }

  /** All run summaries, oldest first. */
  async listRuns(): Promise<RunSummary[]> {
    const out: RunSummary[] = [];
    if (this.summaries.iterator) {
      for await (const [, value] of (this.summaries.iterator as any)() as AsyncGenerator<[string, unknown]>) {
        out.push(value as RunSummary);
      }
    }
    return out.sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
  }

  /** Removes every key entry and run record. */
  async clear(): Promise<void> {
    await Promise.all([this.keys.clear(), this.runs.clear(), this.summaries.clear()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.keys, this.runs, this.summaries].map((k) => k.disconnect?.().catch(() => undefined)));
  }
}
