import { randomUUID } from 'node:crypto';
import { RESP_TYPES, type RedisClientType } from '@redis/client';
import { ConfigError, DagcacheError } from '../../errors.js';
import { putInBatches } from './put-batches.js';
import type { ResultBackend, ResultEntry } from '../result-backend.js';
import { redact } from '../store-url.js';
import { checkNamespace, connectRedis } from '../connect.js';

/** Bytes up to this size live in the entry's hash: one round trip reads entry and bytes together. */
const INLINE_MAX = 256 * 1024;
/** Redis strings may be 512 MiB, but a 4 MiB value keeps any one command from stalling the server. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks in flight at once (reads and writes), bounding memory held by the client and the server. */
const CHUNKS_IN_FLIGHT = 4;
/** Entries per put script: bounds the script's run time, during which Redis serves no one else. */
const ITEMS_PER_PUT = 1_000;
const BYTES_PER_PUT = 32 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
const DEFAULT_GRACE_MS = 10 * 60 * 1000;
/** Data versions end up inside blob ids and references, so `.`, `:` and glob characters are ruled out. */
const BLOB_DV = /^[A-Za-z0-9_-]{1,200}$/;
const REF = /^redis:([A-Za-z0-9_-]+\.[0-9a-f-]{36}):(\d+)$/;

/**
 * Lets go of a blob: its chunks and marker expire after the grace period, so readers already past the
 * entry finish their read, and Redis itself reclaims the bytes afterwards (no sweep needed).
 */
const RELEASE_LUA = `
local function release(prefix, ref, grace)
  local id, n = string.match(ref, '^redis:(.+):(%d+)$')
  if not id then return end
  for i = 0, tonumber(n) - 1 do redis.call('PEXPIRE', prefix .. 'chunk:' .. id .. ':' .. i, grace) end
  redis.call('PEXPIRE', prefix .. 'blob:' .. id, grace)
end
`;

/**
 * KEYS: index, byte counter, one entry key per item. ARGV: grace, prefix, then 9 per item: dv, format,
 * size, used, entry JSON, file ('' for none), has-data flag, data, signature ('' for none). Writes an
 * item only when no entry of that format exists (content addressing) — or, for a signed item, when the
 * stored one carries another signature (an unsigned or forged entry is replaced, not kept); returns
 * the data versions written. Being a script, the
 * check and the write cannot interleave with another writer, and the whole batch is one round trip.
 */
const PUT_LUA = `${RELEASE_LUA}
local grace, prefix = tonumber(ARGV[1]), ARGV[2]
local written = {}
local i = 0
for a = 3, #ARGV, 9 do
  i = i + 1
  local key = KEYS[2 + i]
  local dv, format, size, file, sig = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 5], ARGV[a + 8]
  local old = redis.call('HMGET', key, 'format', 'size', 'file', 'sig')
  if old[1] ~= format or (sig ~= '' and old[4] ~= sig) then
    if old[1] then
      redis.call('DECRBY', KEYS[2], old[2])
      if old[3] and old[3] ~= file then release(prefix, old[3], grace) end
    end
    redis.call('DEL', key)
    redis.call('HSET', key, 'format', format, 'size', size, 'used', ARGV[a + 3], 'entry', ARGV[a + 4])
    if file ~= '' then redis.call('HSET', key, 'file', file) end
    if ARGV[a + 6] == '1' then redis.call('HSET', key, 'data', ARGV[a + 7]) end
    if sig ~= '' then redis.call('HSET', key, 'sig', sig) end
    redis.call('ZADD', KEYS[1], 0, dv)
    redis.call('INCRBY', KEYS[2], size)
    written[#written + 1] = dv
  end
end
return written
`;

/** KEYS: index, byte counter, entry keys. ARGV: grace, prefix, then the data versions (ARGV[i] ↔ KEYS[i]). */
const DELETE_LUA = `${RELEASE_LUA}
local grace, prefix = tonumber(ARGV[1]), ARGV[2]
for i = 3, #KEYS do
  local old = redis.call('HMGET', KEYS[i], 'size', 'file')
  if old[1] then
    redis.call('DEL', KEYS[i])
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('DECRBY', KEYS[2], old[1])
    if old[2] then release(prefix, old[2], grace) end
  end
end
return 0
`;

/** KEYS: entry keys. ARGV: time. HSET alone would create a hash for a data version that has no entry. */
const TOUCH_LUA = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'used', ARGV[1]) end
end
return 0
`;

/**
 * KEYS: index. ARGV: lower bound ('-' or '(' .. after), limit, prefix. Index and entries are read in
 * one atomic step, so a page never lists a data version whose entry it then cannot find.
 */
const LIST_LUA = `
local dvs = redis.call('ZRANGE', KEYS[1], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, dv in ipairs(dvs) do
  local h = redis.call('HMGET', ARGV[3] .. 'result:' .. dv, 'entry', 'used')
  if h[1] then
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
  end
end
return out
`;

/**
 * KEYS: blob markers. ARGV: olderThan, prefix, dry-run flag. A marker without a TTL whose blob is older
 * than olderThan and not named by its data version's entry is a crashed or losing writer's leftover;
 * released blobs have a TTL and are left to expire. Returns how many blobs were (or would be) removed.
 */
const SWEEP_LUA = `
local olderThan, prefix, dry = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local n = 0
for _, marker in ipairs(KEYS) do
  if redis.call('PTTL', marker) == -1 then
    local created, count = string.match(redis.call('GET', marker) or '', '^(%d+):(%d+)$')
    if created and tonumber(created) < olderThan then
      local id = string.sub(marker, #prefix + 6)
      local dv = string.match(id, '^(.*)%.[^.]*$')
      local ref = 'redis:' .. id .. ':' .. count
      if redis.call('HGET', prefix .. 'result:' .. dv, 'file') ~= ref then
        n = n + 1
        if not dry then
          for i = 0, tonumber(count) - 1 do redis.call('DEL', prefix .. 'chunk:' .. id .. ':' .. i) end
          redis.call('DEL', marker)
        end
      end
    end
  end
end
return n
`;

/** The entry as stored in the hash's `entry` field; `lastUsedAt` lives in its own field so touch is cheap. */
type StoredEntry = Omit<ResultEntry, 'lastUsedAt'>;

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function toEntry(json: string | Buffer, used: string | Buffer | null): ResultEntry {
  const stored = JSON.parse(json.toString()) as StoredEntry;
  return { ...stored, lastUsedAt: Number(used?.toString() ?? stored.createdAt) };
}

function binaryClient(client: RedisClientType) {
  // Bulk strings come back as Buffers, so bytes with any values survive (as strings they would be
  // decoded as UTF-8 and invalid sequences replaced).
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** Options for {@link RedisResultBackend.open}. */
export interface RedisResultBackendOptions {
  /** `redis://…` or `rediss://…` URL (passwords are never shown in messages). */
  url: string;
  /** Key prefix, so several caches can share one server. */
  namespace: string;
  /**
   * How long a deleted or replaced result's blob stays readable, for readers that fetched its entry
   * before it went (ms). Its keys then expire on their own. Default 10 minutes.
   */
  graceMs?: number;
  /** How long connecting may take before open fails (ms). Default 3 s. */
  connectTimeoutMs?: number;
}

/**
 * Result backend on Redis, for teams that share a cache but no disk. Each entry is a hash
 * `<ns>:result:<dv>` (small results' bytes inline), listed in the sorted set `<ns>:results`, with total
 * bytes in `<ns>:bytes`. Large results are chunked into `<ns>:chunk:<blobId>:<i>` under a fresh blob id
 * per write, so chunks are never overwritten and a read can never mix two writes; `<ns>:blob:<blobId>`
 * marks each blob with its write time so {@link sweep} can find what crashed writers left.
 *
 * @example
 * ```ts
 * const backend = await RedisResultBackend.open({ url: 'redis://cache:6379', namespace: 'team-a' });
 * const written = await backend.put([{ entry, bytes }]);
 * (await backend.fetch([entry.dataVersion])).get(entry.dataVersion)?.bytes;
 * ```
 */
export class RedisResultBackend implements ResultBackend {
  readonly inlineMax = INLINE_MAX;
  private readonly bin: ReturnType<typeof binaryClient>;
  private readonly index: string;
  private readonly counter: string;

  private constructor(
    readonly location: string,
    private readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly graceMs: number,
  ) {
    this.bin = binaryClient(client);
    this.index = `${prefix}results`;
    this.counter = `${prefix}bytes`;
  }

  /**
   * Connects, failing within a few seconds (no retries) if the server cannot be reached: `ConfigError`
   * for a bad namespace, a `StoreUnavailableError` (a `DagcacheError`) starting `store unavailable: ` for an
   * unreachable server.
   */
  static async open(options: RedisResultBackendOptions): Promise<RedisResultBackend> {
    const { url, namespace } = options;
    checkNamespace(namespace, 'result store');
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) {
      throw new ConfigError(
        `result store: graceMs must be a whole number of milliseconds ≥ 0, got ${String(graceMs)}`,
      );
    }
    const client = await connectRedis(url, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    return new RedisResultBackend(locationOf(url), client, `${namespace}:`, graceMs);
  }

  private key(dv: string): string {
    return `${this.prefix}result:${dv}`;
  }

  async entries(dvs: readonly string[]): Promise<Map<string, ResultEntry>> {
    const unique = [...new Set(dvs)];
    // Commands issued in the same tick are pipelined by the client: one round trip for the lot.
    const rows = await Promise.all(unique.map((dv) => this.client.hmGet(this.key(dv), ['entry', 'used'])));
    const out = new Map<string, ResultEntry>();
    unique.forEach((dv, i) => {
      const [json, used] = rows[i]!;
      if (json) out.set(dv, toEntry(json, used ?? null));
    });
    return out;
  }

  async fetch(dvs: readonly string[]): Promise<Map<string, { entry: ResultEntry; bytes?: Uint8Array }>> {
    const unique = [...new Set(dvs)];
    const out = new Map<string, { entry: ResultEntry; bytes?: Uint8Array }>();
    // Groups, so a request for many large inline results does not hold all their bytes in flight twice.
    for (let i = 0; i < unique.length; i += 500) {
      const group = unique.slice(i, i + 500);
      const rows = await Promise.all(
        group.map((dv) => this.bin.hmGet(this.key(dv), ['entry', 'used', 'data'])),
      );
      group.forEach((dv, k) => {
        const [json, used, data] = rows[k]!;
        if (!json) return;
        const entry = toEntry(json, used ?? null);
        out.set(dv, entry.file === null && data ? { entry, bytes: data } : { entry });
      });
    }
    return out;
  }

  async writeBlob(dv: string, _extension: string, bytes: Uint8Array): Promise<string> {
    if (!BLOB_DV.test(dv))
      throw new DagcacheError(`result store: invalid data version ${JSON.stringify(dv)}`);
    const id = `${dv}.${randomUUID()}`;
    const count = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
    const buf = asBuffer(bytes);
    // The marker goes first: if this process dies halfway, sweep still finds every chunk it wrote.
    await this.client.set(`${this.prefix}blob:${id}`, `${Date.now()}:${count}`);
    for (let first = 0; first < count; first += CHUNKS_IN_FLIGHT) {
      const writes: Array<Promise<unknown>> = [];
      for (let i = first; i < Math.min(count, first + CHUNKS_IN_FLIGHT); i++) {
        writes.push(
          this.client.set(
            this.chunkKey(id, i),
            buf.subarray(i * CHUNK_BYTES, Math.min(buf.byteLength, (i + 1) * CHUNK_BYTES)),
          ),
        );
      }
      await Promise.all(writes);
    }
    return `redis:${id}:${count}`;
  }

  private chunkKey(id: string, i: number): string {
    return `${this.prefix}chunk:${id}:${i}`;
  }

  async readBytes(entry: ResultEntry): Promise<Uint8Array | undefined> {
    if (entry.file === null) {
      const [json, data] = await this.bin.hmGet(this.key(entry.dataVersion), ['entry', 'data']);
      if (!json || !data) return undefined;
      // If the entry was replaced since the caller read it, this is a miss rather than another write's bytes.
      const stored = JSON.parse(json.toString()) as StoredEntry;
      return stored.checksum === entry.checksum && stored.file === null ? data : undefined;
    }
    const ref = REF.exec(entry.file);
    if (!ref) return undefined;
    const id = ref[1]!;
    const count = Number(ref[2]);
    // A reference whose chunk count does not fit the size cannot be read back into byteSize bytes.
    if (count !== Math.max(1, Math.ceil(entry.byteSize / CHUNK_BYTES))) return undefined;
    const out = Buffer.allocUnsafe(entry.byteSize);
    for (let first = 0; first < count; first += CHUNKS_IN_FLIGHT) {
      const last = Math.min(count, first + CHUNKS_IN_FLIGHT);
      const reads: Array<Promise<Buffer | null>> = [];
      for (let i = first; i < last; i++) reads.push(this.bin.get(this.chunkKey(id, i)));
      const chunks = await Promise.all(reads);
      for (let k = 0; k < chunks.length; k++) {
        const chunk = chunks[k];
        const i = first + k;
        const expected = Math.min(CHUNK_BYTES, entry.byteSize - i * CHUNK_BYTES);
        // Chunks are never rewritten, so a chunk is either this write's or gone (expired, swept).
        if (!chunk) return undefined;
        // Present but not the size written: wrong bytes (a checksum mismatch for the store), not missing ones.
        if (chunk.byteLength !== expected) return out.subarray(0, i * CHUNK_BYTES);
        chunk.copy(out, i * CHUNK_BYTES);
      }
    }
    return out;
  }

  put(items: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>): Promise<Set<string>> {
    return putInBatches(items, ITEMS_PER_PUT, BYTES_PER_PUT, (batch) => this.putBatch(batch));
  }

  private async putBatch(
    batch: ReadonlyArray<{ entry: ResultEntry; bytes?: Uint8Array }>,
  ): Promise<string[]> {
    const keys = [this.index, this.counter];
    const args: Array<string | Buffer> = [String(this.graceMs), this.prefix];
    for (const { entry, bytes } of batch) {
      const { lastUsedAt, ...stored } = entry;
      const inline = entry.file === null && bytes !== undefined;
      keys.push(this.key(entry.dataVersion));
      args.push(
        entry.dataVersion,
        entry.format,
        String(entry.byteSize),
        String(lastUsedAt),
        JSON.stringify(stored),
        entry.file ?? '',
        inline ? '1' : '0',
        inline ? asBuffer(bytes) : '',
        entry.signature ?? '',
      );
    }
    return (await this.client.eval(PUT_LUA, { keys, arguments: args })) as string[];
  }

  async touch(dvs: readonly string[], at: number): Promise<void> {
    const unique = [...new Set(dvs)];
    for (let i = 0; i < unique.length; i += 5_000) {
      await this.client.eval(TOUCH_LUA, {
        keys: unique.slice(i, i + 5_000).map((dv) => this.key(dv)),
        arguments: [String(at)],
      });
    }
  }

  async delete(dvs: readonly string[]): Promise<void> {
    const unique = [...new Set(dvs)];
    for (let i = 0; i < unique.length; i += 5_000) {
      const group = unique.slice(i, i + 5_000);
      await this.client.eval(DELETE_LUA, {
        keys: [this.index, this.counter, ...group.map((dv) => this.key(dv))],
        arguments: [String(this.graceMs), this.prefix, ...group],
      });
    }
  }

  async list(after: string, limit: number): Promise<ResultEntry[]> {
    if (limit <= 0) return [];
    const flat = (await this.client.eval(LIST_LUA, {
      keys: [this.index],
      arguments: [after === '' ? '-' : `(${after}`, String(limit), this.prefix],
    })) as string[];
    const out: ResultEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(toEntry(flat[i]!, flat[i + 1] ?? null));
    return out;
  }

  async usage(): Promise<{ count: number; bytes: number }> {
    const [count, bytes] = await Promise.all([this.client.zCard(this.index), this.client.get(this.counter)]);
    return { count: Number(count), bytes: Number(bytes ?? 0) };
  }

  async sweep(olderThan: number, dryRun = false): Promise<number> {
    let removed = 0;
    for await (const markers of this.client.scanIterator({ MATCH: `${this.prefix}blob:*`, COUNT: 1_000 })) {
      if (markers.length === 0) continue;
      removed += Number(
        await this.client.eval(SWEEP_LUA, {
          keys: markers,
          arguments: [String(olderThan), this.prefix, dryRun ? '1' : '0'],
        }),
      );
    }
    return removed;
  }

  async clear(): Promise<void> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 1_000 })) {
      if (keys.length > 0) await this.client.unlink(keys);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** `redis://host:port/db`: enough to say which server, nothing secret. */
function locationOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return redact(url);
  }
}
