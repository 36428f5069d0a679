import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SharedPool } from '../pg-pool.js';
import { DagcacheError } from '../../errors.js';
import type { FormatName } from '../../formats/result-format.js';
import { putInBatches } from './put-batches.js';
import type { ResultBackend, ResultEntry } from '../result-backend.js';
import { redact } from '../store-url.js';
import { checkNamespace, connectPostgres } from '../connect.js';

/** Bytes up to this size live in the entry's row: one row read instead of a chunk query. */
const INLINE_MAX = 256 * 1024;
/** Large enough that a blob is a handful of rows, small enough that one row never strains a connection. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks per INSERT: about 32 MiB per statement, well under Postgres's 1 GiB message limit. */
const CHUNKS_PER_INSERT = 8;
/** Chunks per SELECT while reading: bounds the hex text (twice the bytes) the driver holds at once. */
const CHUNKS_PER_READ = 2;
/** Postgres accepts at most 65,535 bind parameters per statement; 10 per entry row. */
const ROWS_PER_PUT = 5_000;
/** Inline bytes per put statement, so a batch of many small results is not one huge message. */
const BYTES_PER_PUT = 32 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
/** Data versions end up inside blob references (`pg:<dv>.<uuid>:<n>`), so they must not contain `:` or `.`. */
const BLOB_DV = /^[A-Za-z0-9_-]{1,200}$/;
const REF = /^pg:([A-Za-z0-9_-]+\.[0-9a-f-]{36}):(\d+)$/;

interface Row {
  dv: string;
  format: string;
  byte_size: string;
  checksum: string;
  created_at: string;
  last_used_at: string;
  meta: string;
  file: string | null;
  signature: string | null;
  data?: Buffer | null;
}

const COLUMNS = 'dv, format, byte_size, checksum, created_at, last_used_at, meta, file, signature';

// BIGINT arrives as a string (it may exceed 2^53); sizes and epoch-ms times never do.
const toEntry = (r: Row): ResultEntry => ({
  dataVersion: r.dv,
  format: r.format as FormatName,
  file: r.file,
  byteSize: Number(r.byte_size),
  checksum: r.checksum,
  createdAt: Number(r.created_at),
  lastUsedAt: Number(r.last_used_at),
  meta: JSON.parse(r.meta) as Record<string, string>,
  ...(r.signature !== null ? { signature: r.signature } : {}),
});

/**
 * Chunk reads keep bytea as the server's hex text (`\x…`) so it can be decoded straight into the
 * result buffer: the driver's own parser would first build a Buffer per chunk, a second copy of the
 * bytes. (pg's binary result mode would avoid the hex, but it decodes every field as UTF-8 text first,
 * which mangles arbitrary bytes.)
 */
const RAW_BYTEA = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 17 ? (v: string) => v : pg.types.getTypeParser(oid, (format ?? 'text') as 'text'),
} as pg.CustomTypesConfig;

/** Decodes a bytea text value into `out` at `offset`; returns the byte count, or -1 if it does not fit. */
function decodeBytea(text: string, out: Buffer, offset: number): number {
  if (text.startsWith('\\x')) {
    const n = (text.length - 2) / 2;
    if (!Number.isInteger(n) || offset + n > out.byteLength) return -1;
    return out.write(text.slice(2), offset, n, 'hex') === n ? n : -1;
  }
  // A server configured with bytea_output = 'escape': rare enough to take the copying path.
  const bytes = (pg.types.getTypeParser(17, 'text') as (v: string) => Buffer)(text);
  if (offset + bytes.byteLength > out.byteLength) return -1;
  return bytes.copy(out, offset);
}

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Options for {@link PostgresResultBackend.open}. */
export interface PostgresResultBackendOptions {
  /** `postgres://…` connection URL (passwords are never shown in messages). */
  url: string;
  /** Prefix of the two tables, so several caches can share one database. */
  namespace: string;
  /** Connections kept open; readers of large blobs each hold one while they read. Default 10. */
  maxConnections?: number;
  /** How long one connection attempt may take before it fails (ms). Default 3 s. */
  connectTimeoutMs?: number;
}

/**
 * Result backend on PostgreSQL, for teams that share a cache but no disk. Entries are rows of
 * `<namespace>_results` (small results' bytes inline in the row); large results are chunked into
 * `<namespace>_chunks` under a fresh blob id per write, so chunks are never overwritten and a read, done
 * in one snapshot, can only ever see one write's bytes. Deleting an entry leaves its chunks for
 * {@link sweep}, which also reclaims what crashed writers left.
 *
 * @example
 * ```ts
 * const backend = await PostgresResultBackend.open({ url: 'postgres://cache-db/dagcache', namespace: 'team_a' });
 * const file = await backend.writeBlob(dv, 'parquet', bigBytes);
 * await backend.put([{ entry: { ...entry, file } }]);
 * const bytes = await backend.readBytes(entry);
 * ```
 */
export class PostgresResultBackend implements ResultBackend {
  readonly inlineMax = INLINE_MAX;
  private readonly pool: pg.Pool;
  private readonly results: string;
  private readonly chunks: string;

  private constructor(
    readonly location: string,
    private readonly shared: SharedPool,
    namespace: string,
  ) {
    this.pool = shared.pool;
    this.results = `"${namespace}_results"`;
    this.chunks = `"${namespace}_chunks"`;
  }

  /**
   * Connects, checks the server answers, and creates the tables if needed. Throws `ConfigError` for a
   * bad namespace and a `StoreUnavailableError` (a `DagcacheError`) starting `store unavailable: ` when the server cannot be reached
   * (within a few seconds, never hanging).
   */
  static async open(options: PostgresResultBackendOptions): Promise<PostgresResultBackend> {
    const { url, namespace } = options;
    checkNamespace(namespace, 'result store');
    const location = locationOf(url);
    const shared = await connectPostgres(url, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    const backend = new PostgresResultBackend(location, shared, namespace);
    try {
      await backend.createTables(namespace);
    } catch (e) {
      await shared.release();
      throw e;
    }
    return backend;
  }

  private async createTables(namespace: string): Promise<void> {
    const statements = [
      // COLLATE "C": list order (and keyset pagination) is byte order, the same on every server and
      // the same as the Redis backend's, whatever the database's locale.
      `CREATE TABLE IF NOT EXISTS ${this.results} (
        dv TEXT COLLATE "C" PRIMARY KEY, format TEXT NOT NULL, byte_size BIGINT NOT NULL, checksum TEXT NOT NULL,
        created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL, meta TEXT NOT NULL,
        file TEXT NULL, signature TEXT NULL, data BYTEA NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.chunks} (
        blob TEXT NOT NULL, idx INT NOT NULL, data BYTEA NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (blob, idx))`,
      // Lets sweep's "does any entry still name this blob" be an index lookup, not a scan per chunk.
      `CREATE INDEX IF NOT EXISTS "${namespace}_results_blob" ON ${this.results} (split_part(file, ':', 2)) WHERE file IS NOT NULL`,
    ];
    for (const sql of statements) {
      try {
        await this.pool.query(sql);
      } catch (e) {
        // Several processes opening a fresh namespace at once race inside CREATE … IF NOT EXISTS: the
        // loser gets a unique violation on the catalog (23505), "relation already exists" (42P07) or
        // "type already exists" (42710, the table's row type). Either way the object now exists.
        const code = (e as { code?: string }).code;
        if (code !== '23505' && code !== '42P07' && code !== '42710') throw e;
      }
    }
  }

  async entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>> {
    const out = new Map<string, ResultEntry>();
    const unique = [...new Set(dvs)];
    for (let i = 0; i < unique.length; i += 5_000) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.results} WHERE dv = ANY($1::text[])`,
        [unique.slice(i, i + 5_000)],
      );
      for (const r of rows) out.set(r.dv, toEntry(r));
    }
    return out;
  }

  async fetch(dvs: readonly string[]): Promise<Map<string, { entry: ResultEntry; bytes?: Uint8Array }>> {
    const out = new Map<string, { entry: ResultEntry; bytes?: Uint8Array }>();
    const unique = [...new Set(dvs)];
    // Fewer per query than entries(): each row may carry up to inlineMax bytes.
    for (let i = 0; i < unique.length; i += 500) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${COLUMNS}, data FROM ${this.results} WHERE dv = ANY($1::text[])`,
        [unique.slice(i, i + 500)],
      );
      for (const r of rows) {
        const entry = toEntry(r);
        out.set(r.dv, entry.file === null && r.data ? { entry, bytes: r.data } : { entry });
      }
    }
    return out;
  }

  async writeBlob(dv: string, _extension: string, bytes: Uint8Array): Promise<string> {
    if (!BLOB_DV.test(dv))
      throw new DagcacheError(`result store: invalid data version ${JSON.stringify(dv)}`);
    const blob = `${dv}.${randomUUID()}`;
    const count = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
    const buf = asBuffer(bytes);
    // One time for every chunk: sweep treats the blob as one unit, and a crashed writer's partial chunks
    // all age together.
    const now = Date.now();
    for (let first = 0; first < count; first += CHUNKS_PER_INSERT) {
      const values: unknown[] = [blob, now];
      const tuples: string[] = [];
      for (let i = first; i < Math.min(count, first + CHUNKS_PER_INSERT); i++) {
        // subarray shares memory: the statement sends the caller's bytes without copying them first.
        values.push(i, buf.subarray(i * CHUNK_BYTES, Math.min(buf.byteLength, (i + 1) * CHUNK_BYTES)));
        tuples.push(`($1, $${values.length - 1}::int, $${values.length}::bytea, $2::bigint)`);
      }
      await this.pool.query(
        `INSERT INTO ${this.chunks} (blob, idx, data, created_at) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    return `pg:${blob}:${count}`;
  }

  async readBytes(entry: ResultEntry): Promise<Uint8Array | undefined> {
    if (entry.file === null) {
      // Checksum in the condition: if the entry was replaced since the caller read it, this is a miss
      // rather than another write's bytes.
      const { rows } = await this.pool.query<{ data: Buffer | null }>(
        `SELECT data FROM ${this.results} WHERE dv = $1 AND checksum = $2 AND file IS NULL`,
        [entry.dataVersion, entry.checksum],
      );
      return rows[0]?.data ?? undefined;
    }
    const ref = REF.exec(entry.file);
    if (!ref) return undefined;
    const blob = ref[1]!;
    const count = Number(ref[2]);
    // A reference whose chunk count does not fit the size cannot be read back into byteSize bytes.
    if (count !== Math.max(1, Math.ceil(entry.byteSize / CHUNK_BYTES))) return undefined;
    const out = Buffer.allocUnsafe(entry.byteSize);
    const client = await this.pool.connect();
    let failed = false;
    try {
      // One snapshot for all batches: a sweep committing between two batches cannot take chunks away
      // from the middle of this read.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let offset = 0;
      for (let first = 0; first < count; first += CHUNKS_PER_READ) {
        const last = Math.min(count, first + CHUNKS_PER_READ);
        const query: pg.QueryConfig = {
          text: `SELECT idx, data FROM ${this.chunks} WHERE blob = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
          values: [blob, first, last],
          types: RAW_BYTEA,
        };
        const { rows } = await client.query<{ idx: number; data: string }>(query);
        if (rows.length !== last - first) return undefined;
        for (let k = 0; k < rows.length; k++) {
          const { idx, data } = rows[k]!;
          if (idx !== first + k) return undefined;
          // A chunk longer than its place: the bytes are there but wrong (checksum mismatch, not "missing").
          const n = decodeBytea(data, out, offset);
          if (n < 0) return out.subarray(0, offset);
          offset += n;
        }
      }
      // Chunks shorter than written: also present but wrong; the store reports the size mismatch.
      return offset === out.byteLength ? out : out.subarray(0, offset);
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      // A failed connection is not returned to the pool for the next caller to trip over.
      if (failed) client.release(true);
      else {
        await client.query('COMMIT').then(
          () => client.release(),
          (e: Error) => client.release(e),
        );
      }
    }
  }

  put(items: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>): Promise<Set<string>> {
    // ON CONFLICT refuses to touch one row twice per statement: one item per data version.
    return putInBatches(items, ROWS_PER_PUT, BYTES_PER_PUT, (batch) => this.putBatch(batch));
  }

  private async putBatch(
    batch: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>,
  ): Promise<string[]> {
    const values: unknown[] = [Date.now(), batch.map((it) => it.entry.dataVersion)];
    const tuples: string[] = [];
    for (const { entry: e, bytes } of batch) {
      const base = values.length;
      values.push(
        e.dataVersion,
        e.format,
        e.byteSize,
        e.checksum,
        e.createdAt,
        e.lastUsedAt,
        JSON.stringify(e.meta),
        e.file,
        e.signature ?? null,
        e.file === null && bytes ? asBuffer(bytes) : null,
      );
      tuples.push(
        `($${base + 1}, $${base + 2}, $${base + 3}::bigint, $${base + 4}, $${base + 5}::bigint, $${base + 6}::bigint, $${base + 7}, $${base + 8}, $${base + 9}, $${base + 10}::bytea)`,
      );
    }
    // `old` reads the rows as they were before the insert (all parts of one statement share a
    // snapshot). A replaced entry's blob gets its time reset to now, so sweep(now − grace) leaves it to
    // readers that already hold the old entry for a full grace period, however old the blob is.
    const { rows } = await this.pool.query<{ dv: string }>(
      `WITH old AS (
         SELECT dv, file FROM ${this.results} WHERE dv = ANY($2::text[]) AND file IS NOT NULL
       ), ins AS (
         INSERT INTO ${this.results} AS r (${COLUMNS}, data) VALUES ${tuples.join(', ')}
         ON CONFLICT (dv) DO UPDATE SET format = excluded.format, byte_size = excluded.byte_size, checksum = excluded.checksum,
           created_at = excluded.created_at, last_used_at = excluded.last_used_at, meta = excluded.meta, file = excluded.file,
           signature = excluded.signature, data = excluded.data
         WHERE r.format <> excluded.format OR (excluded.signature IS NOT NULL AND r.signature IS DISTINCT FROM excluded.signature)
         RETURNING dv, file
       ), released AS (
         UPDATE ${this.chunks} SET created_at = $1::bigint
         WHERE blob IN (SELECT split_part(old.file, ':', 2) FROM old JOIN ins ON ins.dv = old.dv WHERE ins.file IS DISTINCT FROM old.file)
       )
       SELECT dv FROM ins`,
      values,
    );
    return rows.map((r) => r.dv);
  }

  async touch(dvs: readonly string[], at: number): Promise<void> {
    if (dvs.length === 0) return;
    await this.pool.query(`UPDATE ${this.results} SET last_used_at = $2::bigint WHERE dv = ANY($1::text[])`, [
      [...new Set(dvs)],
      at,
    ]);
  }

  async delete(dvs: readonly string[]): Promise<void> {
    if (dvs.length === 0) return;
    // One statement: the rows vanish and their blobs' times restart together, so the blobs stay for a
    // full grace period after this delete (sweep(now − grace) measures from here, not from the write).
    await this.pool.query(
      `WITH gone AS (
         DELETE FROM ${this.results} WHERE dv = ANY($1::text[]) RETURNING file
       )
       UPDATE ${this.chunks} SET created_at = $2::bigint
       WHERE blob IN (SELECT split_part(file, ':', 2) FROM gone WHERE file IS NOT NULL)`,
      [[...new Set(dvs)], Date.now()],
    );
  }

  async list(after: string, limit: number): Promise<ResultEntry[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.results} WHERE dv > $1 ORDER BY dv LIMIT $2`,
      [after, limit],
    );
    return rows.map(toEntry);
  }

  async usage(): Promise<{ count: number; bytes: number }> {
    const { rows } = await this.pool.query<{ count: string; bytes: string }>(
      `SELECT count(*) AS count, coalesce(sum(byte_size), 0) AS bytes FROM ${this.results}`,
    );
    return { count: Number(rows[0]!.count), bytes: Number(rows[0]!.bytes) };
  }

  async sweep(olderThan: number, dryRun = false): Promise<number> {
    const orphan = `c.created_at < $1::bigint AND NOT EXISTS (
      SELECT 1 FROM ${this.results} r WHERE r.file IS NOT NULL AND split_part(r.file, ':', 2) = c.blob)`;
    const sql = dryRun
      ? `SELECT count(DISTINCT c.blob)::int AS n FROM ${this.chunks} c WHERE ${orphan}`
      : `WITH d AS (DELETE FROM ${this.chunks} c WHERE ${orphan} RETURNING c.blob) SELECT count(DISTINCT blob)::int AS n FROM d`;
    const { rows } = await this.pool.query<{ n: number }>(sql, [olderThan]);
    return rows[0]!.n;
  }

  async clear(): Promise<void> {
    await this.pool.query(`TRUNCATE ${this.results}, ${this.chunks}`);
  }

  async close(): Promise<void> {
    await this.shared.release();
  }
}

/** `postgres://host:port/db`: enough to say which server, nothing secret (no user, password or query). */
function locationOf(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.host}${u.pathname}`;
  } catch {
    return redact(url);
  }
}
