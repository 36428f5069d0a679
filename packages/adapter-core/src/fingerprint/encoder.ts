import { types } from 'node:util';
import { UnhashableValueError } from '../errors.js';
import {
  builtinHandlerFor,
  constructorName,
  isBuiltinSubclass,
  isIndexKey,
  nonIndexKeys,
  ownPropertiesRule,
} from './builtins.js';
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
  TAG_BUILTIN_EXTRA,
  TAG_CUSTOM,
  TAG_DIGEST,
  TAG_FALSE,
  TAG_HOLE,
  TAG_HOLE_RUN,
  TAG_INSTANCE,
  TAG_MAP,
  TAG_NULL,
  TAG_OBJECT,
  TAG_SET,
  TAG_SET_SORTED,
  TAG_MAP_SORTED,
  TAG_MERKLE,
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
/**
 * Objects the inline encoding visits before giving up on it. The inline walk visits a shared object once
 * per path to it (`v = [v, v]` 40 deep has 2^40 paths); past this many visits the value is encoded again
 * with every object as its digest, memoised by identity, which is linear in distinct objects. The choice
 * depends on the value's unrolled size only, never on identities, so a copy and a shared reference still
 * hash alike.
 */
const MAX_INLINE_OBJECTS = 1 << 21;
/**
 * Extra visits the digest encoding allows to objects it could not memoise (their subtree closes a cycle
 * outside them). Values whose cycles intertwine so much (a dense graph: every object points at every
 * other) would take minutes; they are refused instead, within a second or two.
 */
const MAX_REVISITS = 1 << 17;
/** Holes in a row up to this many are written one TAG_HOLE each (as always); longer runs as one count. */
const HOLE_RUN_MIN = 1024;

/** Thrown inside the walk when the inline encoding is too large; caught by `run`. */
const TOO_LARGE: unique symbol = Symbol('dagcache.fingerprint.too-large');
const PROPS_NONE = 0;
/** Every own enumerable key. */
const PROPS_KEYS = 1;
/** Own enumerable keys that are not indices (a boxed string's characters are its content). */
const PROPS_NON_INDEX = 2;
/** Typed arrays: only a subclass's non-index keys (a plain one is never enumerated). */
const PROPS_SUBCLASS = 3;

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
  /** Merkle encoding, on the first frame of an object: the sink its digest goes to when it pops. */
  parentSink: HashSink | null = null;
  /** Merkle encoding: the shallowest ancestor a back-reference inside this frame points at. */
  minBack = Infinity;
}

interface Resolved {
  readonly user: RegisteredHandler | undefined;
  readonly builtin: BuiltinHandler | null;
  readonly name: string;
  readonly plain: boolean;
  /** Which own properties of a built-in count (PROPS_*). */
  readonly props: number;
  /** A user subclass of the built-in: its class name counts. */
  readonly sub: boolean;
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
  private objects = 0;
  private budget = MAX_INLINE_OBJECTS;
  private merkle = false;
  private memo: Map<object, string> | null = null;
  private visited: Set<object> | null = null;
  private revisits = 0;

  constructor() {
    this.sink = this.rootSink;
  }

  /** Fingerprints `value`: the url-safe base64 SHA-256 of its canonical encoding. */
  run(value: unknown, registry: FingerprintRegistry, root: string): string {
    this.start(registry, root);
    this.budget = MAX_INLINE_OBJECTS;
    try {
      return this.encodeAll(value, false);
    } catch (err) {
      if (err !== TOO_LARGE) throw err;
    } finally {
      this.cleanup();
    }
    try {
      return this.encodeAll(value, true);
    } finally {
      this.cleanup();
    }
  }

  private encodeAll(value: unknown, merkle: boolean): string {
    const sink = this.rootSink;
    sink.reset();
    this.sink = sink;
    sink.bytes(header);
    this.objects = 0;
    if (merkle) {
      sink.u8(TAG_MERKLE);
      this.merkle = true;
      this.memo = new Map();
      this.visited = new Set();
      this.revisits = 0;
    }
    this.visit(value);
    this.drain();
    return sink.digestBase64Url();
  }

  /** Encodes `value` into someone else's sink (Arrow cells). */
  private runInto(sink: HashSink, value: unknown, registry: FingerprintRegistry, root: string): void {
    this.start(registry, root);
    this.budget = Infinity;
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
    this.merkle = false;
    this.memo = null;
    this.visited = null;
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
    const back = this.ancestorDepth(o);
    if (back >= 0) {
      // A cycle: refer to the ancestor by its depth, which is the same for equal structures.
      this.sink.tagU32(TAG_BACKREF, back);
      if (this.merkle) {
        const top = this.frames[this.depth - 1]!;
        if (back < top.minBack) top.minBack = back;
      }
      return;
    }
    if (this.merkle) return this.visitMerkle(o);
    if (++this.objects > this.budget) throw TOO_LARGE;
    this.visitGuarded(o);
  }

  /**
   * The Merkle encoding: each object is hashed alone and written as its digest, once per object (memo
   * by identity). An object whose subtree refers to an ancestor outside it (a cycle through it) is
   * hashed again where it recurs, as its digest depends on where the cycle closes.
   */
  private visitMerkle(o: object): void {
    const parent = this.sink;
    const known = this.memo!.get(o);
    if (known !== undefined) {
      parent.u8(TAG_DIGEST);
      parent.string(known);
      return;
    }
    if (!this.visited!.has(o)) this.visited!.add(o);
    else if (++this.revisits > MAX_REVISITS) {
      this.unhashable(
        constructorName(Object.getPrototypeOf(o) as object | null) || 'Object',
        `its cycles are so intertwined that the objects in them were visited more than ${MAX_REVISITS} extra times; register a fingerprint handler that returns its data without the cycles`,
      );
    }
    const own = this.acquireSink();
    this.sink = own;
    const d0 = this.depth;
    this.visitGuarded(o);
    if (this.depth > d0) this.frames[d0]!.parentSink = parent;
    else this.finishMerkle(o, own, parent, true);
  }

  private finishMerkle(o: object, own: HashSink, parent: HashSink, memoable: boolean): void {
    const digest = own.digestBase64Url();
    this.releaseSink(own);
    parent.u8(TAG_DIGEST);
    parent.string(digest);
    if (memoable) this.memo!.set(o, digest);
    this.sink = parent;
  }

  /** Encodes `o`; anything that throws while reading it (a getter, a Proxy trap) becomes an UnhashableValueError. */
  private visitGuarded(o: object): void {
    const d0 = this.depth;
    try {
      this.encodeObject(o);
    } catch (err) {
      if (err === TOO_LARGE || err instanceof UnhashableValueError) throw err;
      const proxy = types.isProxy(o);
      this.depth = d0;
      this.unhashable(
        proxy ? 'Proxy' : 'value',
        `${proxy ? 'a Proxy that is revoked or whose handler threw' : 'reading it threw'}: ${messageOf(err)}`,
      );
    }
  }

  private encodeObject(o: object): void {
    const sink = this.sink;
    if (Array.isArray(o)) {
      const ap = Object.getPrototypeOf(o) as object | null;
      if (ap !== Array.prototype && ap !== null && isBuiltinSubclass(ap)) {
        // `class Rows extends Array { version }`: the class and its fields are data, the indices are
        // hashed as the array below.
        sink.u8(TAG_BUILTIN_EXTRA);
        sink.string(constructorName(ap));
        const keys = nonIndexKeys(o);
        if (keys.length > 1) sortKeys(keys);
        this.beginObject(o, keys);
      }
      sink.tagU32(TAG_ARRAY, o.length);
      if (o.length > 0) this.push(K_ARRAY, o).len = o.length;
      return;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto === Object.prototype || proto === null) return this.visitPlain(o, proto);
    let r = this.byProto.get(proto);
    if (r === undefined) {
      const builtin = builtinHandlerFor(proto, o);
      const rule = builtin === null ? 'none' : ownPropertiesRule(builtin, o);
      r = {
        user: userHandlerFor(this.registry, proto),
        builtin,
        props:
          rule === 'keys'
            ? PROPS_KEYS
            : rule === 'nonIndex'
              ? PROPS_NON_INDEX
              : rule === 'subclass'
                ? PROPS_SUBCLASS
                : PROPS_NONE,
        sub: builtin !== null && isBuiltinSubclass(proto),
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
      if (r.props !== PROPS_NONE && (r.sub || r.props !== PROPS_SUBCLASS)) {
        // A Map subclass with a `version` field, a Date with an own `zone`: the class name and the own
        // properties are data too (a plain built-in without them encodes exactly as before).
        const keys = r.props === PROPS_KEYS ? Object.keys(o) : nonIndexKeys(o);
        if (r.sub || keys.length > 0) {
          sink.u8(TAG_BUILTIN_EXTRA);
          sink.string(r.name);
          if (keys.length > 1) sortKeys(keys);
          this.beginObject(o, keys);
        }
      }
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
    try {
      this.drainFrames();
    } catch (err) {
      if (err === TOO_LARGE || err instanceof UnhashableValueError) throw err;
      // Reading a property, element or Map value threw: a getter, or a Proxy's trap.
      const f = this.frames[this.depth - 1];
      const proxy = f !== undefined && f.obj !== null && types.isProxy(f.obj);
      this.unhashable(
        proxy ? 'Proxy' : 'getter',
        `${proxy ? "its Proxy's handler threw" : 'getter threw'}: ${messageOf(err)}`,
      );
    }
  }

  private drainFrames(): void {
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
            if (v === undefined && !(i in arr)) this.holes(f, arr, i);
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

  /**
   * Writes the run of holes starting at `i` and moves past it. Short runs are one TAG_HOLE per hole (the
   * encoding of every ordinary holey array); a longer run is found through the array's own index keys,
   * so `length = 2**32 - 1` with two elements costs two elements, not four billion slots.
   */
  private holes(f: Frame, arr: unknown[], i: number): void {
    const len = f.len;
    const stop = Math.min(len, i + HOLE_RUN_MIN + 1);
    let j = i + 1;
    while (j < stop && !(j in arr)) j++;
    if (j === stop && stop < len) j = nextOwnIndex((f.keys ??= ownIndices(arr)) as number[], i, len);
    const run = j - i;
    if (run > HOLE_RUN_MIN) this.sink.tagU32(TAG_HOLE_RUN, run);
    else for (let k = 0; k < run; k++) this.sink.u8(TAG_HOLE);
    f.index = j;
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
    if (this.merkle) {
      if (d > 0) {
        const parent = this.frames[d - 1]!;
        if (f.minBack < parent.minBack) parent.minBack = f.minBack;
      }
      // Memoised only when no cycle leaves the object: a back-reference to an ancestor above it is
      // written as that ancestor's depth, which differs where the object recurs.
      if (f.parentSink !== null) this.finishMerkle(f.obj!, this.sink, f.parentSink, f.minBack >= d);
    }
    this.clearFrame(f);
  }

  private clearFrame(f: Frame): void {
    f.parentSink = null;
    f.minBack = Infinity;
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The array's own index keys, ascending (Object.keys lists integer keys first, in order). */
function ownIndices(arr: unknown[]): number[] {
  const keys = Object.keys(arr);
  const out: number[] = [];
  for (const k of keys) {
    if (!isIndexKey(k)) break;
    out.push(Number(k));
  }
  return out;
}

/** The first own index after `i`, or `len`. */
function nextOwnIndex(indices: number[], i: number, len: number): number {
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo < indices.length && indices[lo]! < len ? indices[lo]! : len;
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
