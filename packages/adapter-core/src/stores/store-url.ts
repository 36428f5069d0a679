import { ConfigError } from '../errors.js';

/** The kinds of store a URL can name. */
export type StoreKind = 'sqlite' | 'postgres' | 'redis' | 'file';

/** A parsed store URL: the kind, the URL to hand to the driver, and dagcache's own parameters. */
export interface StoreUrl {
  kind: StoreKind;
  /** The URL without dagcache's own query parameters (what `pg` / `@redis/client` get). */
  url: string;
  /**
   * Separates caches that share one server: a key prefix on Redis, a table-name prefix on Postgres.
   * From `?namespace=NAME`; letters, digits, `_` and `-` only. Default `dagcache`.
   */
  namespace: string;
  /** For `sqlite://` and `file://`: the path after the scheme. */
  path?: string;
}

const NAMESPACE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * Parses a store URL (`postgres://…`, `postgresql://…`, `redis://…`, `rediss://…`, `sqlite://FILE`,
 * `file://DIR`). `what` names the option in errors (e.g. `resultStore`).
 *
 * @example
 * ```ts
 * parseStoreUrl('redis://127.0.0.1:6379?namespace=team-a', 'store');
 * // { kind: 'redis', url: 'redis://127.0.0.1:6379', namespace: 'team-a' }
 * ```
 */
export function parseStoreUrl(raw: string, what: string): StoreUrl {
  if (typeof raw !== 'string' || raw.length === 0)
    throw new ConfigError(`${what}: expected a store URL, got ${JSON.stringify(raw)}`);
  const i = raw.indexOf('://');
  const scheme = i > 0 ? raw.slice(0, i).toLowerCase() : '';
  const kind: StoreKind | undefined =
    scheme === 'postgres' || scheme === 'postgresql'
      ? 'postgres'
      : scheme === 'redis' || scheme === 'rediss'
        ? 'redis'
        : scheme === 'sqlite'
          ? 'sqlite'
          : scheme === 'file'
            ? 'file'
            : undefined;
  if (!kind) {
    throw new ConfigError(
      `${what}: unsupported URL ${JSON.stringify(redact(raw))}; use postgres://…, redis://…, sqlite://FILE or file://DIR`,
    );
  }
  if (kind === 'sqlite' || kind === 'file') {
    const path = raw.slice(i + 3);
    if (!path) throw new ConfigError(`${what}: ${scheme}:// needs a path`);
    return { kind, url: raw, namespace: 'dagcache', path };
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${what}: ${JSON.stringify(redact(raw))} is not a valid URL`);
  }
  const namespace = parsed.searchParams.get('namespace') ?? 'dagcache';
  if (!NAMESPACE.test(namespace)) {
    throw new ConfigError(
      `${what}: namespace ${JSON.stringify(namespace)} must be 1-40 letters, digits, "_" or "-"`,
    );
  }
  parsed.searchParams.delete('namespace');
  return { kind, url: parsed.toString(), namespace };
}

/** The URL with any password replaced, for error messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
