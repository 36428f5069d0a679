import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** The environment variable read for the signing key unless `signingKeyEnv` names another. */
export const DEFAULT_SIGNING_KEY_ENV = 'DAGCACHE_SIGNING_KEY';

/** JSON with object keys sorted at every level, so a signature does not depend on key order. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(',')}}`;
}

/**
 * HMAC-SHA256 signatures over metadata and result entries, for caches that others can write to: with a
 * key set, an entry that is unsigned or whose signature does not match is a miss, never a value. Each
 * signature covers a kind (`key`, `latest`, `result`) and the entry's identity (cache key or data
 * version), so a valid entry cannot be replayed under another key.
 *
 * @example
 * ```ts
 * const signer = Signer.fromEnvironment(undefined); // reads DAGCACHE_SIGNING_KEY; undefined when unset
 * const sig = signer?.sign('result', dv, { checksum });
 * ```
 */
export class Signer {
  private constructor(private readonly key: Buffer) {}

  /**
   * The signer for the key in environment variable `envName` (default `DAGCACHE_SIGNING_KEY`), or
   * undefined when the default variable is unset. Naming a variable explicitly makes it required, so a
   * worker started without its secret fails instead of writing unsigned entries.
   */
  static fromEnvironment(
    envName: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ): Signer | undefined {
    const name = envName ?? DEFAULT_SIGNING_KEY_ENV;
    const key = env[name];
    if (key === undefined || key === '') {
      if (envName !== undefined)
        throw new ConfigError(`signingKeyEnv: environment variable ${name} is not set`);
      return undefined;
    }
    if (Buffer.byteLength(key) < 16) {
      throw new ConfigError(
        `signing key in ${name} is too short: use at least 16 bytes (32 random bytes recommended)`,
      );
    }
    return new Signer(Buffer.from(key));
  }

  sign(kind: string, id: string, payload: unknown): string {
    return createHmac('sha256', this.key)
      .update(`${kind}\n${id}\n${canonical(payload)}`)
      .digest('base64url');
  }

  verify(kind: string, id: string, payload: unknown, signature: unknown): boolean {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(kind, id, payload));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
