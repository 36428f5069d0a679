import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { fingerprint } from '../../src/fingerprint/index.js';
import { getFormat } from '../../src/formats/registry.js';
import type { FormatName } from '../../src/formats/result-format.js';
import { context } from './helpers.js';

// The rule for json and pickle: decode gives back a value with the same fingerprint as the one encoded,
// or encode refuses it with a FormatError naming the node and the path inside the value.

async function encode(name: FormatName, value: unknown) {
  const fmt = await getFormat(name);
  return fmt.encode(value, context());
}

async function roundTrip(name: FormatName, value: unknown): Promise<unknown> {
  const fmt = await getFormat(name);
  const ctx = context();
  const { bytes, meta } = await fmt.encode(value, ctx);
  return fmt.decode(new Uint8Array(bytes), { ...(meta ?? {}) }, ctx);
}

async function refusal(name: FormatName, value: unknown): Promise<FormatError> {
  const err = await encode(name, value).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a FormatError').toBeInstanceOf(FormatError);
  return err as FormatError;
}

class Index<K, V> extends Map<K, V> {
  version = 1;
}
class Tags extends Set<string> {}
class Stamp extends Date {
  zone = 'UTC';
}
class Rows<T> extends Array<T> {}
class Vec extends Float64Array {}
class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}
class NamedError extends Error {
  override name = 'NamedError';
  code = 'E_X';
}

/** Values that built-ins or subclasses make hard to carry, with where the trouble is. */
function hostile(): [string, unknown, string][] {
  const date = Object.assign(new Date(0), { tz: 'UTC' });
  return [
    ['Map subclass with a field', { m: new Index([['a', 1]]) }, 'my_node.m'],
    ['Map with an own property', { m: Object.assign(new Map(), { v: 1 }) }, 'my_node.m'],
    ['Set subclass', [new Tags(['a'])], 'my_node[0]'],
    ['Date subclass', { at: new Stamp(0) }, 'my_node.at'],
    ['Date with an own property', { at: date }, 'my_node.at'],
    ['Array subclass', { rows: Rows.from([1]) }, 'my_node.rows'],
    ['typed array subclass', { v: new Vec(2) }, 'my_node.v'],
    ['class instance', { p: new Point(1, 2) }, 'my_node.p'],
    ['URL', { u: new URL('https://example.com/') }, 'my_node.u'],
    ['Error with a code', { e: Object.assign(new TypeError('bad'), { code: 'E' }) }, 'my_node.e'],
    ['Error subclass', { e: new NamedError('bad') }, 'my_node.e'],
    ['Arrow table', { t: tableFromArrays({ a: new Int32Array([1]) }) }, 'my_node.t'],
  ];
}

describe('pickle: refuses what node:v8 would give back changed, naming the node and the path', () => {
  it.each(hostile())('%s', async (_label, value, path) => {
    const err = await refusal('pickle', value);
    expect(err.message).toContain('node "my_node"');
    expect(err.message).toContain(path);
  });

  it('names what changes: a Map subclass comes back as a plain Map', async () => {
    const err = await refusal('pickle', { m: new Index([['a', 1]]) });
    expect(err.message).toMatch(/Index.*plain Map/);
  });

  it('names a Proxy it cannot clone', async () => {
    const err = await refusal('pickle', { a: [1, new Proxy({ x: 1 }, {})] });
    expect(err.message).toContain('my_node.a[1]');
    expect(err.message).toContain('Proxy');
  });

  it('keeps, with the same fingerprint: Maps, Sets, Dates, RegExps, typed arrays, holes, cycles, shared objects', async () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const shared = { x: [1, 2, 3] };
    const huge = [1, 2];
    huge.length = 2 ** 32 - 1;
    const values: unknown[] = [
      new Map<unknown, unknown>([[{ k: 1 }, new Set([1, 'a', [2]])]]),
      { d: new Date(5), r: /a+/gi, f: new Float32Array([1.5]), b: Buffer.from('x'), u: new Uint8Array(3) },
      [1, , 3],
      huge,
      cyclic,
      { a: shared, b: shared },
      Object.assign(Object.create(null) as object, { z: -0, n: Number.NaN, big: 10n ** 30n }),
      { [Symbol('hidden')]: 1, seen: true },
      [Object(1), Object('s'), Object(false)],
      new TypeError('plain error'),
      new ArrayBuffer(4),
      new DataView(new ArrayBuffer(4), 1, 2),
      new Float64Array(300_000),
    ];
    for (const v of values) {
      const back = await roundTrip('pickle', v);
      expect(fingerprint(back)).toBe(fingerprint(v));
    }
  });
});

describe('json: refuses what JSON would change, naming the node and the path', () => {
  it('a hole in an array (JSON writes null)', async () => {
    const err = await refusal('json', { list: [1, , 3] });
    expect(err.message).toContain('node "my_node"');
    expect(err.message).toContain('my_node.list[1]');
  });

  it('an array of length 2**32 - 1 with two elements, without walking four billion slots', async () => {
    const a = [1, 2];
    a.length = 2 ** 32 - 1;
    const err = await refusal('json', a);
    expect(err.message).toContain('my_node[2]');
  });

  it('an Array subclass (JSON gives back a plain array)', async () => {
    const err = await refusal('json', { rows: Rows.from([1]) });
    expect(err.message).toMatch(/my_node\.rows.*Rows/);
  });

  it('a shared structure whose JSON text would be exponentially long', async () => {
    type V = V[];
    let v: V = [];
    for (let i = 0; i < 40; i++) v = [v, v];
    const err = await refusal('json', { v });
    expect(err.message).toContain('node "my_node"');
  });

  it('a getter that throws and a revoked Proxy are FormatErrors naming the path', async () => {
    const getter = {
      get x(): number {
        throw new Error('boom');
      },
    };
    expect((await refusal('json', { a: getter })).message).toMatch(/my_node\.a\.x.*boom/);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect((await refusal('json', { a: [proxy] })).message).toContain('my_node.a[0]');
  });

  it('a value nested 100,000 deep is refused with a FormatError, not a stack overflow', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const err = await encode('json', deep).catch((e: unknown) => e);
    // Either JSON holds it exactly or it is a FormatError; never a RangeError.
    if (err instanceof Error) expect(err).toBeInstanceOf(FormatError);
    else expect(fingerprint(await roundTrip('json', deep))).toBe(fingerprint(deep));
  });

  it('keeps, with the same fingerprint: shared objects, null-prototype objects, unicode, big and small numbers', async () => {
    const shared = { x: [1, 2] };
    const values: unknown[] = [
      { a: shared, b: shared },
      Object.assign(Object.create(null) as object, { a: 1 }),
      ['\ud800', 'é', '𝄞', 1e21, 5e-324, -1.5],
      { [Symbol('s')]: 1, v: [true, false, null] },
    ];
    for (const v of values) expect(fingerprint(await roundTrip('json', v))).toBe(fingerprint(v));
  });
});
