import { sha256Base64Url } from '../fingerprint/index.js';
import { normalizeSource } from './normalize-source.js';

/**
 * Code version of a node: SHA-256 of its normalised source, so editing comments or formatting keeps
 * the version while any token change (a new constant, a renamed parameter, a different default) changes it.
 * Helpers the function calls are not part of it (as in Hamilton): list them in `helpers` to include
 * their source, or give an explicit `version`.
 *
 * @example
 * ```ts
 * versionCode((x: number) => x + 1) === versionCode((x: number) => /* why *\/ x   +   1); // true
 * ```
 */
export function versionCode(source: string | ((...args: any[]) => unknown), helpers: readonly unknown[] = []): string {
  const texts = [source, ...helpers].map((s) => {
    const text = typeof s === 'function' ? Function.prototype.toString.call(s) : String(s);
    return normalizeSource(text) ?? `raw:${text}`;
  });
  return sha256Base64Url(texts.join('\u0000'));
}
