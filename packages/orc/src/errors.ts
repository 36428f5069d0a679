/**
 * The one error type of this package: the input is not a valid (or not a supported) ORC file, or a value
 * cannot be written. The message names the part of the file at fault, e.g.
 * `stripe 2 column 5 (name): LENGTH stream missing`.
 *
 * @example
 * ```ts
 * try { readOrc(bytes) } catch (err) { if (err instanceof OrcFormatError) console.error(err.message) }
 * ```
 */
export class OrcFormatError extends Error {
  override readonly name = 'OrcFormatError';
}

/** Throws an OrcFormatError naming `where` when `cond` is false. */
export function check(cond: unknown, where: string, what: string): asserts cond {
  if (!cond) throw new OrcFormatError(`${where}: ${what}`);
}

/** Re-throws anything as an OrcFormatError that names `where` (keeps OrcFormatErrors as they are). */
export function wrapError(err: unknown, where: string): OrcFormatError {
  if (err instanceof OrcFormatError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new OrcFormatError(`${where}: ${msg}`);
}
