import { EventEmitter } from 'node:events';
import { createServer, Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UnhashableValueError } from '../../src/errors.js';
import { fingerprint } from '../../src/fingerprint/index.js';

function errorOf(fn: () => unknown): UnhashableValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnhashableValueError);
    return e as UnhashableValueError;
  }
  throw new Error('expected an UnhashableValueError, nothing was thrown');
}

describe('unhashable values name the path inside the value', () => {
  it('a function in a nested object', () => {
    const e = errorOf(() => fingerprint({ params: { lr: 0.1, onProgress: () => {} } }, { root: 'model' }));
    expect(e.path).toBe('model.params.onProgress');
    expect(e.typeName).toBe('Function');
    expect(e.message).toContain('model.params.onProgress');
    expect(e.message).toContain('Function');
  });

  it('array indices', () => {
    const rows = [{ cb: 1 }, { cb: 2 }, { cb: 3 }, { cb: () => 4 }];
    expect(errorOf(() => fingerprint({ rows })).path).toBe('value.rows[3].cb');
    expect(errorOf(() => fingerprint(rows, { root: 'rows' })).path).toBe('rows[3].cb');
  });

  it('Map values and keys, Set items', () => {
    const m = new Map<unknown, unknown>([
      ['ok', 1],
      ['save', { handler: () => 1 }],
    ]);
    expect(errorOf(() => fingerprint(m, { root: 'handlers' })).path).toBe('handlers.get("save").handler');
    expect(errorOf(() => fingerprint(new Map([[7, Symbol('s')]]), { root: 'm' })).path).toBe('m.get(7)');
    const mixed = new Map<unknown, unknown>([
      [1, 'ok'],
      ['cb', () => 1],
    ]);
    expect(errorOf(() => fingerprint(mixed, { root: 'm' })).path).toBe('m.get("cb")');
    const objKey = new Map<unknown, unknown>([[{ id: 1 }, () => 1]]);
    expect(errorOf(() => fingerprint(objKey, { root: 'm' })).path).toBe('m.get(<key #0>)');
    const fnKey = new Map([[() => 1, 'v']]);
    expect(errorOf(() => fingerprint(fnKey, { root: 'm' })).path).toBe('m.keys()[0]');
    expect(errorOf(() => fingerprint(new Set([1, () => 1]), { root: 's' })).path).toBe('s.values()[1]');
  });

  it('keys that are not identifiers are quoted', () => {
    expect(errorOf(() => fingerprint({ 'a b': { 0: () => 1 } }, { root: 'x' })).path).toBe('x["a b"]["0"]');
  });

  it('the root itself, with the default root name', () => {
    const e = errorOf(() => fingerprint(() => 1));
    expect(e.path).toBe('value');
  });

  it('a function returned by a fingerprint handler is reported inside it', () => {
    class Job {
      [Symbol.for('dagcache.fingerprint')]() {
        return { run: () => 1 };
      }
    }
    const e = errorOf(() => fingerprint({ job: new Job() }, { root: 'cfg' }));
    expect(e.path).toBe("cfg.job[Symbol.for('dagcache.fingerprint')]().run");
  });
});

describe('what cannot be fingerprinted', () => {
  const cases: [string, () => unknown, string][] = [
    ['a symbol', () => Symbol('x'), 'Symbol'],
    ['a registered symbol', () => Symbol.for('x'), 'Symbol'],
    ['a boxed symbol', () => Object(Symbol('x')), 'Symbol'],
    ['a class (constructor function)', () => class A {}, 'Function'],
    ['a Promise (await it first)', () => Promise.resolve(1), 'Promise'],
    [
      'a thenable',
      () =>
        new (class Later {
          then() {}
        })(),
      'Later',
    ],
    ['a WeakMap', () => new WeakMap(), 'WeakMap'],
    ['a WeakSet', () => new WeakSet(), 'WeakSet'],
    ['a WeakRef', () => new WeakRef({}), 'WeakRef'],
    ['an EventEmitter', () => new EventEmitter(), 'EventEmitter'],
    ['a Node stream', () => Readable.from([1]), 'Readable'],
    ['a PassThrough', () => new PassThrough(), 'PassThrough'],
    ['a socket', () => new Socket(), 'Socket'],
    ['a server', () => createServer(), 'Server'],
    ['a web ReadableStream', () => new ReadableStream(), 'ReadableStream'],
    ['an AbortSignal (EventTarget)', () => new AbortController().signal, 'AbortSignal'],
    ['a Blob', () => new Blob(['x']), 'Blob'],
    ['a generator', () => (function* () {})(), 'Iterator'],
    ['an async generator', () => (async function* () {})(), 'AsyncIterator'],
    ['an array iterator', () => [1, 2][Symbol.iterator](), 'Iterator'],
    ['a Map iterator', () => new Map().entries(), 'Iterator'],
    [
      'a hand-written iterator class',
      () =>
        new (class Counter {
          next() {
            return { done: true, value: undefined };
          }
          [Symbol.iterator]() {
            return this;
          }
        })(),
      'Counter',
    ],
  ];

  it.each(cases)('%s', (_label, make, typeName) => {
    const value = make();
    const e = errorOf(() => fingerprint({ deep: [value] }, { root: 'node' }));
    expect(e.path).toBe('node.deep[0]');
    expect(e.typeName).toBe(typeName);
    if (value instanceof Socket) value.destroy();
    if (
      value &&
      typeof (value as { close?: unknown }).close === 'function' &&
      !(value instanceof ReadableStream)
    ) {
      (value as { close(): void }).close();
    }
  });

  it('a class instance with no visible state (private #fields only) is unhashable, not a constant', () => {
    class Secret {
      #value: number;
      constructor(value: number) {
        this.#value = value;
      }
      get value() {
        return this.#value;
      }
    }
    const e = errorOf(() => fingerprint({ s: new Secret(1) }, { root: 'cfg' }));
    expect(e.path).toBe('cfg.s');
    expect(e.typeName).toBe('Secret');
    expect(e.message).toMatch(/private/);
    expect(() => fingerprint(new (class {})())).toThrow(UnhashableValueError);
    expect(() => fingerprint(new TextEncoder())).toThrow(UnhashableValueError);
  });

  it('tells the user to await a Promise', () => {
    expect(errorOf(() => fingerprint(Promise.resolve(1))).message).toMatch(/await/);
  });

  it('a nested unhashable value poisons the whole value (never a constant)', () => {
    // Hamilton hashes "<unhashable>" for nested values, so [Path('/a')] == [Path('/b')]. Not here.
    expect(() => fingerprint([1, 2, { a: [new Map([['k', () => 1]])] }])).toThrow(UnhashableValueError);
  });

  it('a fingerprint after an error starts clean', () => {
    const before = fingerprint({ a: [1, { b: 2 }] });
    expect(() => fingerprint({ a: [1, { b: () => 2 }] })).toThrow(UnhashableValueError);
    expect(fingerprint({ a: [1, { b: 2 }] })).toBe(before);
  });
});
