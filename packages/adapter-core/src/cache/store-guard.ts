import { DagcacheError, StoreUnavailableError } from '../errors.js';
import { errorMessage } from '../stores/connect.js';

/** The three stores a cache talks to. */
export type StoreRole = 'metadata' | 'results' | 'leases';

/**
 * The server stores of a cache, by role, each named as messages name it (`metadata store
 * redis://127.0.0.1:6379 (namespace dagcache)`, password redacted). A role that is absent is local
 * (SQLite, files, memory): its errors are not "the server went away" and pass through unchanged.
 */
export type ServerStores = Partial<Record<StoreRole, string>>;

/**
 * A tripped guard lets calls through again after this long, so a process with no natural end (a
 * Temporal worker whose workflow runs stay open) caches again once its server is back.
 */
const RETRY_AFTER_MS = 30_000;

/**
 * Calls that move a result's bytes may rightly take longer than a lookup; they get this many times the
 * deadline, so a server that stops answering without closing its connections still cannot hang a run.
 */
const TRANSFER_FACTOR = 10;

/**
 * What `onStoreUnavailable` means after a cache has opened: every call to a server store (Postgres,
 * Redis) goes through `call`, which gives it a deadline and turns any failure into one
 * `StoreUnavailableError` naming the store. Under `'error'` that error is thrown; under `'disable'` a
 * warning naming the store is emitted (at most once per server every 30 s) and the caller gets its
 * fallback (a miss, a skipped write), so the run finishes with every value it computed, uncached.
 *
 * After a failure the guard is tripped: later calls skip the store at once (one dead server costs one
 * deadline, not one per node) until the next run starts (`retry`) or `RETRY_AFTER_MS` has passed. The
 * store's own client reconnects meanwhile, so once the server is back the next run caches again.
 *
 * Only the data a cache holds is optional: errors about a value or an entry (`CorruptResultError`,
 * `FormatError`, …) are `DagcacheError`s and pass through unchanged.
 *
 * @example
 * ```ts
 * const guard = new StoreGuard('disable', 5_000, { metadata: 'metadata store redis://cache:6379' });
 * const entry = await guard.call('metadata', () => keyv.get(key), () => undefined);
 * // a dead server: one warning, `entry` is undefined (a miss), the run goes on uncached
 * ```
 */
export class StoreGuard {
  private down: StoreUnavailableError | undefined;
  private downAt = 0;
  /**
   * When each server was last warned about. A store may answer from this process's memory, so a call
   * that succeeds proves nothing about its server: warnings are rationed by time instead.
   */
  private readonly warnedAt = new Map<string, number>();

  constructor(
    readonly policy: 'error' | 'disable',
    readonly deadlineMs: number,
    readonly servers: ServerStores,
    private readonly warn: (message: string) => void = (message) =>
      process.emitWarning(message, { code: 'DAGCACHE_STORE_UNAVAILABLE' }),
  ) {}

  /** The failure that tripped the guard, while calls skip the stores. */
  get tripped(): StoreUnavailableError | undefined {
    if (this.down && Date.now() - this.downAt > RETRY_AFTER_MS) this.down = undefined;
    return this.down;
  }

  /** A new run tries the stores again (it may find the server back). */
  retry(): void {
    this.down = undefined;
  }

  /**
   * Runs one store call. A local store's call runs as it is. A server store's call gets the deadline;
   * if it fails, or the guard is already tripped, `fallback` answers instead under `'disable'`, and
   * a `StoreUnavailableError` is thrown under `'error'`.
   *
   * @param transfer - true for calls whose length grows with a result's size (reading or writing its
   *   bytes, committing a batch): they get `TRANSFER_FACTOR` times the deadline.
   */
  async call<T>(role: StoreRole, op: () => Promise<T>, fallback: () => T, transfer = false): Promise<T> {
    if (this.servers[role] === undefined) return op();
    const down = this.tripped;
    if (down) {
      if (this.policy === 'error') throw down;
      return fallback();
    }
    try {
      return await this.withDeadline(op(), transfer ? this.deadlineMs * TRANSFER_FACTOR : this.deadlineMs);
    } catch (err) {
      this.fail(role, err);
      return fallback();
    }
  }

  /**
   * Handles a failure of a server store seen outside `call` (a background write): returns under
   * `'disable'` (after the warning), throws the `StoreUnavailableError` under `'error'`. Errors that
   * are not the store's (a `DagcacheError` about a value, or any error of a local store) are rethrown.
   */
  fail(role: StoreRole, err: unknown): void {
    const name = this.servers[role];
    if (name === undefined) throw err;
    if (err instanceof DagcacheError && !(err instanceof StoreUnavailableError)) throw err;
    const error =
      this.down ??
      (err instanceof StoreUnavailableError && err.message.includes(name)
        ? err
        : new StoreUnavailableError(`store unavailable: ${name} failed: ${errorMessage(err)}`, {
            cause: err,
          }));
    if (!this.down) {
      this.down = error;
      this.downAt = Date.now();
    }
    if (this.policy === 'error') throw error;
    // One warning per server (its three stores are one server) per outage window.
    const server = name.replace(/^\S+ store /, '');
    const last = this.warnedAt.get(server);
    if (last === undefined || Date.now() - last > RETRY_AFTER_MS) {
      this.warnedAt.set(server, Date.now());
      this.warn(
        `dagcache: ${error.message}; running uncached until it answers again (onStoreUnavailable: 'disable')`,
      );
    }
  }

  /**
   * Closes a store. A server store that is gone has nothing left to close: its errors are ignored and
   * the close gets the deadline, so closing a cache whose server died never hangs or throws.
   */
  async close(role: StoreRole, op: () => Promise<unknown>): Promise<void> {
    if (this.servers[role] === undefined) {
      await op();
      return;
    }
    await this.withDeadline(op(), this.deadlineMs).catch(() => undefined);
  }

  private withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (connectTimeoutMs)`)), ms);
    });
    // The call may still settle after the deadline; nobody waits for it then.
    p.catch(() => undefined);
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }
}
