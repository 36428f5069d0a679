import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/fingerprint/index.js';

describe('plain objects', () => {
  it('ignore key order, at every level', () => {
    expect(fingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(fingerprint({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('sort integer-like keys as strings, the same whatever the insertion order', () => {
    expect(fingerprint({ 10: 'a', 2: 'b', x: 'c' })).toBe(fingerprint({ x: 'c', 2: 'b', 10: 'a' }));
  });

  it('see values and keys', () => {
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ b: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 1, b: 1 }));
  });

  it('a null-prototype object hashes like a plain object', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(fingerprint(bare)).toBe(fingerprint({ a: 1 }));
  });

  it('ignore symbol keys and non-enumerable properties', () => {
    const o = { a: 1 };
    Object.defineProperty(o, 'hidden', { value: 2, enumerable: false });
    expect(fingerprint({ ...{ a: 1 }, [Symbol('s')]: 3 })).toBe(fingerprint({ a: 1 }));
    expect(fingerprint(o)).toBe(fingerprint({ a: 1 }));
  });

  it('[] ≠ {} ≠ Set ≠ Map, also when they hold the same things', () => {
    const prints = [
      [1, 2],
      { 0: 1, 1: 2 },
      new Set([1, 2]),
      new Map([
        [0, 1],
        [1, 2],
      ]),
    ].map((v) => fingerprint(v));
    expect(new Set(prints).size).toBe(4);
  });
});

describe('arrays', () => {
  it('are order-sensitive', () => {
    expect(fingerprint([1, 2, 3])).not.toBe(fingerprint([3, 2, 1]));
    expect(fingerprint([1, 2, 3])).toBe(fingerprint([1, 2, 3]));
  });

  it('tell holes from undefined, and count length', () => {
    expect(fingerprint([1, , 3])).not.toBe(fingerprint([1, undefined, 3]));
    expect(fingerprint(new Array(3))).not.toBe(fingerprint(new Array(2)));
  });

  it('nest without ambiguity', () => {
    expect(fingerprint([[1, 2], 3])).not.toBe(fingerprint([1, [2, 3]]));
    expect(fingerprint([[]])).not.toBe(fingerprint([]));
  });
});

describe('Map and Set', () => {
  it('Maps ignore insertion order', () => {
    const a = new Map<unknown, unknown>([
      ['x', 1],
      [2, { y: [3] }],
      [null, 'n'],
    ]);
    const b = new Map<unknown, unknown>([
      [null, 'n'],
      [2, { y: [3] }],
      ['x', 1],
    ]);
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('Maps keep keys paired with their values', () => {
    expect(
      fingerprint(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).not.toBe(
      fingerprint(
        new Map([
          ['a', 2],
          ['b', 1],
        ]),
      ),
    );
  });

  it('Maps tell key types apart (1 ≠ "1")', () => {
    expect(fingerprint(new Map([[1, 'x']]))).not.toBe(fingerprint(new Map([['1', 'x']])));
  });

  it('Maps with object keys hash the keys by content', () => {
    expect(fingerprint(new Map([[{ k: 1 }, 'v']]))).toBe(fingerprint(new Map([[{ k: 1 }, 'v']])));
  });

  it('Sets ignore insertion order', () => {
    expect(fingerprint(new Set([3, 'a', [1], { b: 2 }]))).toBe(fingerprint(new Set([{ b: 2 }, [1], 'a', 3])));
    expect(fingerprint(new Set([1, 2]))).not.toBe(fingerprint(new Set([1, 3])));
  });

  it('nested Maps in Sets in arrays work', () => {
    const make = (order: number[]) => [new Set(order.map((i) => new Map([[i, [i, { i }]]])))];
    expect(fingerprint(make([1, 2, 3]))).toBe(fingerprint(make([3, 1, 2])));
    expect(fingerprint(make([1, 2, 3]))).not.toBe(fingerprint(make([1, 2, 4])));
  });

  it('Sets of only numbers or only strings ignore order too (sorted fast path)', () => {
    const nums = Array.from({ length: 1000 }, (_, i) => i * 1.5 - 300);
    expect(fingerprint(new Set(nums))).toBe(fingerprint(new Set([...nums].reverse())));
    expect(fingerprint(new Set([NaN, 2, -Infinity]))).toBe(fingerprint(new Set([-Infinity, NaN, 2])));
    expect(fingerprint(new Set(['b', 'a', 'é']))).toBe(fingerprint(new Set(['é', 'a', 'b'])));
    expect(fingerprint(new Set([1, 2]))).not.toBe(fingerprint(new Set(['1', '2'])));
    expect(fingerprint(new Set([1, 2]))).not.toBe(fingerprint(new Set([1, 2, 3])));
    expect(fingerprint(new Set([1, '2']))).toBe(fingerprint(new Set(['2', 1]))); // mixed: generic path
    expect(fingerprint(new Set([1, '2']))).not.toBe(fingerprint(new Set([1, 2])));
  });

  it('Maps with only string or only number keys ignore order too (sorted fast path)', () => {
    const entries = Array.from({ length: 500 }, (_, i) => [`k${i}`, { v: i }] as const);
    expect(fingerprint(new Map(entries))).toBe(fingerprint(new Map([...entries].reverse())));
    expect(
      fingerprint(
        new Map([
          [2, 'a'],
          [1, 'b'],
        ]),
      ),
    ).toBe(
      fingerprint(
        new Map([
          [1, 'b'],
          [2, 'a'],
        ]),
      ),
    );
    expect(
      fingerprint(
        new Map([
          [2, 'a'],
          [1, 'b'],
        ]),
      ),
    ).not.toBe(
      fingerprint(
        new Map([
          [2, 'b'],
          [1, 'a'],
        ]),
      ),
    );
    expect(fingerprint(new Map([['a', 1]]))).not.toBe(fingerprint({ a: 1 }));
  });

  it('a Map subclass hashes as its class name and a Map (like any class instance, its class counts)', () => {
    class Registry extends Map<string, number> {}
    expect(fingerprint(new Registry([['a', 1]]))).toBe(fingerprint(new Registry([['a', 1]])));
    expect(fingerprint(new Registry([['a', 1]]))).not.toBe(fingerprint(new Map([['a', 1]])));
    expect(fingerprint(new Registry([['b', 1]]))).not.toBe(fingerprint(new Registry([['a', 1]])));
  });
});

describe('shared and cyclic references', () => {
  it('a shared (non-cyclic) object hashes like two equal copies', () => {
    const shared = { x: 1 };
    expect(fingerprint({ a: shared, b: shared })).toBe(fingerprint({ a: { x: 1 }, b: { x: 1 } }));
  });

  it('two equal cycles have the same version', () => {
    const make = () => {
      const node: { name: string; self?: unknown; list: unknown[] } = { name: 'n', list: [] };
      node.self = node;
      node.list.push(node, 1);
      return node;
    };
    expect(fingerprint(make())).toBe(fingerprint(make()));
  });

  it('different cycles differ', () => {
    const a: unknown[] = [1];
    a.push(a);
    const b: unknown[] = [2];
    b.push(b);
    const c: unknown[] = [1, [1]];
    (c[1] as unknown[]).push(c); // points two levels up, not one
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(c));
  });

  it('cycles through Maps and Sets terminate and are stable', () => {
    const make = () => {
      const m = new Map<string, unknown>();
      const s = new Set<unknown>([m, 'x']);
      m.set('set', s).set('me', m);
      return m;
    };
    expect(fingerprint(make())).toBe(fingerprint(make()));
  });

  it('a cycle deeper than the scan window is found', () => {
    const make = (depth: number) => {
      const root: { next: unknown } = { next: null };
      let cur = root;
      for (let i = 0; i < depth; i++) {
        const n = { next: null };
        cur.next = n;
        cur = n;
      }
      cur.next = root;
      return root;
    };
    expect(fingerprint(make(200))).toBe(fingerprint(make(200)));
    expect(fingerprint(make(200))).not.toBe(fingerprint(make(201)));
  });
});

describe('deep nesting', () => {
  it('a 100,000-deep nested array does not overflow the stack', () => {
    const make = (leaf: number) => {
      let v: unknown = leaf;
      for (let i = 0; i < 100_000; i++) v = [v];
      return v;
    };
    expect(fingerprint(make(1))).toBe(fingerprint(make(1)));
    expect(fingerprint(make(1))).not.toBe(fingerprint(make(2)));
  });

  it('a 100,000-node linked list works', () => {
    const make = () => {
      let head: { value: number; next: unknown } | null = null;
      for (let i = 0; i < 100_000; i++) head = { value: i, next: head };
      return head;
    };
    expect(fingerprint(make())).toBe(fingerprint(make()));
  });
});

describe('values from another realm (vm contexts)', () => {
  it('hash like the same values from this realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext(
      '({ o: { b: 2, a: [1, 2] }, d: new Date(0), m: new Map([["k", 1]]), s: new Set([1]), u: new Uint8Array([1]), r: /x/g })',
    ) as unknown;
    const local = {
      o: { b: 2, a: [1, 2] },
      d: new Date(0),
      m: new Map([['k', 1]]),
      s: new Set([1]),
      u: new Uint8Array([1]),
      r: /x/g,
    };
    expect(fingerprint(foreign)).toBe(fingerprint(local));
  });
});
