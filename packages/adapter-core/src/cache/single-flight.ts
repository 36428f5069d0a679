/**
 * Runs at most one task per key at a time in this process: callers that arrive while a task for
 * their key is in flight share its promise (two fan-out items with the same key execute once).
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing as Promise<T>;
    const p = task().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }
}
