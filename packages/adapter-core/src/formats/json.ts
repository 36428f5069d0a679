import { FormatError } from '../errors.js';
import type { ResultFormat } from './result-format.js';

/** Longest JSON text json encodes (a shared sub-structure is written out once per reference). */
const MAX_JSON_CHARS = 512 * 1024 * 1024;
/** Arrays up to this length are checked index by index; longer ones (maybe sparse) by their own keys. */
const DENSE_WALK_MAX = 1 << 16;

interface Frame {
  value: object;
  path: string;
  /** Children (values with their path and the key's JSON length), filled on entry; sizes summed on exit. */
  children?: [unknown, string, number][];
}

/**
 * Walks a value and throws on the first thing JSON would drop or change, naming its path: non-finite
 * numbers, -0, undefined, functions, symbols, bigint, holes in arrays, Array subclasses, class
 * instances, cycles, getters that throw, revoked Proxies — and text too long to write (shared
 * sub-structures are spelled out once per reference). Iterative, each object's size computed once, so
 * depth costs no stack and shared structure costs linear time.
 */
function assertJsonCompatible(value: unknown, root: string): void {
  const onPath = new Set<object>();
  const sizes = new WeakMap<object, number>();
  const sizeOf = (v: unknown, path: string): number | Frame => {
    if (v === null) return 4;
    if (typeof v === 'string') return JSON.stringify(v).length;
    if (typeof v === 'boolean') return v ? 4 : 5;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0))
        throw new FormatError(`at ${path}: ${Object.is(v, -0) ? '-0' : String(v)} has no JSON form`);
      return String(v).length;
    }
    if (typeof v !== 'object') throw new FormatError(`at ${path}: a ${typeof v} has no JSON form`);
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (onPath.has(v)) throw new FormatError(`at ${path}: a cyclic structure has no JSON form`);
    return { value: v, path };
  };
  const top = sizeOf(value, root);
  if (typeof top === 'number') return;
  const stack: Frame[] = [top];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (!frame.children && sizes.has(frame.value)) {
      stack.pop(); // a second reference from the same parent, already measured
      continue;
    }
    if (!frame.children) {
      onPath.add(frame.value);
      frame.children = childrenOf(frame.value, frame.path);
      for (const [child, path] of frame.children) {
        const s = sizeOf(child, path);
        if (typeof s !== 'number') stack.push(s);
      }
      continue;
    }
    stack.pop();
    onPath.delete(frame.value);
    let total = 2;
    for (const [child, path, keyChars] of frame.children) {
      const s = sizeOf(child, path);
      total += keyChars + 1 + (typeof s === 'number' ? s : sizes.get(s.value)!);
    }
    if (total > MAX_JSON_CHARS) {
      throw new FormatError(
        `at ${frame.path}: its JSON text would be over ${MAX_JSON_CHARS} characters` +
          ' (a sub-structure shared by many references is written out once per reference)',
      );
    }
    sizes.set(frame.value, total);
  }
}

/** An object's entries as JSON would write them, refusing what JSON would change on the way. */
function childrenOf(v: object, path: string): [unknown, string, number][] {
  try {
    const proto: object | null = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (proto !== Array.prototype) {
        throw new FormatError(`at ${path}: a ${v.constructor?.name ?? 'subclass'} (an Array subclass) would come back as a plain array`);
      }
      const hole = firstHole(v);
      if (hole !== undefined) throw new FormatError(`at ${path}[${hole}]: a hole in an array would come back as null`);
      const out: [unknown, string, number][] = [];
      for (let i = 0; i < v.length; i++) out.push([v[i], `${path}[${i}]`, 0]);
      return out;
    }
    if (proto !== Object.prototype && proto !== null) {
      throw new FormatError(`at ${path}: a ${(v as object).constructor?.name ?? 'class'} instance would come back as a plain object`);
    }
    return Object.keys(v).map((k) => {
      let item: unknown;
      try {
        item = (v as Record<string, unknown>)[k];
      } catch (err) {
        throw new FormatError(`at ${path}.${k}: reading it threw: ${err instanceof Error ? err.message : String(err)}`);
      }
      return [item, `${path}.${k}`, JSON.stringify(k).length];
    });
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`at ${path}: reading it threw: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The first missing index of an array, without visiting four billion slots of a sparse one. */
function firstHole(a: unknown[]): number | undefined {
  if (a.length <= DENSE_WALK_MAX) {
    for (let i = 0; i < a.length; i++) if (!(i in a)) return i;
    return undefined;
  }
  const keys = Object.keys(a);
  for (let i = 0; i < keys.length; i++) if (keys[i] !== String(i)) return i;
  return keys.length < a.length ? keys.length : undefined;
}

/** JSON-compatible values only; anything JSON would silently change is an error naming its path. */
export const jsonFormat: ResultFormat = {
  name: 'json',
  extension: 'json',
  async encode(value, ctx) {
    try {
      assertJsonCompatible(value, ctx.nodeName);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      throw new FormatError(`json format cannot store the result of node "${ctx.nodeName}" ${err.message}`);
    }
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      // Deeper than the engine's JSON writer goes (a RangeError), or a value that changed while written.
      throw new FormatError(
        `json format cannot store the result of node "${ctx.nodeName}": ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return { bytes: Buffer.from(text, 'utf8') };
  },
  async decode(bytes) {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  },
};
