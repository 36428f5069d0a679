import type Keyv from 'keyv';

interface SqliteKeyvStore {
  query?: (sql: string, ...args: unknown[]) => Promise<unknown>;
  opts?: { dialect?: string; table?: string };
}

/**
 * Batches writes to one Keyv: sets made within `delayMs` (or up to `maxBatch` of them) are committed
 * together. On @keyv/sqlite (which has no setMany, so Keyv would send a statement per key) a batch is
 * one multi-row upsert written in Keyv's own stored form — its key prefix and its serializer — so any
 * Keyv reading the table sees exactly what `keyv.set` would have written. Other stores get `set` calls
 * in parallel. Batches are written one at a time.
 */
export class KeyvBatchWriter {
  private queue = new Map<string, unknown>();
  private queued: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly keyv: Keyv,
    private readonly delayMs: number,
    private readonly maxBatch = 1_000,
  ) {}

  /** Queues a write (the last one for a key wins); resolves once committed. */
  set(key: string, value: unknown): Promise<void> {
    this.queue.delete(key);
    this.queue.set(key, value);
    if (!this.queued) {
      this.queued = new Promise<void>((resolve) => {
        this.release = resolve;
        if (this.delayMs > 0) setTimeout(resolve, this.delayMs);
        else setImmediate(resolve);
      }).then(() => this.drain());
    }
    const p = this.queued;
    if (this.queue.size >= this.maxBatch) this.release?.();
    return p;
  }

  /** Commits everything queued now. */
  async flush(): Promise<void> {
    this.release?.();
    if (this.queued) await this.queued;
    await this.chain;
  }

  private drain(): Promise<void> {
    this.queued = undefined;
    this.release = undefined;
    const batch = this.queue;
    this.queue = new Map();
    const p = this.chain.then(() => this.write(batch));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async write(batch: Map<string, unknown>): Promise<void> {
    const store = this.keyv.store as SqliteKeyvStore;
    if (store.opts?.dialect !== 'sqlite' || typeof store.query !== 'function') {
      await Promise.all([...batch].map(([k, v]) => this.keyv.set(k, v)));
      return;
    }
    const rows: unknown[] = [];
    for (const [key, value] of batch) {
      rows.push(this.keyv._getKeyPrefix(key), await this.keyv.serializeData({ value, expires: undefined } as any));
    }
    const table = store.opts.table ?? 'keyv';
    for (let i = 0; i < rows.length; i += 2 * 5_000) {
      const chunk = rows.slice(i, i + 2 * 5_000);
      await store.query(
        `INSERT INTO ${table} (key, value) VALUES ${Array.from({ length: chunk.length / 2 }, () => '(?, ?)').join(', ')}
         ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
        ...chunk,
      );
    }
  }
}
