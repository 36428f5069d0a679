import { UnhashableValueError } from '../errors.js';
import { builtinHandlerFor, constructorName } from './builtins.js';
import type { BuiltinHandler, EncoderApi } from './encoder-api.js';
import { HashSink } from './hash-sink.js';
import {
  fingerprintSymbol,
  registryGeneration,
  type FingerprintRegistry,
  type RegisteredHandler,
} from './registry.js';
import {
  FORMAT_HEADER,
  TAG_ARRAY,
  TAG_BACKREF,
  TAG_CUSTOM,
  TAG_FALSE,
  TAG_HOLE,
  TAG_INSTANCE,
  TAG_MAP,
  TAG_NULL,
  TAG_OBJECT,
  TAG_SET,
  TAG_SET_SORTED,
  TAG_MAP_SORTED,
  TAG_STRING,
  TAG_TRUE,
  TAG_UNDEFINED,
} from './tags.js';
import {
  indexSegment,
  mapKeySegment,
  mapValueSegment,
  propertySegment,
  setItemSegment,
} from './value-path.js';

// The encoder walks a value with an explicit stack of frames instead of recursion, so a 100,000-deep
// list cannot overflow the call stack. Frames are pooled by depth and reused across calls, and the
// scratch buffers live in pooled sinks: encoding a record allocates little beyond its sorted key list.

const K_ARRAY = 1;
const K_OBJECT = 2;
const K_MAP = 3;
const K_SET = 4;
const K_REPLACE = 5;
const K_MAP_SORTED = 6;

/** Ancestors up to this depth are found by scanning the frames; deeper ones via a Map. */
const SCAN = 32;
/** A handler whose replacement needs a handler whose replacement needs… gives up after this many. */
const MAX_REPLACEMENTS = 64;
/** Frames kept between calls; a rare very deep value should not pin its frames forever. */
const KEEP_FRAMES = 1024;

// The header is encoded like any string (tag, length, bytes), once.
const header = (() => {
  const bytes = Buffer.from(FORMAT_HEADER, 'utf8');
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = TAG_STRING;
  out.writeUInt32LE(bytes.length, 1);
  bytes.copy(out, 5);
  return out;
})();

class Frame {
  kind = 0;
  obj: object | null = null;
  /** Object keys, Map keys or Set items, in the order they are visited. */
  keys: unknown[] | null = null;
  index = 0;
  len = 0;
  /** The sink that was current when the frame was pushed, restored when it pops. */
  sink: HashSink | null = null;
  /** Map/Set: entry digests (base64url), sorted when the frame pops. */
  digests: string[] | null = null;
  /** Map: 0 between entries, 1 visiting the key, 2 the value. Set: 1 visiting an item. Replace: 1 after. */
  phase = 0;
  replacement: unknown = undefined;
  label = '';
  replaceDepth = 0;
}

interface Resolved {
  readonly user: RegisteredHandler | undefined;
  readonly builtin: BuiltinHandler | null;
  readonly name: string;
  readonly plain: boolean;
}

// Which handler a prototype gets is decided once per registry and prototype, and forgotten whenever
// any registry changes.
const resolutions = new WeakMap<
  FingerprintRegistry,
  { generation: number; byProto: WeakMap<object, Resolved> }
>();

function resolutionCache(registry: FingerprintRegistry): WeakMap<object, Resolved> {
  const generation = registryGeneration();
  let entry = resolutions.get(registry);
  if (!entry || entry.generation !== generation) {
    entry = { generation, byProto: new WeakMap() };
    resolutions.set(registry, entry);
  }
  return entry.byProto;
}

function userHandlerFor(registry: FingerprintRegistry, proto: object): RegisteredHandler | undefined {
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    const h = registry.handlerAt(p);
    if (h) return h;
  }
  return undefined;
}

/**
 * Sorts keys by UTF-16 code units (what `Array.prototype.sort` does for strings). Records have a handful
 * of keys, where an insertion sort with `<` beats the built-in sort and its generic comparator.
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

/**
 * Keys (or Set items) that are all strings or all numbers, sorted (code-unit order; numeric order with
 * NaN last); null for anything else (and for empty collections, which take the generic path).
 * Map and Set keys are unique (SameValueZero), so the order is total and canonical.
 */
function sortPrimitiveKeys(keys: unknown[]): unknown[] | null {
  const n = keys.length;
  if (n === 0) return null;
  const kind = typeof keys[0];
  if (kind !== 'string' && kind !== 'number') return null;
  for (let i = 1; i < n; i++) if (typeof keys[i] !== kind) return null;
  if (kind === 'string') return (keys as string[]).sort();
  return Array.from(Float64Array.from(keys as number[]).sort());
}

export class Encoder implements EncoderApi {
  sink: HashSink;
  private readonly rootSink = new HashSink();
  private readonly frames: Frame[] = [];
  private depth = 0;
  private deep: Map<object, number> | null = null;
  private readonly sinkPool: HashSink[] = [];
  private registry!: FingerprintRegistry;
  private byProto!: WeakMap<object, Resolved>;
  private root = 'value';
  private sub: Encoder | null = null;

  constructor() {
    this.sink = this.rootSink;
  }

  /** Fingerprints `value`: the url-safe base64 SHA-256 of its canonical encoding. */
  run(value: unknown, registry: FingerprintRegistry, root: string): string {
    this.start(registry, root);
    const sink = this.rootSink;
    sink.reset();
    this.sink = sink;
    sink.bytes(header);
    try {
      this.visit(value);
      this.drain();
      return sink.digestBase64Url();
    } finally {
      this.cleanup();
    }
  }

  /** Encodes `value` into someone else's sink (Arrow cells). */
  private runInto(sink: HashSink, value: unknown, registry: FingerprintRegistry, root: string): void {
    this.start(registry, root);
    this.sink = sink;
    try {
      this.visit(value);
      this.drain();
    } finally {
      this.cleanup();
    }
  }

  private start(registry: FingerprintRegistry, root: string): void {
    this.registry = registry;
    this.byProto = resolutionCache(registry);
    this.root = root;
  }

  private cleanup(): void {
    for (let i = 0; i < this.depth; i++) this.clearFrame(this.frames[i]!);
    this.depth = 0;
    this.deep = null;
    if (this.frames.length > KEEP_FRAMES) this.frames.length = KEEP_FRAMES;
    this.sink = this.rootSink;
  }

  // ---- the walk -------------------------------------------------------------------------------

  private visit(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.sink.string(v);
        return;
      case 'number':
        this.sink.number(v);
        return;
      case 'boolean':
        this.sink.u8(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'undefined':
        this.sink.u8(TAG_UNDEFINED);
        return;
      case 'bigint':
        this.sink.bigint(v);
        return;
      case 'symbol':
        return this.unhashable(
          'Symbol',
          'a symbol is an identity, not data that is the same in another process',
        );
      case 'function':
        return this.unhashable(
          'Function',
          'functions have no data version; pass data instead, or register a fingerprint handler for the class that holds it',
        );
    }
    if (v === null) {
      this.sink.u8(TAG_NULL);
      return;
    }
    this.visitObject(v as object);
  }

  private visitObject(o: object): void {
    const sink = this.sink;
    const back = this.ancestorDepth(o);
    if (back >= 0) {
      // A cycle: refer to the ancestor by its depth, which is the same for equal structures.
      sink.tagU32(TAG_BACKREF, back);
      return;
    }
    if (Array.isArray(o)) {
      sink.tagU32(TAG_ARRAY, o.length);
      if (o.length > 0) this.push(K_ARRAY, o).len = o.length;
      return;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto === Object.prototype || proto === null) return this.visitPlain(o, proto);
    let r = this.byProto.get(proto);
    if (r === undefined) {
      r = {
        user: userHandlerFor(this.registry, proto),
        builtin: builtinHandlerFor(proto, o),
        name: constructorName(proto),
        // Another realm's Object.prototype (a vm context): its objects are plain objects too.
        plain: Object.getPrototypeOf(proto) === null && constructorName(proto) === 'Object',
      };
      this.byProto.set(proto, r);
    }
    if (r.plain) return this.visitPlain(o, proto);
    if (r.user !== undefined) {
      const replacement = r.user.handler(o);
      sink.u8(TAG_CUSTOM);
      sink.string(r.user.name);
      this.replace(o, replacement, `<${r.user.name} handler>`);
      return;
    }
    const method = (o as { [fingerprintSymbol]?: unknown })[fingerprintSymbol];
    if (typeof method === 'function') return this.viaMethod(o, method as (this: object) => unknown, proto);
    if (r.builtin !== null) {
      (r.builtin as (value: object, enc: EncoderApi) => void)(o, this);
      return;
    }
    // An ordinary class instance: its class name, then its own enumerable properties like an object.
    const keys = Object.keys(o);
    if (keys.length === 0) {
      // Nothing visible: its state lives in #private fields, closures or native slots, where two
      // different instances would look equal. A false cache hit is worse than an error.
      this.unhashable(
        r.name || 'anonymous class',
        "it has no own enumerable properties, so its state (private #fields, closures, native slots) is invisible; register a fingerprint handler or implement [Symbol.for('dagcache.fingerprint')]()",
      );
    }
    sink.u8(TAG_INSTANCE);
    sink.string(r.name);
    if (keys.length > 1) sortKeys(keys);
    this.beginObject(o, keys);
  }

  private visitPlain(o: object, proto: object | null): void {
    const method = (o as { [fingerprintSymbol]?: unknown })[fingerprintSymbol];
    if (typeof method === 'function') return this.viaMethod(o, method as (this: object) => unknown, proto);
    const keys = Object.keys(o);
    if (keys.length > 1) sortKeys(keys);
    this.beginObject(o, keys);
  }

  private viaMethod(o: object, method: (this: object) => unknown, proto: object | null): void {
    const replacement: unknown = method.call(o);
    this.sink.u8(TAG_CUSTOM);
    this.sink.string(constructorName(proto));
    this.replace(o, replacement, "[Symbol.for('dagcache.fingerprint')]()");
  }

  /** Runs the stack until every pushed frame has popped. */
  private drain(): void {
    const frames = this.frames;
    while (this.depth > 0) {
      const f = frames[this.depth - 1]!;
      switch (f.kind) {
        case K_ARRAY:
          if (f.index < f.len) {
            const arr = f.obj as unknown[];
            const i = f.index++;
            const v = arr[i];
            // A hole is not `undefined`: `[,1]` and `[undefined, 1]` are different arrays.
            if (v === undefined && !(i in arr)) this.sink.u8(TAG_HOLE);
            else this.visit(v);
            continue;
          }
          break;
        case K_OBJECT:
          if (f.index < f.len) {
            const key = f.keys![f.index++] as string;
            this.sink.string(key);
            this.visit((f.obj as Record<string, unknown>)[key]);
            continue;
          }
          break;
        case K_MAP:
          if (f.phase === 1) {
            f.phase = 2;
            this.visit((f.obj as Map<unknown, unknown>).get(f.keys![f.index]));
            continue;
          }
          if (f.phase === 2) this.endEntry(f);
          if (f.index < f.len) {
            this.sink = this.acquireSink();
            f.phase = 1;
            this.visit(f.keys![f.index]);
            continue;
          }
          this.writeDigests(f);
          break;
        case K_SET:
          if (f.phase === 1) this.endEntry(f);
          if (f.index < f.len) {
            this.sink = this.acquireSink();
            f.phase = 1;
            this.visit(f.keys![f.index]);
            continue;
          }
          this.writeDigests(f);
          break;
        case K_MAP_SORTED:
          if (f.index < f.len) {
            const key = f.keys![f.index++];
            if (typeof key === 'number') this.sink.number(key);
            else this.sink.string(key as string);
            this.visit((f.obj as Map<unknown, unknown>).get(key));
            continue;
          }
          break;
        case K_REPLACE:
          if (f.phase === 0) {
            f.phase = 1;
            this.visit(f.replacement);
            continue;
          }
          break;
      }
      this.pop();
    }
  }

  private endEntry(f: Frame): void {
    const entry = this.sink;
    f.digests!.push(entry.digestBase64Url());
    this.releaseSink(entry);
    this.sink = f.sink!;
    f.index++;
    f.phase = 0;
  }

  /** Map/Set order does not matter: entries are hashed alone and their digests sorted. */
  private writeDigests(f: Frame): void {
    // Sorted as strings: the order only has to be canonical, and string compares are far cheaper than
    // Buffer.compare calls (a million-entry Set is a million digests to sort).
    const digests = f.digests!;
    digests.sort();
    for (const d of digests) this.sink.string(d);
  }

  // ---- frames ---------------------------------------------------------------------------------

  private push(kind: number, obj: object): Frame {
    const d = this.depth;
    let f = this.frames[d];
    if (f === undefined) {
      f = new Frame();
      this.frames.push(f);
    }
    f.kind = kind;
    f.obj = obj;
    f.index = 0;
    f.len = 0;
    f.phase = 0;
    f.sink = this.sink;
    if (d >= SCAN) (this.deep ??= new Map()).set(obj, d);
    this.depth = d + 1;
    return f;
  }

  private pop(): void {
    const d = --this.depth;
    const f = this.frames[d]!;
    if (d >= SCAN) this.deep!.delete(f.obj!);
    this.sink = f.sink!;
    this.clearFrame(f);
  }

  private clearFrame(f: Frame): void {
    f.obj = null;
    f.keys = null;
    f.digests = null;
    f.sink = null;
    f.replacement = undefined;
  }

  private ancestorDepth(o: object): number {
    const frames = this.frames;
    const n = this.depth < SCAN ? this.depth : SCAN;
    for (let i = 0; i < n; i++) if (frames[i]!.obj === o) return i;
    if (this.depth > SCAN) {
      const d = this.deep!.get(o);
      if (d !== undefined) return d;
    }
    return -1;
  }

  // ---- EncoderApi -----------------------------------------------------------------------------

  beginObject(obj: object, keys: string[]): void {
    this.sink.tagU32(TAG_OBJECT, keys.length);
    if (keys.length === 0) return;
    const f = this.push(K_OBJECT, obj);
    f.keys = keys;
    f.len = keys.length;
  }

  beginMap(map: Map<unknown, unknown>): void {
    const keys = Array.from(map.keys());
    const sorted = sortPrimitiveKeys(keys);
    if (sorted !== null) {
      // All keys are strings, or all numbers: sort the keys themselves and hash the entries in that
      // order, instead of hashing every entry alone and sorting digests (10× faster on big Maps).
      this.sink.tagU32(TAG_MAP_SORTED, keys.length);
      if (keys.length === 0) return;
      const f = this.push(K_MAP_SORTED, map);
      f.keys = sorted;
      f.len = sorted.length;
      return;
    }
    this.sink.tagU32(TAG_MAP, map.size);
    if (keys.length === 0) return;
    const f = this.push(K_MAP, map);
    f.keys = keys;
    f.len = keys.length;
    f.digests = [];
  }

  beginSet(set: Set<unknown>): void {
    const items = Array.from(set);
    const sorted = sortPrimitiveKeys(items);
    if (sorted !== null) {
      const sink = this.sink;
      sink.tagU32(TAG_SET_SORTED, sorted.length);
      if (typeof sorted[0] === 'number') for (const x of sorted) sink.number(x as number);
      else for (const x of sorted) sink.string(x as string);
      return;
    }
    this.sink.tagU32(TAG_SET, set.size);
    if (items.length === 0) return;
    const f = this.push(K_SET, set);
    f.keys = items;
    f.len = items.length;
    f.digests = [];
  }

  replace(obj: object, replacement: unknown, pathLabel: string): void {
    const parent = this.depth > 0 ? this.frames[this.depth - 1]! : null;
    const replaceDepth = parent !== null && parent.kind === K_REPLACE ? parent.replaceDepth + 1 : 1;
    const name = constructorName(Object.getPrototypeOf(obj) as object | null) || 'Object';
    if (replacement === obj) this.unhashable(name, 'its fingerprint handler returned the value itself');
    if (replaceDepth > MAX_REPLACEMENTS) {
      this.unhashable(
        name,
        `fingerprint handlers returned ${MAX_REPLACEMENTS} replacements in a row without reaching data`,
      );
    }
    const f = this.push(K_REPLACE, obj);
    f.replacement = replacement;
    f.label = pathLabel;
    f.replaceDepth = replaceDepth;
  }

  nested(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.sink.string(value);
        return;
      case 'number':
        this.sink.number(value);
        return;
      case 'boolean':
        this.sink.u8(value ? TAG_TRUE : TAG_FALSE);
        return;
    }
    if (value === null) {
      this.sink.u8(TAG_NULL);
      return;
    }
    const sub = (this.sub ??= new Encoder());
    sub.runInto(this.sink, value, this.registry, this.currentPath());
  }

  acquireSink(): HashSink {
    const s = this.sinkPool.pop() ?? new HashSink();
    s.reset();
    return s;
  }

  releaseSink(sink: HashSink): void {
    this.sinkPool.push(sink);
  }

  unhashable(typeName: string, why: string): never {
    const path = this.currentPath();
    throw new UnhashableValueError(`cannot fingerprint ${path} (${typeName}): ${why}`, path, typeName);
  }

  /** The access path of the value being visited, built only when an error needs it. */
  private currentPath(): string {
    let path = this.root;
    for (let i = 0; i < this.depth; i++) {
      const f = this.frames[i]!;
      switch (f.kind) {
        case K_ARRAY:
          path += indexSegment(f.index - 1);
          break;
        case K_OBJECT:
          path += propertySegment(f.keys![f.index - 1] as string);
          break;
        case K_MAP:
          if (f.phase === 1) path += mapKeySegment(f.index);
          else if (f.phase === 2) path += mapValueSegment(f.keys![f.index], f.index);
          break;
        case K_SET:
          if (f.phase === 1) path += setItemSegment(f.index);
          break;
        case K_MAP_SORTED:
          path += mapValueSegment(f.keys![f.index - 1], f.index - 1);
          break;
        case K_REPLACE:
          if (f.phase === 1) path += f.label;
          break;
      }
    }
    return path;
  }
}

const pool: Encoder[] = [];

/** Encodes with a pooled encoder (handlers may call `fingerprint` again, so there can be several). */
export function encodeValue(value: unknown, registry: FingerprintRegistry, root: string): string {
  const enc = pool.pop() ?? new Encoder();
  try {
    return enc.run(value, registry, root);
  } finally {
    pool.push(enc);
  }
}
