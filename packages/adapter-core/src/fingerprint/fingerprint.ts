import { encodeValue } from './encoder.js';
import { defaultRegistry, type FingerprintRegistry } from './registry.js';

export interface FingerprintOptions {
  /** Name of the value in error messages (the node or argument name), e.g. `model`. Default `value`. */
  root?: string;
  /** Handlers for user classes. Default: `defaultRegistry`. */
  registry?: FingerprintRegistry;
}

/**
 * The data version of a value: SHA-256 of a canonical, type-tagged encoding, as url-safe base64 without
 * padding (43 characters). The same value gives the same string in every process and on every machine;
 * values that differ in type or content give different strings (`1` ≠ `'1'`, `[]` ≠ `{}`, `-0` ≠ `0`).
 * Object key order and Map/Set order are ignored; array order is not. See docs/fingerprints.md.
 *
 * Throws `UnhashableValueError` naming the path (e.g. `model.params.onProgress`) when any part of the
 * value is a function, symbol, promise, stream, socket, iterator, WeakMap/WeakSet…
 *
 * @example
 * ```ts
 * fingerprint({ b: 1, a: [1, 2] }) === fingerprint({ a: [1, 2], b: 1 }); // true
 * fingerprint(1) === fingerprint('1'); // false
 * fingerprint({ onProgress() {} }, { root: 'params' }); // throws: cannot fingerprint params.onProgress (Function)
 * ```
 */
export function fingerprint(value: unknown, options?: FingerprintOptions): string {
  return encodeValue(value, options?.registry ?? defaultRegistry, options?.root ?? 'value');
}
