import { FormatError } from '../errors.js';
import type { ResultFormat } from './result-format.js';

/** Walks a value and throws on the first thing JSON would drop or change, naming its path. */
function assertJsonCompatible(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) {
      throw new FormatError(`json format cannot hold ${String(Object.is(value, -0) ? '-0' : value)} at ${path}`);
    }
    return;
  }
  if (typeof value !== 'object') {
    throw new FormatError(`json format cannot hold a ${typeof value} at ${path}`);
  }
  if (seen.has(value)) throw new FormatError(`json format cannot hold a cyclic structure at ${path}`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonCompatible(item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new FormatError(
        `json format cannot hold a ${(value as object).constructor?.name ?? 'class instance'} at ${path}`,
      );
    }
    for (const [k, v] of Object.entries(value)) assertJsonCompatible(v, `${path}.${k}`, seen);
  }
  seen.delete(value);
}

/** JSON-compatible values only; anything JSON would silently change is an error naming its path. */
export const jsonFormat: ResultFormat = {
  name: 'json',
  extension: 'json',
  async encode(value, ctx) {
    assertJsonCompatible(value, ctx.nodeName, new Set());
    return { bytes: Buffer.from(JSON.stringify(value), 'utf8') };
  },
  async decode(bytes) {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  },
};
