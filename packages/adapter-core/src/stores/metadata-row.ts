/** A data version as core writes them (url-safe base64, or an adapter's prefixed hex). */
const DATA_VERSION = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Why a key entry read from the metadata store cannot be used, or undefined when it can. Rows are
 * untrusted input (anyone who can write to a shared store can write one): a wrong shape is a miss,
 * never a crash or a lookup under an attacker-chosen value.
 *
 * @example
 * ```ts
 * keyEntryProblem({ dataVersion: 42 }); // 'dataVersion is not a data version'
 * ```
 */
export function keyEntryProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const e = v as Record<string, unknown>;
  if (typeof e.dataVersion !== 'string' || !DATA_VERSION.test(e.dataVersion)) return 'dataVersion is not a data version';
  if (typeof e.nodeName !== 'string') return 'nodeName is not a string';
  if (typeof e.format !== 'string') return 'format is not a string';
  if (typeof e.createdAt !== 'number') return 'createdAt is not a number';
  if (typeof e.keyParts !== 'object' || e.keyParts === null) return 'keyParts is not an object';
  if (e.signature !== undefined && typeof e.signature !== 'string') return 'signature is not a string';
  return undefined;
}

/** Like {@link keyEntryProblem}, for the latest-key hint of a node. */
export function latestEntryProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const e = v as Record<string, unknown>;
  if (typeof e.cacheKey !== 'string') return 'cacheKey is not a string';
  if (typeof e.dataVersion !== 'string' || !DATA_VERSION.test(e.dataVersion)) return 'dataVersion is not a data version';
  if (e.createdAt !== undefined && typeof e.createdAt !== 'number') return 'createdAt is not a number';
  if (e.signature !== undefined && typeof e.signature !== 'string') return 'signature is not a string';
  return undefined;
}

/** JSON.parse that says "not JSON" instead of throwing: a row's bytes are input, not a program error. */
export function parseRow<T>(raw: string): { value: T | undefined } | 'not JSON' | 'not a Keyv row' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) return 'not a Keyv row';
  return { value: (parsed as { value?: T }).value };
}
