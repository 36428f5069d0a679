import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UnhashableValueError } from '../../src/errors.js';
import { fingerprint } from '../../src/fingerprint/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');

function errorOf(fn: () => unknown): UnhashableValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnhashableValueError);
    return e as UnhashableValueError;
  }
  throw new Error('expected an UnhashableValueError, nothing was thrown');
}

class Index<K, V> extends Map<K, V> {
  version = 1;
}
class Stamp extends Date {
  zone = 'UTC';
}
class Tags extends Set<string> {
  owner = 'a';
}
class Pattern extends RegExp {
  label = 'p';
}
class Rows<T> extends Array<T> {
  version = 1;
}
class Vec extends Float64Array {
  unit = 'm';
}
class Link extends URL {
  label = 'home';
}

describe('built-in subclasses and extra own properties are part of the fingerprint', () => {
  it('a Map subclass with a field: the field counts, and it differs from a plain Map', () => {
    const a = new Index([['k', 1]]);
    const b = new Index([['k', 1]]);
    expect(fingerprint(a)).toBe(fingerprint(b));
    b.version = 2;
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(new Map([['k', 1]])));
  });

  it('a Date subclass with a field', () => {
    const a = new Stamp(0);
    const b = new Stamp(0);
    expect(fingerprint(a)).toBe(fingerprint(b));
    b.zone = 'CET';
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(new Date(0)));
  });

  it('Set, RegExp, Array, typed array and URL subclasses', () => {
    const pairs: [unknown, unknown, unknown][] = [
      [new Tags(['x']), Object.assign(new Tags(['x']), { owner: 'b' }), new Set(['x'])],
      [new Pattern('a+', 'g'), Object.assign(new Pattern('a+', 'g'), { label: 'q' }), /a+/g],
      [Rows.from([1, 2]), Object.assign(Rows.from([1, 2]), { version: 2 }), [1, 2]],
      [new Vec([1, 2]), Object.assign(new Vec([1, 2]), { unit: 'km' }), new Float64Array([1, 2])],
      [new Link('https://a.example/'), Object.assign(new Link('https://a.example/'), { label: 'x' }), new URL('https://a.example/')],
    ];
    for (const [a, changed, plain] of pairs) {
      expect(fingerprint(a)).not.toBe(fingerprint(changed));
      expect(fingerprint(a)).not.toBe(fingerprint(plain));
    }
  });

  it('an array subclass without fields still differs from a plain array (its class counts)', () => {
    class Plain<T> extends Array<T> {}
    expect(fingerprint(Plain.from([1]))).not.toBe(fingerprint([1]));
  });

  it('own properties added to Map, Set, Date, RegExp, ArrayBuffer, DataView and boxed primitives', () => {
    const makers: (() => object)[] = [
      () => new Map([[1, 2]]),
      () => new Set([1]),
      () => new Date(5),
      () => /x/,
      () => new ArrayBuffer(2),
      () => new DataView(new ArrayBuffer(2)),
      () => Object(1) as object,
      () => Object('ab') as object,
      () => Object(true) as object,
      () => new URLSearchParams('a=1'),
    ];
    for (const make of makers) {
      const bare = make();
      const v1 = Object.assign(make(), { version: 1 });
      const v2 = Object.assign(make(), { version: 2 });
      expect(fingerprint(v1), String(bare)).not.toBe(fingerprint(v2));
      expect(fingerprint(v1), String(bare)).not.toBe(fingerprint(bare));
      expect(fingerprint(make()), String(bare)).toBe(fingerprint(bare));
    }
  });

  it('a boxed string hashes its characters once: its index keys are not extra properties', () => {
    expect(fingerprint(Object('ab'))).toBe(fingerprint(Object('ab')));
    expect(fingerprint(Object('ab'))).not.toBe(fingerprint(Object('ba')));
  });

  it('documented exceptions: Buffer hashes like Uint8Array; named properties of plain arrays and plain typed arrays are not read', () => {
    expect(fingerprint(Buffer.from('ab'))).toBe(fingerprint(new Uint8Array([97, 98])));
    expect(fingerprint(Object.assign([1], { note: 'x' }))).toBe(fingerprint([1]));
    expect(fingerprint(Object.assign(new Float64Array(1), { note: 'x' }))).toBe(fingerprint(new Float64Array(1)));
  });
});

describe('sparse arrays are walked by their own keys', () => {
  it('holes are distinct from undefined and from shorter arrays', () => {
    expect(fingerprint([, 1])).not.toBe(fingerprint([undefined, 1]));
    expect(fingerprint([1, ,])).not.toBe(fingerprint([1]));
    expect(fingerprint([, ,])).not.toBe(fingerprint([,]));
  });

  it('equal sparse arrays are equal however they were built, and where the elements sit counts', () => {
    const a: number[] = [];
    a[100] = 1;
    const b = new Array<number>(101);
    b[100] = 1;
    const c: number[] = [];
    c[99] = 1;
    c.length = 101;
    const d = [1, 2];
    d.length = 50;
    const e = [1, 2, ...new Array<number>(48)];
    delete e[2];
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(c));
    expect(fingerprint(d)).not.toBe(fingerprint([1, 2]));
    const f = [1, 2];
    f.length = 50;
    expect(fingerprint(d)).toBe(fingerprint(f));
    // `e` has undefined values from index 3 on, `d` holes
    expect(fingerprint(d)).not.toBe(fingerprint(e));
  });
});

describe('shared sub-structures', () => {
  it('hash like copies: values, not identities (small and large shared objects)', () => {
    const small = { a: 1 };
    const large = { rows: Array.from({ length: 200 }, (_, i) => ({ i, name: `row-${i}` })) };
    for (const x of [small, large]) {
      const copy = () => structuredClone(x);
      expect(fingerprint({ a: x, b: x })).toBe(fingerprint({ a: copy(), b: copy() }));
      expect(fingerprint([x, [x, { x }]])).toBe(fingerprint([copy(), [copy(), { x: copy() }]]));
      expect(fingerprint(new Map([['k', x]]))).toBe(fingerprint(new Map([['k', copy()]])));
    }
  });

  it('a large object nested in different places keeps one fingerprint per value', () => {
    const big = Array.from({ length: 500 }, (_, i) => i);
    const other = [...big];
    other[499] = -1;
    expect(fingerprint({ x: big })).not.toBe(fingerprint({ x: other }));
    expect(fingerprint({ x: big, y: big })).not.toBe(fingerprint({ x: big, y: other }));
    expect(fingerprint([{ x: big }])).toBe(fingerprint([{ x: [...big] }]));
  });

  it('a large nested object holding a cycle is hashed the same wherever it is met', () => {
    const make = () => {
      const node: Record<string, unknown> = { data: Array.from({ length: 300 }, (_, i) => i) };
      node.self = node;
      return node;
    };
    const n = make();
    expect(fingerprint({ a: n, b: [n] })).toBe(fingerprint({ a: make(), b: [make()] }));
  });
});

describe('errors while reading a value name the path', () => {
  it('a throwing getter', () => {
    const value = {
      ok: 1,
      inner: {
        get broken(): number {
          throw new Error('getter boom');
        },
      },
    };
    const e = errorOf(() => fingerprint(value, { root: 'params' }));
    expect(e.path).toBe('params.inner.broken');
    expect(e.message).toContain('params.inner.broken');
    expect(e.message).toContain('getter boom');
  });

  it('a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    const e = errorOf(() => fingerprint({ rows: [1, proxy] }, { root: 'data' }));
    expect(e.path).toBe('data.rows[1]');
    expect(e.typeName).toBe('Proxy');
    expect(e.message).toMatch(/data\.rows\[1\].*revoked/);
    expect(errorOf(() => fingerprint(proxy, { root: 'x' })).path).toBe('x');
  });

  it('a Proxy over a Map (its methods reject the proxy)', () => {
    const e = errorOf(() => fingerprint({ m: new Proxy(new Map([[1, 2]]), {}) }, { root: 'v' }));
    expect(e.path).toBe('v.m');
    expect(e.typeName).toBe('Proxy');
  });

  it('a getter inside a Map value and a Set item', () => {
    const bad = {
      get x(): number {
        throw new TypeError('nope');
      },
    };
    expect(errorOf(() => fingerprint(new Map([['k', bad]]), { root: 'm' })).path).toBe('m.get("k").x');
    expect(errorOf(() => fingerprint(new Set([1, bad]), { root: 's' })).path).toBe('s.values()[1].x');
  });
});

// Values that made fingerprinting run for hours: each case runs in a child process with a time limit, so a
// regression fails here instead of hanging the suite.
describe('hostile shapes finish in a child process', () => {
  const run = async (name: string) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@dagcache/source', join(here, 'fixtures', 'hostile-run.ts'), 'fingerprint', name],
      { cwd: packageDir, timeout: 100_000, killSignal: 'SIGKILL' },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it('an array with length 2**32 - 1 and two elements', async () => {
    const out = await run('sparse');
    expect(out.fingerprint).toMatch(/^[\w-]{43}$/);
    expect(out.differsFromTwoElements).toBe(true);
  });

  it('v = [v, v], 40 levels deep (2^40 paths)', async () => {
    const out = await run('shared');
    expect(out.fingerprint).toMatch(/^[\w-]{43}$/);
    expect(out.sameAsRebuilt).toBe(true);
  });

  it('a dense cyclic graph (every object points at every other) is an error, not a hang', async () => {
    const out = await run('cyclic');
    expect(out.error).toBe('UnhashableValueError');
    expect(out.message).toMatch(/cannot fingerprint g\.\S+ .*cycl/);
  }, 120_000);
});
