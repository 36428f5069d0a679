import { types } from 'node:util';

/**
 * Built-ins `node:v8` serialization gives back as themselves — but only the built-in itself: a subclass
 * comes back as its base class, and own enumerable fields are dropped (except on arrays and plain objects).
 */
const CLONED_BUILTINS: readonly (abstract new (...args: never[]) => object)[] = [
  Map, Set, Date, RegExp, ArrayBuffer, DataView, Boolean, Number, String, Error, EvalError, RangeError,
  ReferenceError, SyntaxError, TypeError, URIError, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array,
  Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Buffer,
];
const BUILTIN_BY_PROTO = new Map<object, string>(CLONED_BUILTINS.map((c) => [c.prototype, c.name]));

/** Arrays up to this length are walked index by index; longer ones (maybe sparse) by their own keys. */
const DENSE_WALK_MAX = 1 << 16;

/**
 * Where `node:v8` serialization would give back something other than `value`, and what, or undefined
 * when it round-trips: class instances (their prototype is lost), subclasses of built-ins, own fields on
 * built-ins, Proxies, and getters that throw. Each object is visited once (shared structure and cycles
 * cost linear time), iteratively (depth costs no stack), sparse arrays by their own keys.
 *
 * @example
 * ```ts
 * pickleProblem({ m: new (class Index extends Map {})() }, 'load');
 * // { path: 'load.m', problem: 'an Index (a Map subclass) would come back as a plain Map' }
 * ```
 */
export function pickleProblem(value: unknown, root: string): { path: string; problem: string } | undefined {
  const seen = new WeakSet<object>();
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) continue;
    if (typeof v === 'function') continue; // node:v8 refuses functions itself, with its own message
    if (types.isProxy(v)) return { path, problem: 'a Proxy cannot be cloned (node:v8 serialization reads no Proxy)' };
    if (seen.has(v)) continue;
    seen.add(v);
    try {
      const proto: object | null = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) return { path, problem: `${describe(v)} (an Array subclass) would come back as a plain array` };
        pushArray(stack, v, path);
        continue;
      }
      if (proto === Object.prototype || proto === null) {
        for (const key of Object.keys(v)) stack.push([(v as Record<string, unknown>)[key], `${path}.${key}`]);
        continue;
      }
      const builtin = builtinOf(v);
      if (!builtin) return { path, problem: `${describe(v)} instance would come back as a plain object (its class is not stored)` };
      if (BUILTIN_BY_PROTO.get(proto) === undefined)
        return { path, problem: `${describe(v)} (a ${builtin} subclass) would come back as a plain ${builtin}` };
      const extra = ownFields(v);
      if (extra.length > 0)
        return { path, problem: `the ${builtin}'s own field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} would be dropped` };
      if (v instanceof Map) {
        let i = 0;
        for (const [k, item] of v) {
          stack.push([k, `${path}.<key ${i}>`], [item, `${path}.<value ${i}>`]);
          i++;
        }
      } else if (v instanceof Set) {
        let i = 0;
        for (const item of v) stack.push([item, `${path}.<item ${i++}>`]);
      }
    } catch (err) {
      return { path, problem: `reading it threw: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return undefined;
}

function pushArray(stack: [unknown, string][], a: unknown[], path: string): void {
  if (a.length <= DENSE_WALK_MAX) {
    for (let i = 0; i < a.length; i++) {
      const item = a[i];
      if (typeof item === 'object' && item !== null) stack.push([item, `${path}[${i}]`]);
    }
    return;
  }
  for (const key of Object.keys(a)) {
    const item = (a as unknown as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) stack.push([item, /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`]);
  }
}

/** The built-in a value is (whatever its prototype says), by its internal slots. */
function builtinOf(v: object): string | undefined {
  if (types.isMap(v)) return 'Map';
  if (types.isSet(v)) return 'Set';
  if (types.isDate(v)) return 'Date';
  if (types.isRegExp(v)) return 'RegExp';
  if (types.isNativeError(v)) return 'Error';
  if (types.isArrayBuffer(v)) return 'ArrayBuffer';
  if (types.isArrayBufferView(v)) return 'typed array';
  if (types.isBoxedPrimitive(v)) return 'boxed primitive';
  return undefined;
}

/** Own enumerable fields node:v8 drops from a built-in (typed arrays' indices are their contents). */
function ownFields(v: object): string[] {
  const keys = Object.keys(v);
  if (types.isArrayBufferView(v) || types.isStringObject(v)) return keys.filter((k) => !/^\d+$/.test(k));
  return keys;
}

function describe(v: object): string {
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  const shown = typeof name === 'string' && name ? name : 'class';
  return /^[AEIOU]/.test(shown) ? `an ${shown}` : `a ${shown}`;
}
