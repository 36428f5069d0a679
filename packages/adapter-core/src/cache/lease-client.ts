import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DagcacheError } from '../errors.js';
import type { LeaseLock } from '../stores/locks/index.js';
import { TickBatch } from '../stores/tick-batch.js';

/** Default lease: long enough that a busy machine renews in time, short enough to take over a dead holder. */
export const DEFAULT_LEASE_MS = 30_000;

/** How many processes can share one cache at once (each holds one session slot). */
const SLOTS = Array.from({ length: 128 }, (_, i) => `session:${i}`);

/** How often a process looks for other processes on the cache (while busy, and while idle). */
const SESSION_POLL_MS = 50;
const IDLE_POLL_MS = 1_000;
const IDLE_AFTER_MS = 5_000;

/**
 * Session slots and acknowledgements have a short lease of their own: a process that died without
 * closing (kill -9, Ctrl-C) stops holding up newcomers after a few seconds, not after a key's lease.
 */
const SESSION_LEASE_MS = 5_000;

const ackKey = (newcomer: string, acker: string) => `ack:${newcomer}:${acker}`;

/**
 * Whether an owner id (`host:pid:uuid`) names a process of this machine that no longer exists. Only
 * then is its lease freed at once; elsewhere (or if the pid was reused) it expires on its own.
 */
export function isDeadLocalOwner(owner: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(':');
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** What `claim` decided for a missed key. */
export type Claim =
  /** No other process uses the cache: execute without a lease round trip. */
  | 'alone'
  /** This process holds the key's lease: re-read the key, then execute. */
  | 'leased'
  /** Another execution (here or elsewhere) holds it: wait, then retrieve. */
  | 'busy';

/**
 * One process's side of cross-process single-flight.
 *
 * Leases cost a store round trip per missed key, which would dominate a cold run of small nodes, so a
 * process that is alone on the cache takes none. Every process holds a session slot; a poll (every
 * 50 ms while busy, every second when idle) sees the others. A newcomer takes leases from its first node on, but executes nothing until
 * every process already there has acknowledged it — and a process acknowledges only after it has
 * switched to taking leases and taken them, after the fact, for the keys it is executing. So no key
 * is ever executed by two processes at once (as long as leases are renewed in time), and a process
 * alone pays one small query per poll. Slots and acknowledgements have a short lease (5 s), so a
 * process that died without closing holds up newcomers only briefly — and not at all when it was on
 * this machine: a dead pid's slots and key leases are freed on sight.
 *
 * All leases of the process share one owner id; acquisitions and releases asked for in the same tick
 * go to the store in one round trip each, and one timer renews every held lease.
 */
export class LeaseClient {
  /** `host:pid:uuid`, so `holders` in a shared store says which machine and process holds a key. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Leases on cache keys (renewed with `leaseMs`). */
  private readonly held = new Set<string>();
  /** The session slot and acknowledgements (renewed with the shorter session lease). */
  private readonly session = new Set<string>();
  /** Keys executing without a lease (taken while alone); leased after the fact when a peer arrives. */
  private readonly unleased = new Set<string>();
  private alone = false;
  private slot: string | undefined;
  /** Other live processes, and those this process has acknowledged / been acknowledged by. */
  private peers = new Set<string>();
  private readonly acked = new Set<string>();
  private readonly ackedBy = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private lastPoll = 0;
  private lastClaim = 0;
  /** When another process was last seen (0: never). */
  private lastPeerSeen = 0;
  /** Acquisitions and releases asked for in the same tick go to the store in one round trip each. */
  private readonly asks = new TickBatch(async (keys: string[]) => {
    const taken = await this.lock.acquire(keys, this.owner, this.leaseMs);
    return (key: string) => taken.has(key);
  });
  private readonly releases = new TickBatch(async (keys: string[]) => {
    // A release that fails leaves the lease to expire: neighbours wait at most leaseMs longer.
    await this.lock.release(keys, this.owner).catch(() => undefined);
    return () => undefined;
  });
  private renewTimer: NodeJS.Timeout | undefined;

  private readonly sessionLeaseMs: number;

  constructor(
    readonly lock: LeaseLock,
    readonly leaseMs: number,
  ) {
    this.sessionLeaseMs = Math.min(SESSION_LEASE_MS, leaseMs);
  }

  /** Takes a session slot and looks for other processes once; the cache opens only after this. */
  async start(): Promise<void> {
    // A process starting up polls fast too: it is about to execute and may need acknowledgements.
    this.lastClaim = Date.now();
    await this.register();
    await this.poll();
    // Every 50 ms while this process executes (a newcomer waits for its acknowledgement), every second
    // when it has been idle for a while: a long-lived worker does not query the store 20 times a second.
    this.pollTimer = setInterval(() => {
      const idle = Date.now() - this.lastClaim > IDLE_AFTER_MS;
      if (idle && Date.now() - this.lastPoll < IDLE_POLL_MS) return;
      void this.poll().catch(() => undefined);
    }, SESSION_POLL_MS);
    this.pollTimer.unref();
  }

  private async register(): Promise<void> {
    const live = await this.lock.holders(SLOTS);
    for (const slot of SLOTS) {
      if (live.has(slot)) continue;
      if ((await this.lock.acquire([slot], this.owner, this.sessionLeaseMs)).has(slot)) {
        this.slot = slot;
        this.session.add(slot);
        this.startRenewing();
        return;
      }
    }
    throw new DagcacheError(
      `single-flight: more than ${SLOTS.length} processes share this cache (${this.lock.location}); pass singleFlight: false to some`,
    );
  }

  /** One look at the other processes (serialised: a slow store must not stack polls). */
  private poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.closed) return;
    const live = await this.lock.holders(SLOTS);
    this.lastPoll = Date.now();
    if (this.slot && live.get(this.slot) !== this.owner) {
      // The slot lapsed (this process stalled past its lease): take one again, as a newcomer would.
      this.session.delete(this.slot);
      this.slot = undefined;
      this.ackedBy.clear();
      await this.register();
    }
    const others = new Set<string>();
    for (const [slot, owner] of live) {
      if (owner === this.owner) continue;
      // A process of this machine that died without closing: free its slot now instead of waiting.
      if (isDeadLocalOwner(owner)) void this.lock.release([slot], owner).catch(() => undefined);
      else others.add(owner);
    }
    for (const p of this.acked) {
      if (others.has(p)) continue;
      this.acked.delete(p);
      this.ackedBy.delete(p);
      const ack = ackKey(p, this.owner);
      this.session.delete(ack);
      void this.lock.release([ack], this.owner).catch(() => undefined);
    }
    if (others.size === 0) {
      this.peers = others;
      // A peer whose session lapsed (its event loop or its store calls stalled past the 5 s session
      // lease) may still be executing under key leases, which last leaseMs from its last renewal. Going
      // lease-free at once would execute those keys a second time, so leases stay on until they must
      // have expired.
      this.alone = Date.now() - this.lastPeerSeen >= this.leaseMs;
      return;
    }
    this.lastPeerSeen = Date.now();
    // From here on every new miss takes a lease; then the keys already executing are leased too, and
    // only then are newcomers acknowledged, so they can start executing.
    this.alone = false;
    const fresh = [...others].filter((p) => !this.acked.has(p));
    if (fresh.length) {
      if (this.unleased.size) {
        for (const k of await this.lock.acquire([...this.unleased], this.owner, this.leaseMs))
          this.held.add(k);
      }
      const acks = fresh.map((p) => ackKey(p, this.owner));
      for (const k of await this.lock.acquire(acks, this.owner, this.sessionLeaseMs)) this.session.add(k);
      for (const p of fresh) this.acked.add(p);
      this.startRenewing();
    }
    this.peers = others;
  }

  /** Waits until every live peer has acknowledged this process (a peer that dies stops counting). */
  private async awaitAcknowledged(): Promise<void> {
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const waiting = [...this.peers].filter((p) => !this.ackedBy.has(p));
      if (waiting.length === 0) return;
      const holders = await this.lock.holders(waiting.map((p) => ackKey(this.owner, p)));
      for (const p of waiting) if (holders.get(ackKey(this.owner, p)) === p) this.ackedBy.add(p);
      if (waiting.every((p) => this.ackedBy.has(p))) return;
      await new Promise((r) => setTimeout(r, pause));
      await this.poll();
    }
  }

  /**
   * Decides who executes a missed key: `alone` (no other process: no lease needed), `leased` (this
   * process took the lease), or `busy` (someone holds it: wait and retrieve). Release with `release`.
   */
  async claim(key: string): Promise<Claim> {
    this.lastClaim = Date.now();
    if (this.unleased.has(key) || this.held.has(key)) return 'busy';
    if (this.alone) {
      this.unleased.add(key);
      return 'alone';
    }
    await this.awaitAcknowledged();
    if (this.alone) return this.claim(key);
    if (await this.acquire(key)) return 'leased';
    // Held by a process of this machine that is gone: free the key now rather than after its lease.
    const holder = (await this.lock.holders([key])).get(key);
    if (holder && isDeadLocalOwner(holder)) {
      await this.lock.release([key], holder);
      if (await this.acquire(key)) return 'leased';
    }
    return 'busy';
  }

  /** Takes the lease on `key` if it is free (or expired); resolves whether this process now holds it. */
  private async acquire(key: string): Promise<boolean> {
    const taken = await this.asks.get(key);
    // Two callers in this process asking for one key share the answer: only the first may execute.
    if (!taken || this.held.has(key) || this.unleased.has(key)) return false;
    this.held.add(key);
    this.startRenewing();
    return true;
  }

  /**
   * Frees a key claimed by `claim` (after its result and key are committed, or the node failed).
   * Releases asked for in the same tick go out together: a run's nodes commit in batches, and so do
   * their leases.
   */
  release(key: string): Promise<void> {
    this.unleased.delete(key);
    if (!this.held.delete(key)) return Promise.resolve();
    return this.releases.get(key);
  }

  private startRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(
      () => {
        // A lease lost here (this process stalled past it) means a neighbour may run the node too; the
        // results are equal by construction and the last write wins, so nothing wrong is served.
        const session = [...this.session];
        if (session.length)
          void this.lock.renew(session, this.owner, this.sessionLeaseMs).catch(() => undefined);
        const keys = [...this.held];
        if (keys.length) void this.lock.renew(keys, this.owner, this.leaseMs).catch(() => undefined);
      },
      Math.max(10, Math.floor(this.sessionLeaseMs / 3)),
    );
    this.renewTimer.unref();
  }

  /** Releases every lease and the session slot, and stops polling and renewing. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.polling?.catch(() => undefined);
    await this.releases.settled();
    const keys = [...this.held, ...this.session];
    this.held.clear();
    this.session.clear();
    if (keys.length) await this.lock.release(keys, this.owner).catch(() => undefined);
  }
}
