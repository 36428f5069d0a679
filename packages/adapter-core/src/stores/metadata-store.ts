import type Keyv from 'keyv';
import { keyEntryProblem, latestEntryProblem, parseRow } from './metadata-row.js';
import type { CacheKeyParts, NodeStatus, RunRecord } from '../cache/types.js';
import type { CachingEvent } from '../events/caching-event.js';
import type { FormatName } from '../formats/result-format.js';
import type { KeyvFactory } from './keyv-factory.js';
import { KeyvBatchWriter } from './keyv-batch-writer.js';
import { Lru } from './lru.js';
import { SqliteDb } from './sqlite-db.js';
import type { Signer } from './signer.js';
import { sha256Base64Url } from '../fingerprint/index.js';

/** What the metadata store keeps per cache key. */
export interface MetadataEntry {
  dataVersion: string;
  /** HMAC of the entry when signing is on (see `Signer`). */
  signature?: string;
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
  /** When the key was stored (for TTLs); absent in caches written before TTLs existed. */
  createdAt?: number;
  signature?: string;
}

/** What getMany gives for a row that does not parse (a hint `latest` then drops). */
const MALFORMED = Object.freeze({ malformed: true });

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

/**
 * The id of a node's latest-key entry. Plain names are kept readable; any other name (a path, NUL,
 * a 10 kB name, unicode) is hashed, so every store can hold the id whatever the name is.
 */
const PLAIN = /^[A-Za-z0-9_.:@/-]{1,200}$/;
const latestKey = (nodeName: string, taskId?: string) => {
  const id = `${nodeName}|${taskId ?? ''}`;
  return PLAIN.test(nodeName) && (taskId === undefined || PLAIN.test(taskId))
    ? `latest|${id}`
    : `latest|#${sha256Base64Url(id)}`;
};

const signedKeyPart = (e: MetadataEntry) => ({
  dataVersion: e.dataVersion,
  nodeName: e.nodeName,
  taskId: e.taskId,
  keyParts: e.keyParts,
  format: e.format,
  runId: e.runId,
  createdAt: e.createdAt,
});
const signedLatestPart = (e: LatestEntry) => ({
  cacheKey: e.cacheKey,
  dataVersion: e.dataVersion,
  createdAt: e.createdAt,
});

/** Why an entry was not trusted, or undefined when it may be used. */
/** Why a stored entry was not used: unsigned or forged (signing on), or not an entry at all. */
export type Rejection = 'unsigned' | 'bad-signature' | `malformed: ${string}`;

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

  /** A direct read connection on the SQLite store, for the one query every hit makes (prepared once). */
  private readonly sqliteFile: string | undefined;
  private reader: Promise<SqliteDb> | undefined;

  private readonly keyWrites: KeyvBatchWriter;
  private readonly runWrites: KeyvBatchWriter;
  private readonly summaryWrites: KeyvBatchWriter;

  constructor(
    factory: KeyvFactory,
    /** Signs entries on write; entries that are unsigned or tampered with are then never used. */
    private readonly signer?: Signer,
  ) {
    this.sqliteFile = factory.sqliteFile;
    this.keys = factory('dagcache-keys');
    this.keysWriter = factory('dagcache-keys');
    this.runs = factory('dagcache-runs');
    this.summaries = factory('dagcache-summaries');
    this.keyWrites = new KeyvBatchWriter(this.keysWriter, 25);
    // Run records from many concurrent runs (Nx batch mode, a Temporal worker) commit together.
    this.runWrites = new KeyvBatchWriter(this.runs, 0);
    this.summaryWrites = new KeyvBatchWriter(this.summaries, 0);
  }

  /** Entries this process read or wrote lately. Safe to serve: an entry only ever maps a key to a result
   * that was valid for it; a stale one whose result is gone is caught when the result is read. */
  private readonly recent = new Lru<string, MetadataEntry>(20_000);

  /**
   * The entry of a cache key. With signing on, an unsigned or tampered entry is not returned:
   * `onRejected` hears why (the run logs it), and the key counts as a miss.
   */
  async get(cacheKey: string, onRejected?: (why: Rejection) => void): Promise<MetadataEntry | undefined> {
    const known =
      (this.pendingValues.get(cacheKey) as MetadataEntry | undefined) ?? this.recent.get(cacheKey);
    if (known) return known;
    return this.read(cacheKey, onRejected);
  }

  /** Reads the store itself, past this process's caches (a waiter polling for a neighbour's result). */
  async read(cacheKey: string, onRejected?: (why: Rejection) => void): Promise<MetadataEntry | undefined> {
    let entry: MetadataEntry | undefined;
    try {
      entry = this.sqliteFile
        ? await this.readDirect(cacheKey)
        : ((await this.keys.get<MetadataEntry>(cacheKey)) ?? undefined);
    } catch (err) {
      // A row that is not JSON (Keyv's deserializer throws a SyntaxError): a bad entry, not a dead store.
      if (!(err instanceof SyntaxError)) throw err;
      onRejected?.('malformed: not JSON');
      return undefined;
    }
    if (entry === undefined || entry === null) return undefined;
    const malformed = keyEntryProblem(entry);
    if (malformed) {
      onRejected?.(`malformed: ${malformed}`);
      return undefined;
    }
    const why = this.rejection('key', cacheKey, signedKeyPart(entry), entry.signature);
    if (why) {
      onRejected?.(why);
      return undefined;
    }
    this.recent.set(cacheKey, entry);
    return entry;
  }

  private rejection(
    kind: string,
    id: string,
    payload: unknown,
    signature: string | undefined,
  ): Rejection | undefined {
    if (!this.signer) return undefined;
    if (!signature) return 'unsigned';
    return this.signer.verify(kind, id, payload, signature) ? undefined : 'bad-signature';
  }

  /** Reads one key from the SQLite table Keyv writes (same key prefix, same stored form). */
  private async readDirect(cacheKey: string): Promise<MetadataEntry | undefined> {
    this.reader ??= SqliteDb.open(this.sqliteFile!);
    const table = (this.keys.store as { opts?: { table?: string } }).opts?.table ?? 'keyv';
    const rows = await (
      await this.reader
    ).allPrepared<{ value: string }>(`SELECT value FROM ${table} WHERE key = ?`, [
      this.keys._getKeyPrefix(cacheKey),
    ]);
    const raw = rows[0]?.value;
    if (raw === undefined) return undefined;
    if (!raw.includes(':base64:')) {
      const row = parseRow<MetadataEntry>(raw);
      if (typeof row === 'string') throw new SyntaxError(row);
      return row.value;
    }
    return (
      ((await this.keys.deserializeData<MetadataEntry>(raw))?.value as MetadataEntry | undefined) ?? undefined
    );
  }

  /**
   * Makes an entry visible to lookups in this process at once, before it is committed (`set` commits it
   * later, after its result). Other processes see it only once committed.
   */
  announce(cacheKey: string, entry: MetadataEntry): void {
    this.recent.set(cacheKey, entry);
  }

  /** Queued key writes, so readers in this process see them before they commit. */
  private readonly pendingValues = new Map<string, unknown>();

  /**
   * Records a cache key's data version. Writes are batched — committed together (one multi-row upsert on
   * SQLite) when 1,000 are queued or 25 ms after the first — which is what makes a cold run cheap per
   * node. Readers in this process see queued writes at once. Resolves once committed.
   */
  set(cacheKey: string, entry: MetadataEntry): Promise<void> {
    const latest: LatestEntry = { cacheKey, dataVersion: entry.dataVersion, createdAt: entry.createdAt };
    const lk = latestKey(entry.nodeName, entry.taskId);
    if (this.signer) {
      entry.signature = this.signer.sign('key', cacheKey, signedKeyPart(entry));
      latest.signature = this.signer.sign('latest', lk, signedLatestPart(latest));
    }
    this.pendingValues.set(cacheKey, entry);
    this.pendingValues.set(lk, latest);
    void this.keyWrites.set(lk, latest);
    return this.keyWrites.set(cacheKey, entry).finally(() => {
      if (this.pendingValues.get(cacheKey) === entry) this.pendingValues.delete(cacheKey);
      if (this.pendingValues.get(lk) === latest) this.pendingValues.delete(lk);
    });
  }

  /** Waits until every queued write is committed. */
  async flush(): Promise<void> {
    await Promise.all([this.keyWrites.flush(), this.runWrites.flush(), this.summaryWrites.flush()]);
  }

  /** Removes a key's entry, and its node's latest-key hint when that names this key (else it would still hit). */
  async delete(cacheKey: string): Promise<void> {
    await this.flush();
    const entry = this.recent.get(cacheKey) ?? ((await this.keys.get<MetadataEntry>(cacheKey)) || undefined);
    this.recent.delete(cacheKey);
    if (entry?.nodeName !== undefined) {
      const lk = latestKey(entry.nodeName, entry.taskId);
      const latest = await this.keys.get<LatestEntry>(lk);
      if (latest?.cacheKey === cacheKey) await this.keys.delete(lk);
    }
    await this.keys.delete(cacheKey);
  }

  /** Latest key per node, in one round trip (`getMany`). */
  async latest(
    nodes: readonly { nodeName: string; taskId?: string }[],
    /** Collects the ids whose stored hint was not trusted (so the caller does not read them as "never stored"). */
    untrusted?: Set<string>,
  ): Promise<Map<string, LatestEntry>> {
    const out = new Map<string, LatestEntry>();
    if (nodes.length === 0) return out;
    const ids = nodes.map((n) => latestKey(n.nodeName, n.taskId));
    let values: Array<LatestEntry | undefined>;
    try {
      values = await this.getMany<LatestEntry>(ids);
    } catch (err) {
      // One row that is not JSON fails Keyv's whole getMany: then no hint is trusted (lookups go to `get`).
      if (!(err instanceof SyntaxError)) throw err;
      for (const id of ids) untrusted?.add(id);
      return out;
    }
    values.forEach((v, i) => {
      const id = ids[i]!;
      const queued = this.pendingValues.get(id) as LatestEntry | undefined;
      // An untrusted latest entry is only a prefetch hint: dropping it sends the lookup to `get`,
      // which reports the rejection if the key's own entry is bad too.
      if (queued) out.set(id, queued);
      else if (v && !latestEntryProblem(v) && !this.rejection('latest', id, signedLatestPart(v), v.signature))
        out.set(id, v);
      else if (v) untrusted?.add(id);
    });
    return out;
  }

  /** Keyv getMany, done as one keyed query on SQLite (@keyv/sqlite matches rows to keys in O(n²)). */
  private async getMany<T>(ids: string[]): Promise<Array<T | undefined>> {
    const store = this.keys.store as {
      query?: (sql: string, ...args: unknown[]) => Promise<Array<{ key: string; value: string }>>;
      opts?: { dialect?: string; table?: string };
    };
    if (store.opts?.dialect !== 'sqlite' || typeof store.query !== 'function')
      return this.keys.getMany<T>(ids);
    const prefixed = ids.map((id) => this.keys._getKeyPrefix(id));
    const rows = await store.query(
      `SELECT key, value FROM ${store.opts.table ?? 'keyv'} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(prefixed),
    );
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    return Promise.all(
      prefixed.map(async (k) => {
        const raw = byKey.get(k);
        if (raw === undefined) return undefined;
        // Plain JSON (what these entries hold) parses directly; anything else goes through Keyv. A row
        // that parses as neither is a bad hint: the caller drops it (see `latest`).
        if (!raw.includes(':base64:')) {
          const row = parseRow<T>(raw);
          return typeof row === 'string' ? (MALFORMED as T) : row.value;
        }
        const data = await this.keys.deserializeData<T>(raw).catch(() => ({ value: MALFORMED as T }));
        return data?.value as T | undefined;
      }),
    );
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
    const compact = { ...record, events: compactEvents(record) };
    await Promise.all([
      this.runWrites.set(record.runId, JSON.stringify(compact)),
      this.summaryWrites.set(record.runId, summary),
    ]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.runs.get<string>(runId);
    if (typeof raw !== 'string') return undefined;
    const record = JSON.parse(raw) as RunRecord;
    record.events = expandEvents(record, record.events as unknown as unknown[]);
    return record;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.flush();
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
    await this.flush();
    this.recent.clear();
    await Promise.all([this.keys.clear(), this.runs.clear(), this.summaries.clear()]);
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.reader) await (await this.reader).close();
    await Promise.all(
      [this.keys, this.keysWriter, this.runs, this.summaries].map((k) =>
        k.disconnect?.().catch(() => undefined),
      ),
    );
  }
}

const ACTORS = ['adapter', 'metadata_store', 'result_store'] as const;
type CompactEvent = [number, number, string, string, string | 0, string | 0, unknown?];

/**
 * Events are stored as tuples (time since the run started, actor, type, node, task, msg, value): the
 * run id is the record's, and a 10,000-node run has ~50,000 events, so the record shrinks by half.
 */
function compactEvents(record: RunRecord): CompactEvent[] {
  return record.events.map((e) => {
    const t: CompactEvent = [
      e.timestamp - record.startedAt,
      ACTORS.indexOf(e.actor),
      e.eventType,
      e.nodeName,
      e.taskId ?? 0,
      e.msg ?? 0,
    ];
    if (e.value !== undefined) t.push(e.value);
    return t;
  });
}

function expandEvents(record: RunRecord, stored: unknown[]): CachingEvent[] {
  return stored.map((raw) => {
    if (!Array.isArray(raw)) return raw as CachingEvent; // a record written before events were compacted
    const [dt, actor, eventType, nodeName, taskId, msg, value] = raw as CompactEvent;
    const e: CachingEvent = {
      runId: record.runId,
      actor: ACTORS[actor] ?? 'adapter',
      eventType: eventType as CachingEvent['eventType'],
      nodeName,
      timestamp: record.startedAt + dt,
    };
    if (taskId) e.taskId = taskId;
    if (msg) e.msg = msg;
    if (raw.length > 6) e.value = value;
    return e;
  });
}
