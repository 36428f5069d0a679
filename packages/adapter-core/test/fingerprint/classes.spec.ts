import { describe, expect, it } from 'vitest';
import {
  FingerprintRegistry,
  defaultRegistry,
  fingerprint,
  fingerprintSymbol,
  registerFingerprint,
} from '../../src/fingerprint/index.js';

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}
class Vec {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

describe('class instances', () => {
  it('hash by class name and own enumerable properties', () => {
    expect(fingerprint(new Point(1, 2))).toBe(fingerprint(new Point(1, 2)));
    expect(fingerprint(new Point(1, 2))).not.toBe(fingerprint(new Point(2, 1)));
  });

  it('two classes with equal fields differ', () => {
    expect(fingerprint(new Point(1, 2))).not.toBe(fingerprint(new Vec(1, 2)));
  });

  it('an instance differs from a plain object with the same fields', () => {
    expect(fingerprint(new Point(1, 2))).not.toBe(fingerprint({ x: 1, y: 2 }));
  });

  it('ignore property order', () => {
    const a = new Point(1, 2);
    const b = Object.assign(Object.create(Point.prototype) as Point, { y: 2, x: 1 });
    expect(fingerprint(a)).toBe(fingerprint(b));
  });
});

describe('registered handlers', () => {
  class Matrix {
    readonly cache = new Map<string, unknown>(); // not part of the data
    constructor(
      readonly rows: number,
      readonly data: Float64Array,
    ) {}
  }

  it('replace the instance with what the handler returns', () => {
    const registry = new FingerprintRegistry();
    registry.register(Matrix, (m) => ({ rows: m.rows, data: m.data }));
    const a = new Matrix(2, new Float64Array([1, 2, 3, 4]));
    const b = new Matrix(2, new Float64Array([1, 2, 3, 4]));
    b.cache.set('scratch', 1);
    expect(fingerprint(a, { registry })).toBe(fingerprint(b, { registry }));
    expect(fingerprint(a)).not.toBe(fingerprint(b)); // without the handler the cache counts
    // Tagged with the class: not equal to the bare replacement.
    expect(fingerprint(a, { registry })).not.toBe(fingerprint({ rows: 2, data: a.data }, { registry }));
  });

  it('may return a string digest', () => {
    const registry = new FingerprintRegistry();
    registry.register(Matrix, (m) => `rows=${m.rows}`);
    expect(fingerprint(new Matrix(2, new Float64Array(1)), { registry })).toBe(
      fingerprint(new Matrix(2, new Float64Array(9)), { registry }),
    );
  });

  it('apply to subclasses (looked up along the prototype chain)', () => {
    class Sparse extends Matrix {}
    const registry = new FingerprintRegistry().register(Matrix, (m) => m.rows);
    expect(fingerprint(new Sparse(3, new Float64Array(1)), { registry })).toBe(
      fingerprint(new Sparse(3, new Float64Array(2)), { registry }),
    );
  });

  it('override built-in handling', () => {
    class Bag extends Set<number> {}
    const registry = new FingerprintRegistry().register(Bag, (b) => b.size);
    expect(fingerprint(new Bag([1]), { registry })).toBe(fingerprint(new Bag([2]), { registry }));
  });

  it('fall back to a parent registry; registerFingerprint fills the default one', () => {
    class Money {
      constructor(
        readonly cents: number,
        readonly note: string,
      ) {}
    }
    registerFingerprint(Money, (m) => m.cents);
    try {
      const child = new FingerprintRegistry(defaultRegistry);
      expect(fingerprint(new Money(1, 'a'))).toBe(fingerprint(new Money(1, 'b')));
      expect(fingerprint(new Money(1, 'a'), { registry: child })).toBe(fingerprint(new Money(1, 'b')));
      expect(fingerprint(new Money(1, 'a'), { registry: new FingerprintRegistry() })).not.toBe(
        fingerprint(new Money(1, 'b'), { registry: new FingerprintRegistry() }),
      );
    } finally {
      defaultRegistry.unregister(Money);
    }
    expect(fingerprint(new Money(1, 'a'))).not.toBe(fingerprint(new Money(1, 'b')));
  });

  it('reject plain objects and arrays', () => {
    expect(() => new FingerprintRegistry().register(Object, () => 1)).toThrow(TypeError);
    expect(() => new FingerprintRegistry().register(Array, () => 1)).toThrow(TypeError);
  });
});

describe("the Symbol.for('dagcache.fingerprint') method", () => {
  class Model {
    private loadedAt = Date.now();
    constructor(readonly weights: number[]) {}
    [Symbol.for('dagcache.fingerprint')]() {
      return { weights: this.weights };
    }
  }

  it('is used instead of the own properties', async () => {
    const a = new Model([1, 2]);
    await new Promise((r) => setTimeout(r, 5));
    const b = new Model([1, 2]);
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(new Model([2, 1])));
    expect(fingerprint(a)).not.toBe(fingerprint({ weights: [1, 2] }));
  });

  it('works on plain objects too, and fingerprintSymbol is that symbol', () => {
    const v = { big: new Float64Array(10), [fingerprintSymbol]: () => 'v1' };
    expect(fingerprintSymbol).toBe(Symbol.for('dagcache.fingerprint'));
    expect(fingerprint(v)).toBe(fingerprint({ other: 1, [fingerprintSymbol]: () => 'v1' }));
  });

  it('a method returning the object itself is an error, not a loop', () => {
    const v = {
      [fingerprintSymbol]() {
        return v;
      },
    };
    expect(() => fingerprint(v)).toThrow(/returned the value itself/);
  });

  it('endless replacement chains stop with an error', () => {
    class Endless {
      [Symbol.for('dagcache.fingerprint')]() {
        return new Endless();
      }
    }
    expect(() => fingerprint(new Endless())).toThrow(/replacements in a row/);
  });
});
