import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { LeaseLock } from '../stores/locks/index.js';

/** Default lease: long enough that a busy machine renews in time, short enough to take over a dead holder. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * One process's side of cross-process single-flight. All leases of the process share one owner id,
 * acquisitions asked for in the same tick go to the store in one round trip, and one timer renews
 * every held lease, so a cold run of 1,000 nodes does not make 1,000 lock round trips plus timers.
 */
export class LeaseClient {
  /** `host:pid:uuid`, so `holders` in a shared store says which machine and process holds a key. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly held = new Set<string>();
  private asks = new Map<string, Array<(taken: boolean) => void>>();
  private askFailures: Array<(err: Error) => void> = [];
  private scheduled = false;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly lock: LeaseLock,
    readonly leaseMs: number,
  ) {}

  /** Takes the lease on `key` if it is free (or expired); resolves whether this process now holds it. */
  acquire(key: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const list = this.asks.get(key);
      if (list) list.push(resolve);
      else this.asks.set(key, [resolve]);
      this.askFailures.push(reject);
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.sendAsks());
    });
  }

  private async sendAsks(): Promise<void> {
    this.scheduled = false;
    const asks = this.asks;
    const failures = this.askFailures;
    this.asks = new Map();
    this.askFailures = [];
    try {
      const taken = await this.lock.acquire([...asks.keys()], this.owner, this.leaseMs);
      for (const [key, waiters] of asks) {
        // Two callers in this process asking for one key: only the first may execute.
        let first = taken.has(key) && !this.held.has(key);
        if (first) this.held.add(key);
        for (const w of waiters) {
          w(first);
          first = false;
        }
      }
      this.startRenewing();
    } catch (err) {
      for (const f of failures) f(err as Error);
    }
  }

  /** Frees a lease this process holds (after the result and its key are committed, or the node failed). */
  async release(key: string): Promise<void> {
    if (!this.held.delete(key)) return;
    if (this.held.size === 0) this.stopRenewing();
    await this.lock.release([key], this.owner);
  }

  private startRenewing(): void {
    if (this.renewTimer || this.held.size === 0) return;
    this.renewTimer = setInterval(
      () => {
        const keys = [...this.held];
        if (keys.length === 0) return this.stopRenewing();
        // A lease lost here (this process stalled past it) means a neighbour may run the node too; the
        // results are equal by construction and the last write wins, so nothing wrong is served.
        void this.lock.renew(keys, this.owner, this.leaseMs).catch(() => undefined);
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    this.renewTimer.unref();
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** Releases every lease still held and stops renewing. */
  async close(): Promise<void> {
    this.stopRenewing();
    const keys = [...this.held];
    this.held.clear();
    if (keys.length) await this.lock.release(keys, this.owner).catch(() => undefined);
  }
}
