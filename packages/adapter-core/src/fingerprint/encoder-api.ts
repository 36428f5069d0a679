import type { HashSink } from './hash-sink.js';

/**
 * What a built-in type handler may do while a value is being encoded. Handlers for leaf types
 * (Date, typed arrays…) only write to `sink`; handlers for containers hand their children back to the
 * encoder, which walks them with an explicit stack (so nesting depth is bounded by memory, not the
 * call stack).
 */
export interface EncoderApi {
  /** Where the current value's bytes go. */
  readonly sink: HashSink;
  /** Writes `keys.length`, then each key and `obj[key]`, in the order given (callers sort). */
  beginObject(obj: object, keys: string[]): void;
  /** Order-insensitive: entries in key order when keys are all strings or all numbers, else sorted entry digests. */
  beginMap(map: Map<unknown, unknown>): void;
  /** Order-insensitive: sorted items when all strings or all numbers, else sorted item digests. */
  beginSet(set: Set<unknown>): void;
  /** Encodes `replacement` in place of `obj` (after the caller wrote its own tag). */
  replace(obj: object, replacement: unknown, pathLabel: string): void;
  /** Encodes a whole value into the current sink right now (for Arrow cells; never cyclic). */
  nested(value: unknown): void;
  /** A sink for a side stream (e.g. an Arrow validity list); give it back with `releaseSink`. */
  acquireSink(): HashSink;
  releaseSink(sink: HashSink): void;
  /** Throws an `UnhashableValueError` naming the current path. */
  unhashable(typeName: string, why: string): never;
}

/** Encodes one kind of built-in value. */
export type BuiltinHandler = (value: never, enc: EncoderApi) => void;
