import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/fingerprint/index.js';

// Each row: a label and a factory, so "equal" is checked on two separately built values.
const kinds: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['false', () => false],
  ['true', () => true],
  ['"true"', () => 'true'],
  ['0', () => 0],
  ['-0', () => -0],
  ['1', () => 1],
  ['"1"', () => '1'],
  ['1n', () => 1n],
  ['-1n', () => -1n],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['""', () => ''],
  ['"ab"', () => 'ab'],
  ['"\\ud800" (lone surrogate)', () => '\ud800'],
  ['"\\ufffd"', () => '\ufffd'],
  ['[]', () => []],
  ['{}', () => ({})],
  ['new Set()', () => new Set()],
  ['new Map()', () => new Map()],
  ['[1]', () => [1]],
  ['[[1]]', () => [[1]]],
  ['[undefined]', () => [undefined]],
  ['[ , ] (hole)', () => new Array(1)],
  ['[null]', () => [null]],
  ['{a: undefined}', () => ({ a: undefined })],
  ['{a: 1}', () => ({ a: 1 })],
  ['{a: "1"}', () => ({ a: '1' })],
  ['Map{a→1}', () => new Map([['a', 1]])],
  ['Set{1}', () => new Set([1])],
  ['Set{"1"}', () => new Set(['1'])],
  ['Date(0)', () => new Date(0)],
  ['Date(1)', () => new Date(1)],
  ['Invalid Date', () => new Date(NaN)],
  ['/a/', () => /a/],
  ['/a/g', () => /a/g],
  ['"/a/"', () => '/a/'],
  ['Uint8Array[97,98]', () => new Uint8Array([97, 98])],
  ['Int8Array[97,98]', () => new Int8Array([97, 98])],
  ['Uint8ClampedArray[97,98]', () => new Uint8ClampedArray([97, 98])],
  ['ArrayBuffer[97,98]', () => new Uint8Array([97, 98]).buffer],
  ['DataView[97,98]', () => new DataView(new Uint8Array([97, 98]).buffer)],
  ['Float64Array[1]', () => new Float64Array([1])],
  ['Uint8Array(bytes of 1.0)', () => new Uint8Array(new Float64Array([1]).buffer)],
  ['BigInt64Array[1n]', () => new BigInt64Array([1n])],
  ['Float32Array[]', () => new Float32Array(0)],
  ['Uint16Array[]', () => new Uint16Array(0)],
  ['URL', () => new URL('https://example.com/a?b=1')],
  ['URL href string', () => 'https://example.com/a?b=1'],
  ['URLSearchParams', () => new URLSearchParams('b=1')],
  ['new Number(1)', () => new Number(1)],
  ['new String("1")', () => new String('1')],
  ['new Boolean(true)', () => new Boolean(true)],
  ['Object(1n)', () => Object(1n)],
  ['Error("x")', () => new Error('x')],
  ['TypeError("x")', () => new TypeError('x')],
  ['Error("y")', () => new Error('y')],
  ['{name: "Error", message: "x"}', () => ({ name: 'Error', message: 'x' })],
];

describe('every kind of value has its own fingerprint', () => {
  const prints = kinds.map(([label, make]) => [label, fingerprint(make())] as const);

  it.each(kinds)('%s is stable (equal values, equal versions)', (_label, make) => {
    expect(fingerprint(make())).toBe(fingerprint(make()));
  });

  it('no two rows of the table collide', () => {
    const seen = new Map<string, string>();
    const collisions: string[] = [];
    for (const [label, fp] of prints) {
      const other = seen.get(fp);
      if (other !== undefined) collisions.push(`${other} == ${label}`);
      seen.set(fp, label);
    }
    expect(collisions).toEqual([]);
  });

  it('is url-safe base64 SHA-256 without padding (43 characters)', () => {
    for (const [, fp] of prints) expect(fp).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('numbers', () => {
  it('cannot tell 1 from 1.0 (the same JavaScript value)', () => {
    expect(fingerprint(1)).toBe(fingerprint(1.0));
  });

  it('has one NaN, whatever its bits', () => {
    const odd = new Float64Array(new BigUint64Array([0x7ff8000000000001n]).buffer)[0]!;
    expect(Number.isNaN(odd)).toBe(true);
    expect(fingerprint(odd)).toBe(fingerprint(NaN));
    expect(fingerprint(0 / 0)).toBe(fingerprint(NaN));
  });

  it('keeps the sign of zero', () => {
    expect(fingerprint(-0)).not.toBe(fingerprint(0));
    expect(fingerprint([-0])).not.toBe(fingerprint([0]));
  });

  it('tells bigints from numbers, and large bigints apart', () => {
    expect(fingerprint(1n)).not.toBe(fingerprint(1));
    expect(fingerprint(2n ** 200n)).not.toBe(fingerprint(2n ** 200n + 1n));
    expect(fingerprint(2n ** 200n)).toBe(fingerprint(2n ** 200n));
  });
});

describe('strings and bytes', () => {
  it('hashes unicode by content', () => {
    expect(fingerprint('héllo wörld ✓ 𝄞')).toBe(fingerprint('héllo wörld ✓ 𝄞'));
    expect(fingerprint('héllo')).not.toBe(fingerprint('hello'));
  });

  it('keeps string boundaries (length-prefixed)', () => {
    expect(fingerprint(['ab', 'c'])).not.toBe(fingerprint(['a', 'bc']));
    expect(fingerprint({ ab: 'c' })).not.toBe(fingerprint({ a: 'bc' }));
  });

  it('handles long strings (beyond the scratch buffer) by content', () => {
    const long = 'x'.repeat(200_000) + 'é'.repeat(50_000);
    expect(fingerprint(long)).toBe(fingerprint(long.slice(0)));
    expect(fingerprint(long)).not.toBe(fingerprint(long + 'x'));
  });

  it('a Buffer is not the string it holds, but is the Uint8Array with its bytes', () => {
    expect(fingerprint(Buffer.from('ab'))).not.toBe(fingerprint('ab'));
    expect(fingerprint(Buffer.from('ab'))).toBe(fingerprint(new Uint8Array([97, 98])));
  });
});

describe('typed arrays', () => {
  it('tags the element type: same bytes, different type, different version', () => {
    const f = new Float64Array([1, 2, 3]);
    expect(fingerprint(f)).not.toBe(fingerprint(new Uint8Array(f.buffer)));
    expect(fingerprint(f)).not.toBe(fingerprint(new BigInt64Array(f.buffer)));
    expect(fingerprint(new Int32Array([1]))).not.toBe(fingerprint(new Uint32Array([1])));
  });

  it('hashes only the viewed bytes', () => {
    const big = new Float64Array([9, 1, 2, 9]);
    expect(fingerprint(big.subarray(1, 3))).toBe(fingerprint(new Float64Array([1, 2])));
    expect(fingerprint(new DataView(big.buffer, 8, 16))).toBe(
      fingerprint(new DataView(new Float64Array([1, 2]).buffer)),
    );
  });

  it('sees a one-element change in a large array', () => {
    const a = new Float64Array(1_000_000).fill(1.5);
    const b = a.slice();
    b[999_999] = 1.25;
    expect(fingerprint(a)).toBe(fingerprint(a.slice()));
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });

  it('is not a plain array of the same numbers', () => {
    expect(fingerprint(new Float64Array([1, 2]))).not.toBe(fingerprint([1, 2]));
  });
});

describe('dates, regular expressions, URLs, errors, boxed primitives', () => {
  it('Dates by time value', () => {
    expect(fingerprint(new Date('2024-01-01T00:00:00Z'))).toBe(fingerprint(new Date(Date.UTC(2024, 0, 1))));
    expect(fingerprint(new Date(0))).not.toBe(fingerprint(0));
    expect(fingerprint(new Date(NaN))).toBe(fingerprint(new Date('not a date')));
  });

  it('RegExps by source and flags, not lastIndex', () => {
    const r = /a/g;
    r.lastIndex = 3;
    expect(fingerprint(r)).toBe(fingerprint(/a/g));
    expect(fingerprint(/a/gi)).toBe(fingerprint(/a/gi));
    expect(fingerprint(/a/i)).not.toBe(fingerprint(/a/g));
  });

  it('URLs by canonical href', () => {
    expect(fingerprint(new URL('HTTPS://Example.com/a/../b'))).toBe(
      fingerprint(new URL('https://example.com/b')),
    );
  });

  it('Errors by class, name, message, own properties and cause; not the stack', () => {
    const a = Object.assign(new Error('boom'), { code: 'E1' });
    const b = Object.assign(new Error('boom'), { code: 'E1' });
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(Object.assign(new Error('boom'), { code: 'E2' })));
    expect(fingerprint(new Error('x', { cause: 1 }))).not.toBe(fingerprint(new Error('x', { cause: 2 })));
    class MyError extends Error {}
    expect(fingerprint(new MyError('x'))).not.toBe(fingerprint(new Error('x')));
  });

  it('boxed primitives differ from their primitives and from each other', () => {
    expect(fingerprint(new Number(1))).toBe(fingerprint(new Number(1)));
    expect(fingerprint(new Number(1))).not.toBe(fingerprint(1));
    expect(fingerprint(new String('a'))).not.toBe(fingerprint('a'));
    expect(fingerprint(new Boolean(false))).not.toBe(fingerprint(new Boolean(true)));
  });
});
