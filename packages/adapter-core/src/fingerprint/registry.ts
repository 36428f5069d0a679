/**
 * A user's fingerprint for instances of one class: returns a fingerprintable replacement value (a plain
 * object, an array, a typed array…) or a string digest. The replacement is fingerprinted in place of the
 * instance, tagged with the class name, so it never equals the bare replacement.
 */
export type FingerprintHandler<T = never> = (value: T) => unknown;

/** Objects implementing this method are fingerprinted by what it returns (unless a handler is registered). */
export const fingerprintSymbol: unique symbol = Symbol.for('dagcache.fingerprint') as never;

export type Constructor<T = object> = abstract new (...args: never[]) => T;

/** A handler found for a prototype, with the name it is tagged with. */
export interface RegisteredHandler {
  readonly name: string;
  readonly handler: (value: unknown) => unknown;
}

// Bumped by every register/unregister anywhere, so encoders' per-prototype caches know to start over.
let generation = 0;

/** @internal */
export function registryGeneration(): number {
  return generation;
}

/**
 * Per-class fingerprint handlers, looked up along the prototype chain (a handler for a base class
 * applies to its subclasses; the nearest registration wins). A registry may fall back to a parent,
 * so a project can extend `defaultRegistry` without changing it.
 *
 * @example
 * ```ts
 * const registry = new FingerprintRegistry(defaultRegistry);
 * registry.register(Matrix, (m) => ({ rows: m.rows, cols: m.cols, data: m.data })); // Float64Array inside
 * registry.register(Model, (m) => m.checksum); // a string digest is fine too
 * fingerprint(matrix, { registry });
 * ```
 */
export class FingerprintRegistry {
  private readonly handlers = new Map<object, RegisteredHandler>();

  constructor(private readonly parent?: FingerprintRegistry) {}

  /** Registers (or replaces) the handler for `ctor` and its subclasses. */
  register<T extends object>(ctor: Constructor<T>, handler: FingerprintHandler<T>): this {
    const proto = (ctor as unknown as { prototype?: unknown }).prototype;
    if (typeof proto !== 'object' || proto === null) {
      throw new TypeError('registerFingerprint: expected a class (a function with a prototype)');
    }
    if (proto === Object.prototype || proto === Array.prototype) {
      // Plain objects and arrays are the encoding's own building blocks; overriding them would make
      // every replacement value recurse into the handler again.
      throw new TypeError('registerFingerprint: plain objects and arrays cannot have a handler');
    }
    this.handlers.set(proto, { name: ctor.name, handler: handler as (value: unknown) => unknown });
    generation++;
    return this;
  }

  /** Removes the handler registered for exactly `ctor`; returns whether there was one. */
  unregister(ctor: Constructor): boolean {
    const removed = this.handlers.delete(ctor.prototype as object);
    if (removed) generation++;
    return removed;
  }

  /** The handler for `proto` itself (not its chain): this registry first, then its parent. @internal */
  handlerAt(proto: object): RegisteredHandler | undefined {
    return this.handlers.get(proto) ?? this.parent?.handlerAt(proto);
  }
}

/** The registry `fingerprint` uses when no `registry` option is given. */
export const defaultRegistry = new FingerprintRegistry();

/**
 * Registers a fingerprint handler for a class in the default registry.
 *
 * @example
 * ```ts
 * registerFingerprint(Money, (m) => ({ amount: m.cents, currency: m.currency }));
 * fingerprint(new Money(100, 'EUR')) !== fingerprint({ amount: 100, currency: 'EUR' }); // true
 * ```
 */
export function registerFingerprint<T extends object>(
  ctor: Constructor<T>,
  handler: FingerprintHandler<T>,
): void {
  defaultRegistry.register(ctor, handler);
}
