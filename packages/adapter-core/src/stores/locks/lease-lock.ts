/**
 * Leases for single-flight across processes: while one process executes a cache key, the others wait
 * and then retrieve. A lease expires unless renewed, so a holder that died (kill -9) is taken over
 * after at most `leaseMs`. Implementations: SQLite (one machine), Postgres and Redis (many).
 *
 * Contract, tested the same way for every implementation:
 * - `acquire` takes every key that is free or whose lease has expired, for `owner`, and resolves to the
 *   keys it took. A key held (unexpired) by another owner is not taken. A key already held by the same
 *   owner is renewed and counts as taken. Many keys are taken in one round trip.
 * - `renew` extends leases still held by `owner`; resolves to the keys it still holds.
 * - `release` frees keys held by `owner`; a key since taken over by someone else is left alone.
 * - `holders` tells which of the keys are held (unexpired) now, by whom (for waiting and for tests).
 * - Expiry uses the store's clock where it has one (Redis PX, Postgres now()), so machines with skewed
 *   clocks agree; SQLite is one machine.
 */
export interface LeaseLock {
  /** For messages: `sqlite:/path/locks.sqlite`, `postgres://host/db`, `redis://host:port`. */
  readonly location: string;
  acquire(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>>;
  renew(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>>;
  release(keys: readonly string[], owner: string): Promise<void>;
  holders(keys: readonly string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}
