import type { ResultBackend, ResultEntry } from '../result-backend.js';

/**
 * Keeps results in this process only. Used when the configured store cannot be reached and the cache
 * runs uncached (`onStoreUnavailable: 'disable'`), so nothing is written anywhere.
 */
export class MemoryResultBackend implements ResultBackend {
  readonly location = 'memory';
  readonly inlineMax = Number.MAX_SAFE_INTEGER;
  private readonly rows = new Map<string, { entry: ResultEntry; bytes?: Uint8Array }>();

  async entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>> {
    const out = new Map<string, ResultEntry>();
    for (const dv of dvs) {
      const r = this.rows.get(dv);
      if (r) out.set(dv, r.entry);
    }
    return out;
  }

  async fetch(dvs: readonly string[]): Promise<Map<string, { entry: ResultEntry; bytes?: Uint8Array }>> {
    const out = new Map<string, { entry: ResultEntry; bytes?: Uint8Array }>();
    for (const dv of dvs) {
      const r = this.rows.get(dv);
      if (r) out.set(dv, r);
    }
    return out;
  }

  async writeBlob(): Promise<string> {
    throw new Error('memory backend stores every result inline');
  }

  async readBytes(entry: ResultEntry): Promise<Uint8Array | undefined> {
    return this.rows.get(entry.dataVersion)?.bytes;
  }

  async put(items: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>): Promise<Set<string>> {
    const written = new Set<string>();
    for (const item of items) {
      const old = this.rows.get(item.entry.dataVersion);
      if (old && old.entry.format === item.entry.format) continue;
      this.rows.set(item.entry.dataVersion, item);
      written.add(item.entry.dataVersion);
    }
    return written;
  }

  async touch(dvs: readonly string[], at: number): Promise<void> {
    for (const dv of dvs) {
      const r = this.rows.get(dv);
      if (r) r.entry.lastUsedAt = at;
    }
  }

  async delete(dvs: readonly string[]): Promise<void> {
    for (const dv of dvs) this.rows.delete(dv);
  }

  async list(after: string, limit: number): Promise<ResultEntry[]> {
    return [...this.rows.keys()]
      .filter((dv) => dv > after)
      .sort()
      .slice(0, limit)
      .map((dv) => this.rows.get(dv)!.entry);
  }

  async usage(): Promise<{ count: number; bytes: number }> {
    let bytes = 0;
    for (const r of this.rows.values()) bytes += r.entry.byteSize;
    return { count: this.rows.size, bytes };
  }

  async sweep(): Promise<number> {
    return 0;
  }

  async clear(): Promise<void> {
    this.rows.clear();
  }

  async close(): Promise<void> {
    this.rows.clear();
  }
}
