import type { RedisClientType } from '@redis/client';

import { redact } from '../store-url.js';
import type { LeaseLock } from './lease-lock.js';
import { checkNamespace, connectRedis } from '../connect.js';

/** How long opening may take before the store counts as unavailable. */
const CONNECT_TIMEOUT_MS = 5_000;

// Each script runs atomically on the server, so a check and the write it guards cannot interleave
// with another client's. They return 1-based positions in KEYS, which the caller maps back to its
// own key names (so the namespace prefix never has to be parsed off again).
const ACQUIRE = `
local taken = {}
for i, k in ipairs(KEYS) do
  local cur = redis.call('GET', k)
  if not cur or cur == ARGV[1] then
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
    taken[#taken + 1] = i
  end
end
return taken`;

// PEXPIRE only touches a key that still exists, so a lease that ran out is not revived.
const RENEW = `
local kept = {}
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('PEXPIRE', k, ARGV[2])
    kept[#kept + 1] = i
  end
end
return kept`;

const RELEASE = `
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 0`;

/**
 * Leases as Redis keys `<namespace>:lease:<key>` whose value is the owner and whose expiry is the
 * server's (PX), so every machine sharing the server agrees on when a lease ran out.
 * The scripts touch many keys at once, so this needs one Redis server, not a cluster.
 */
export class RedisLeaseLock implements LeaseLock {
  readonly location: string;

  private constructor(
    private readonly client: RedisClientType,
    url: string,
    private readonly prefix: string,
  ) {
    this.location = redact(url);
  }

  /** Connects, failing within a few seconds (no retries) if the server cannot be reached. */
  static async open(
    url: string,
    namespace: string,
    connectTimeoutMs = CONNECT_TIMEOUT_MS,
  ): Promise<RedisLeaseLock> {
    checkNamespace(namespace, 'lease lock');
    const client = await connectRedis(url, connectTimeoutMs);
    return new RedisLeaseLock(client, url, `${namespace}:lease:`);
  }

  async acquire(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    return this.positions(ACQUIRE, unique(keys), [owner, String(px(leaseMs))]);
  }

  async renew(keys: readonly string[], owner: string, leaseMs: number): Promise<Set<string>> {
    return this.positions(RENEW, unique(keys), [owner, String(px(leaseMs))]);
  }

  async release(keys: readonly string[], owner: string): Promise<void> {
    if (keys.length === 0) return;
    await this.client.eval(RELEASE, { keys: unique(keys).map((k) => this.prefix + k), arguments: [owner] });
  }

  async holders(keys: readonly string[]): Promise<Map<string, string>> {
    const list = unique(keys);
    if (list.length === 0) return new Map();
    const owners = await this.client.mGet(list.map((k) => this.prefix + k));
    const held = new Map<string, string>();
    list.forEach((k, i) => {
      const owner = owners[i];
      if (typeof owner === 'string') held.set(k, owner);
    });
    return held;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async positions(script: string, keys: string[], args: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const reply = (await this.client.eval(script, {
      keys: keys.map((k) => this.prefix + k),
      arguments: args,
    })) as number[];
    const out = new Set<string>();
    for (const i of reply) {
      const key = keys[i - 1];
      if (key !== undefined) out.add(key);
    }
    return out;
  }
}

function unique(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}

// PX takes a whole, positive number of milliseconds.
function px(leaseMs: number): number {
  return Math.max(1, Math.ceil(leaseMs));
}
