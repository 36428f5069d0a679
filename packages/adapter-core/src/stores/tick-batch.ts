/**
 * Requests for keys made in the same tick go out as one call, and each caller gets its key's answer:
 * a run that reads 1,000 results, or takes 1,000 leases, makes one round trip instead of 1,000.
 * Callers asking for the same key in one tick share its answer.
 *
 * @example
 * ```ts
 * const rows = new TickBatch(async (ids: string[]) => {
 *   const found = await db.fetch(ids);
 *   return (id) => found.get(id);
 * });
 * const [a, b] = await Promise.all([rows.get('a'), rows.get('b')]); // one db.fetch(['a', 'b'])
 * ```
 */
export class TickBatch<K, V> {
  private waiters = new Map<K, Array<{ resolve: (v: V) => void; reject: (e: Error) => void }>>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly send: (keys: K[]) => Promise<(key: K) => V>) {}

  get(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiters.set(key, [{ resolve, reject }]);
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        const sent = this.flush().finally(() => this.inFlight.delete(sent));
        this.inFlight.add(sent);
      });
    });
  }

  /** Resolves once every request made so far has been answered. */
  async settled(): Promise<void> {
    while (this.scheduled || this.inFlight.size) {
      if (this.inFlight.size) await Promise.all(this.inFlight);
      else await new Promise((r) => setImmediate(r));
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = new Map();
    try {
      const answer = await this.send([...waiters.keys()]);
      for (const [key, ws] of waiters) {
        const value = answer(key);
        for (const w of ws) w.resolve(value);
      }
    } catch (err) {
      for (const ws of waiters.values()) for (const w of ws) w.reject(err as Error);
    }
  }
}
