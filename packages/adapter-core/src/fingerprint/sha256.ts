import * as crypto from 'node:crypto';

// One-shot hashing (Node ≥ 20.12) avoids creating a Hash object per key; older Nodes take the long way.
const oneShot: (data: string | NodeJS.ArrayBufferView) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'base64url')
    : (data) => crypto.createHash('sha256').update(data).digest('base64url');

/**
 * SHA-256 of some bytes or a string (UTF-8), as url-safe base64 without padding (43 characters).
 * The one hash every dagcache key, code version and data version is made of.
 *
 * @example
 * ```ts
 * sha256Base64Url('hello'); // 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ'
 * sha256Base64Url(new Uint8Array([1, 2, 3]));
 * ```
 */
export function sha256Base64Url(data: string | NodeJS.ArrayBufferView): string {
  return oneShot(data);
}

/**
 * SHA-256 of a string's UTF-8 bytes, url-safe base64 without padding. Same as `sha256Base64Url(s)`;
 * named for call sites that hash text (cache-key parts, normalized source code).
 *
 * @example
 * ```ts
 * const codeVersion = hashString(normalizedSource);
 * ```
 */
export function hashString(s: string): string {
  return oneShot(s);
}
