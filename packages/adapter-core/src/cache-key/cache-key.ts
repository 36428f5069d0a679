import { sha256Base64Url } from '../fingerprint/index.js';
import type { CacheKeyParts } from '../cache/types.js';

/**
 * A cache key is the SHA-256 of its parts in a canonical JSON form: node name, code version, task id
 * (fan-out) and the dependency data versions sorted by name. The parts are stored beside the key, so
 * a miss can be explained part by part (`why`).
 */
export function composeCacheKey(parts: CacheKeyParts): string {
  const deps = Object.keys(parts.dependencies)
    .sort()
    .map((name) => [name, parts.dependencies[name]]);
  const key: unknown[] = ['dagcache-key-v1', parts.nodeName, parts.taskId ?? null, parts.codeVersion, deps];
  if (parts.codeParts) key.push(Object.keys(parts.codeParts).sort().map((n) => [n, parts.codeParts![n]]));
  return sha256Base64Url(JSON.stringify(key));
}

/** Returns the same parts with dependencies in sorted order (the order they are stored and shown in). */
export function sortedParts(parts: CacheKeyParts): CacheKeyParts {
  const dependencies: Record<string, string> = {};
  for (const name of Object.keys(parts.dependencies).sort()) dependencies[name] = parts.dependencies[name]!;
  const out: CacheKeyParts = { ...parts, dependencies };
  if (parts.codeParts) {
    const codeParts: Record<string, string> = {};
    for (const name of Object.keys(parts.codeParts).sort()) codeParts[name] = parts.codeParts[name]!;
    out.codeParts = codeParts;
  } else delete out.codeParts;
  return out;
}
