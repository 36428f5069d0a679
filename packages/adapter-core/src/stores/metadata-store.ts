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
  /** Writes go through their own connection: with SQLite in WAL mode, lookups never queue behind a batch. */
  private readonly keysWriter: Keyv;
  private readonly runs: Keyv;
  private readonly summaries: Keyv;

  constructor(factory: KeyvFactory) {
    this.keys = factory('dagcache-keys');
    this.keysWriter = factory('dagcache-keys');
    this.runs = factory('dagcache-runs');
    this.summaries = factory('dagcache-summaries');
  }

  async get(cacheKey: string): Promise<MetadataEntry | undefined> {
    const queued = this.pendingValues.get(cacheKey) as MetadataEntry | undefined;
    if (queued) return queued;
    return (await this.keys.get<MetadataEntry>(cacheKey)) ?? undefined;
  }

  private queue: Array<{ key: string; value: unknown }> = [];
  /** Queued writes by key, so readers in this process see them before they commit. */
  private readonly pendingValues = new Map<string, unknown>();
  private queued: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();

  /**
   * Records a cache key's data version. Writes are batched — committed together (in one transaction on
   * SQLite) when 500 are queued or 25 ms after the first — which is what makes a cold run cheap per
   * node. Readers in this process see queued writes at once. Resolves once committed.
   */
  set(cacheKey: string, entry: MetadataEntry): Promise<void> {
    const latest: LatestEntry = { cacheKey, dataVersion: entry.dataVersion };
    const lk = latestKey(entry.nodeName, entry.taskId);
    this.queue.push({ key: cacheKey, value: entry }, { key: lk, value: latest });
    this.pendingValues.set(cacheKey, entry);
    this.pendingValues.set(lk, latest);
    if (!this.queued) {
      this.queued = new Promise<void>((resolve) => {
        this.release = resolve;
        setTimeout(resolve, 25);
      }).then(() => this.drain());
    }
    const p = this.queued;
    if (this.queue.length >= 1_000) this.release?.();
    return p;
  }

  private drain(): Promise<void> {
    this.queued = undefined;
    this.release = undefined;
    const batch = this.queue;
    this.queue = [];
    // One batch at a time: a transaction must not start inside another on the same connection.
    const p = this.chain.then(() => this.write(batch));
    this.chain = p.catch(() => undefined);
    return p.finally(() => {
      for (const e of batch) if (this.pendingValues.get(e.key) === e.value) this.pendingValues.delete(e.key);
    });
  }

  private async write(batch: Array<{ key: string; value: unknown }>): Promise<void> {
    const store = this.keysWriter.store as { query?: (sql: string) => Promise<unknown>; opts?: { dialect?: string } };
    const sqlite = store.opts?.dialect === 'sqlite' && typeof store.query === 'function';
    if (sqlite) await store.query!('BEGIN IMMEDIATE').catch(() => undefined);
    try {
      await Promise.all(batch.map((e) => this.keysWriter.set(e.key, e.value)));
    } finally {
      if (sqlite) await store.query!('COMMIT').catch(() => undefined);
    }
  }

  /** Waits until every queued write is committed. */
  async flush(): Promise<void> {
    this.release?.();
    if (this.queued) await this.queued;
    await this.chain;
  }

  async delete(cacheKey: string): Promise<void> {
    await this.flush();
    await this.keys.delete(cacheKey);
  }

  /** Latest key per node, in one round trip (`getMany`). */
  async latest(nodes: readonly { nodeName: string; taskId?: string }[]): Promise<Map<string, LatestEntry>> {
    const out = new Map<string, LatestEntry>();
    if (nodes.length === 0) return out;
    const ids = nodes.map((n) => latestKey(n.nodeName, n.taskId));
    const values = await this.keys.getMany<LatestEntry>(ids);
    values.forEach((v, i) => {
      const id = ids[i]!;
      const queued = this.pendingValues.get(id) as LatestEntry | undefined;
      if (queued ?? v) out.set(id, (queued ?? v) as LatestEntry);
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
    // Stored as a JSON string: Keyv's serializer walks every value with a replacer, which costs more
    // than the run itself for a 10,000-node record.
    await Promise.all([this.runs.set(record.runId, JSON.stringify(record)), this.summaries.set(record.runId, summary)]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.runs.get<string>(runId);
    return typeof raw === 'string' ? (JSON.parse(raw) as RunRecord) : undefined;
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
    await this.flush();
    await Promise.all([this.keys, this.keysWriter, this.runs, this.summaries].map((k) => k.disconnect?.().catch(() => undefined)));
  }
}
