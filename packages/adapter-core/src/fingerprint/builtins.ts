import { EventEmitter } from 'node:events';
import { types } from 'node:util';
import { encodeArrowTabular, encodeArrowVector, isArrowTabularProto, isArrowVectorProto } from './arrow.js';
import type { BuiltinHandler, EncoderApi } from './encoder-api.js';
import { TAG_BOXED, TAG_DATE, TAG_ERROR, TAG_REGEXP, TAG_URL, TAG_URL_SEARCH_PARAMS } from './tags.js';
import {
  encodeArrayBuffer,
  encodeDataView,
  encodeSharedArrayBuffer,
  encodeTypedArray,
  typedArrayCodes,
} from './typed-arrays.js';

const encodeDate = (d: Date, enc: EncoderApi): void => {
  // By time value; an invalid Date has time value NaN, which no valid Date has.
  enc.sink.u8(TAG_DATE);
  enc.sink.f64(d.getTime());
};

const encodeRegExp = (r: RegExp, enc: EncoderApi): void => {
  enc.sink.u8(TAG_REGEXP);
  enc.sink.string(r.source);
  enc.sink.string(r.flags);
};

const encodeUrl = (u: URL, enc: EncoderApi): void => {
  enc.sink.u8(TAG_URL);
  enc.sink.string(u.href);
};

const encodeSearchParams = (p: URLSearchParams, enc: EncoderApi): void => {
  enc.sink.u8(TAG_URL_SEARCH_PARAMS);
  enc.sink.string(p.toString());
};

/** `new Number(1)` is not `1`: the box tag, then the primitive. */
const encodeBoxed = (b: object, enc: EncoderApi): void => {
  const sink = enc.sink;
  if (types.isNumberObject(b)) {
    sink.u8(TAG_BOXED);
    sink.number(Number.prototype.valueOf.call(b));
  } else if (types.isStringObject(b)) {
    sink.u8(TAG_BOXED);
    sink.string(String.prototype.valueOf.call(b));
  } else if (types.isBooleanObject(b)) {
    sink.u8(TAG_BOXED);
    sink.u8(Boolean.prototype.valueOf.call(b) ? 0x04 : 0x03);
  } else if (types.isBigIntObject(b)) {
    sink.u8(TAG_BOXED);
    sink.bigint(BigInt.prototype.valueOf.call(b));
  } else {
    enc.unhashable('Symbol', 'symbols have no content that is stable across processes');
  }
};

/**
 * Errors: class name, `name`, `message`, own enumerable properties (e.g. `code`) and `cause`. Not the
 * stack, which holds file paths and line numbers that differ between machines and builds.
 */
const encodeError = (e: Error, enc: EncoderApi): void => {
  const sink = enc.sink;
  sink.u8(TAG_ERROR);
  sink.string(constructorName(Object.getPrototypeOf(e) as object | null));
  sink.string(String(e.name));
  sink.string(String(e.message));
  const keys = Object.keys(e);
  for (const hidden of ['cause', 'errors']) {
    if (Object.prototype.hasOwnProperty.call(e, hidden) && !keys.includes(hidden)) keys.push(hidden);
  }
  keys.sort();
  enc.beginObject(e, keys);
};

const encodeMap = (m: Map<unknown, unknown>, enc: EncoderApi): void => enc.beginMap(m);
const encodeSet = (s: Set<unknown>, enc: EncoderApi): void => enc.beginSet(s);

/** Reports the value's own class (`Socket`), and the family that makes it unhashable (`EventEmitter`). */
function unhashable(family: string, why: string): BuiltinHandler {
  return (value: never, enc: EncoderApi) => {
    const actual = constructorName(Object.getPrototypeOf(value) as object | null);
    if (actual && actual !== family && actual !== 'Object')
      enc.unhashable(actual, `${/^[AEIOU]/.test(family) ? 'an' : 'a'} ${family}: ${why}`);
    enc.unhashable(family, why);
  };
}

const LIVE = 'it is a live resource, not data; fingerprint the data it produced instead';
const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
const asyncIteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})())),
) as object;

/** The dispatch table for built-in types, keyed by prototype (subclasses find their base). */
const table = new Map<object, BuiltinHandler>([
  [Date.prototype, encodeDate as BuiltinHandler],
  [RegExp.prototype, encodeRegExp as BuiltinHandler],
  [URL.prototype, encodeUrl as BuiltinHandler],
  [URLSearchParams.prototype, encodeSearchParams as BuiltinHandler],
  [Map.prototype, encodeMap as BuiltinHandler],
  [Set.prototype, encodeSet as BuiltinHandler],
  [Error.prototype, encodeError as BuiltinHandler],
  [Number.prototype, encodeBoxed as BuiltinHandler],
  [String.prototype, encodeBoxed as BuiltinHandler],
  [Boolean.prototype, encodeBoxed as BuiltinHandler],
  [BigInt.prototype, encodeBoxed as BuiltinHandler],
  [Symbol.prototype, encodeBoxed as BuiltinHandler],
  [ArrayBuffer.prototype, encodeArrayBuffer as BuiltinHandler],
  [SharedArrayBuffer.prototype, encodeSharedArrayBuffer as BuiltinHandler],
  [DataView.prototype, encodeDataView as BuiltinHandler],
  ...[...typedArrayCodes.keys()].map((p): [object, BuiltinHandler] => [
    p,
    encodeTypedArray as BuiltinHandler,
  ]),
  [Promise.prototype, unhashable('Promise', 'await it and fingerprint the result')],
  [WeakMap.prototype, unhashable('WeakMap', 'its entries cannot be listed')],
  [WeakSet.prototype, unhashable('WeakSet', 'its entries cannot be listed')],
  [WeakRef.prototype, unhashable('WeakRef', 'its target may vanish; fingerprint the target')],
  [FinalizationRegistry.prototype, unhashable('FinalizationRegistry', LIVE)],
  [EventEmitter.prototype, unhashable('EventEmitter', LIVE)],
  [EventTarget.prototype, unhashable('EventTarget', LIVE)],
  [ReadableStream.prototype, unhashable('ReadableStream', LIVE)],
  [WritableStream.prototype, unhashable('WritableStream', LIVE)],
  [TransformStream.prototype, unhashable('TransformStream', LIVE)],
  [Blob.prototype, unhashable('Blob', 'read it first (await blob.arrayBuffer())')],
  [iteratorPrototype, unhashable('Iterator', 'reading it consumes it; collect it into an array first')],
  [asyncIteratorPrototype, unhashable('AsyncIterator', 'await and collect its items into an array first')],
]);

// Built-ins whose own enumerable properties (and subclass name) are part of the data version. Not Error
// (its handler already hashes them), not Arrow (its objects are class instances with internal fields),
// not the unhashable families.
const WITH_OWN_PROPERTIES = new Set<BuiltinHandler>([
  encodeDate as BuiltinHandler,
  encodeRegExp as BuiltinHandler,
  encodeUrl as BuiltinHandler,
  encodeSearchParams as BuiltinHandler,
  encodeMap as BuiltinHandler,
  encodeSet as BuiltinHandler,
  encodeBoxed as BuiltinHandler,
  encodeArrayBuffer as BuiltinHandler,
  encodeSharedArrayBuffer as BuiltinHandler,
  encodeDataView as BuiltinHandler,
]);

/**
 * How a built-in's own data beyond its native content is found: 'keys' (every own enumerable key),
 * 'nonIndex' (a boxed string: its index keys are its characters), 'subclass' (typed arrays: only a
 * subclass's non-index keys, so a plain typed array is never enumerated; Buffer hashes as Uint8Array),
 * or 'none'.
 */
export function ownPropertiesRule(
  handler: BuiltinHandler,
  sample: object,
): 'keys' | 'nonIndex' | 'subclass' | 'none' {
  if (handler === (encodeTypedArray as BuiltinHandler)) return Buffer.isBuffer(sample) ? 'none' : 'subclass';
  if (handler === (encodeBoxed as BuiltinHandler) && types.isStringObject(sample)) return 'nonIndex';
  return WITH_OWN_PROPERTIES.has(handler) ? 'keys' : 'none';
}

/** True when `proto` is a user subclass of a built-in (not the built-in's own prototype, in any realm). */
export function isBuiltinSubclass(proto: object): boolean {
  if (table.has(proto)) return false;
  // Another realm's Map.prototype has a native constructor; a user's `class Index extends Map` does not.
  return !isNativeConstructor(proto);
}

function isNativeConstructor(proto: object): boolean {
  const ctor = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(ctor));
}

/** Own enumerable keys that are not array indices (a typed array's or boxed string's content). */
export function nonIndexKeys(o: object): string[] {
  const keys = Object.keys(o);
  let i = 0;
  // Index keys come first, in ascending order.
  while (i < keys.length && isIndexKey(keys[i]!)) i++;
  return i === 0 ? keys : keys.slice(i);
}

export function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(k);
  return n < 4294967295 && String(n) === k;
}

/** Name of the class whose prototype is `proto` ('' for anonymous classes and null prototypes). */
export function constructorName(proto: object | null): string {
  const ctor = (proto as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === 'function' ? ctor.name : '';
}

/**
 * The built-in handler for objects with prototype `proto`, or null for an ordinary class instance.
 * Looked up once per prototype (callers cache the answer).
 */
export function builtinHandlerFor(proto: object, sample: object): BuiltinHandler | null {
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    const h = table.get(p);
    if (h) return h;
  }
  return structuralHandlerFor(proto, sample);
}

// Objects from another realm (vm contexts, iframes) have their own Date, Map… prototypes, and Arrow
// objects from any copy of the library: recognised by brand checks and shape instead.
function structuralHandlerFor(proto: object, sample: object): BuiltinHandler | null {
  if (types.isDate(sample)) return encodeDate as BuiltinHandler;
  if (types.isRegExp(sample)) return encodeRegExp as BuiltinHandler;
  if (types.isMap(sample)) return encodeMap as BuiltinHandler;
  if (types.isSet(sample)) return encodeSet as BuiltinHandler;
  if (types.isTypedArray(sample)) return encodeTypedArray as BuiltinHandler;
  if (types.isArrayBuffer(sample)) return encodeArrayBuffer as BuiltinHandler;
  if (types.isDataView(sample)) return encodeDataView as BuiltinHandler;
  if (types.isBoxedPrimitive(sample)) return encodeBoxed as BuiltinHandler;
  if (types.isNativeError(sample)) return encodeError as BuiltinHandler;
  if (types.isPromise(sample)) return table.get(Promise.prototype)!;
  if (types.isWeakMap(sample) || types.isWeakSet(sample))
    return unhashable('WeakMap/WeakSet', 'its entries cannot be listed');
  if (types.isGeneratorObject(sample)) return table.get(iteratorPrototype)!;
  if (isArrowTabularProto(proto)) return encodeArrowTabular as BuiltinHandler;
  if (isArrowVectorProto(proto)) return encodeArrowVector as BuiltinHandler;
  const p = proto as Record<PropertyKey, unknown>;
  if (typeof p.then === 'function') return unhashable('thenable', 'await it and fingerprint the result');
  if (typeof p.next === 'function' && typeof p[Symbol.iterator] === 'function') {
    return table.get(iteratorPrototype)!;
  }
  return null;
}
