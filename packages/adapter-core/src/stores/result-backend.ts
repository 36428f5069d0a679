import type { FormatName } from '../formats/result-format.js';

/** What the result store knows about each stored result. */
export interface ResultEntry {
  dataVersion: string;
  format: FormatName;
  /**
   * Where large bytes live, or null when they are kept with the entry: a file relative to the result
   * folder (filesystem backend), or a backend-specific blob reference (e.g. chunks written under a
   * write id on Postgres/Redis). Opaque to everything but the backend that wrote it.
   */
  file: string | null;
  byteSize: number;
  /** SHA-256 of the bytes, hex. Checked on every read. */
  checksum: string;
  createdAt: number;
  lastUsedAt: number;
  /** Format metadata needed to decode (e.g. records vs Arrow, CSV schema). */
  meta: Record<string, string>;
  /** HMAC-SHA256 of the entry (see `Signer`), when signing is on; kept and returned as is by backends. */
  signature?: string | undefined;
}

/**
 * Where the result store keeps entries and bytes. The `ResultStore` above it does encoding, checksums,
 * signing, batching and the in-process caches; a backend only persists. Implementations: the default
 * SQLite index plus files (`SqliteFileBackend`), Postgres and Redis (for setups with no shared disk).
 *
 * Contract, tested the same way for every backend:
 * - `put` stores entries; an entry whose data version is already stored *in the same format* is left
 *   as it is (content addressing), otherwise last write wins. Resolves to the data versions it wrote.
 * - Bytes of at most `inlineMax` are stored with the entry and returned by `fetch`. Larger bytes are
 *   written by `writeBlob` before the entry is `put` (the entry is the commit point, so an entry never
 *   names a partial blob); `readBytes` reads them back. Blobs may be chunked; `readBytes` must never
 *   return a mix of two writes (a torn read).
 * - `delete` makes the entries invisible at once. Bytes a reader may still be reading (a blob) must stay
 *   readable for at least `graceMs` after the delete (eviction never causes a torn read); they are
 *   reclaimed later by `sweep`.
 * - Nothing is verified here: checksums and signatures are the store's job.
 */
export interface ResultBackend {
  /** For messages: `sqlite:/path/results`, `postgres://host/db`, `redis://host:port` (no passwords). */
  readonly location: string;
  /** Bytes up to this size are stored with the entry; larger ones go through `writeBlob`. */
  readonly inlineMax: number;
  /** Entries (without bytes) of these data versions; missing ones are absent from the map. */
  entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>>;
  /** Entries with their inline bytes (`bytes` undefined when the entry has a blob). */
  fetch(dvs: readonly string[]): Promise<Map<string, { entry: ResultEntry; bytes?: Uint8Array }>>;
  /** Writes large bytes somewhere new and returns the reference to put in `entry.file`. */
  writeBlob(dv: string, extension: string, bytes: Uint8Array): Promise<string>;
  /** The bytes of an entry: its blob, or its inline bytes. Resolves undefined when they are gone. */
  readBytes(entry: ResultEntry): Promise<Uint8Array | undefined>;
  /** Stores entries (with inline bytes where given). Resolves to the data versions actually written. */
  put(items: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>): Promise<Set<string>>;
  /** Sets last-used times (for LRU eviction); best effort. */
  touch(dvs: readonly string[], at: number): Promise<void>;
  /** Removes entries (see the contract above for their blobs). */
  delete(dvs: readonly string[]): Promise<void>;
  /** Entries in data-version order, after `after` (exclusive), at most `limit`. */
  list(after: string, limit: number): Promise<ResultEntry[]>;
  /** Total bytes and count of stored results. */
  usage(): Promise<{ count: number; bytes: number }>;
  /**
   * Reclaims blobs that no entry names and that are older than `olderThan` (epoch ms): deleted entries'
   * blobs after their grace, and leftovers of writers that crashed. Resolves to how many were removed.
   */
  sweep(olderThan: number, dryRun?: boolean): Promise<number>;
  /** Removes everything. */
  clear(): Promise<void>;
  close(): Promise<void>;
}
