import {
  Float64,
  Int32,
  RecordBatch,
  Table,
  Utf8,
  makeVector,
  tableFromArrays,
  tableFromJSON,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/fingerprint/index.js';

const make = () =>
  tableFromArrays({
    id: new Int32Array([1, 2, 3, 4]),
    score: new Float64Array([0.5, 1.5, 2.5, 3.5]),
    name: ['a', 'b', 'c', 'd'],
  });

describe('Apache Arrow tables and vectors', () => {
  it('equal tables give equal versions', () => {
    expect(fingerprint(make())).toBe(fingerprint(make()));
  });

  it('a changed cell, a renamed column, a changed type or row order changes the version', () => {
    const base = fingerprint(make());
    const changed = tableFromArrays({
      id: new Int32Array([1, 2, 3, 4]),
      score: new Float64Array([0.5, 1.5, 2.5, 3.25]),
      name: ['a', 'b', 'c', 'd'],
    });
    const renamed = tableFromArrays({
      id: new Int32Array([1, 2, 3, 4]),
      points: new Float64Array([0.5, 1.5, 2.5, 3.5]),
      name: ['a', 'b', 'c', 'd'],
    });
    const retyped = tableFromArrays({
      id: new Float64Array([1, 2, 3, 4]),
      score: new Float64Array([0.5, 1.5, 2.5, 3.5]),
      name: ['a', 'b', 'c', 'd'],
    });
    const text = tableFromArrays({
      id: new Int32Array([1, 2, 3, 4]),
      score: new Float64Array([0.5, 1.5, 2.5, 3.5]),
      name: ['a', 'b', 'c', 'e'],
    });
    const prints = [base, ...[changed, renamed, retyped, text].map((t) => fingerprint(t))];
    expect(new Set(prints).size).toBe(5);
  });

  it('does not depend on how rows are split into record batches', () => {
    const whole = make();
    const split = new Table([...whole.slice(0, 1).batches, ...whole.slice(1).batches]);
    expect(split.batches.length).toBe(2);
    expect(fingerprint(split)).toBe(fingerprint(whole));
  });

  it('nulls count, the bytes under them do not', () => {
    const a = makeVector({
      type: new Int32(),
      data: new Int32Array([1, 0, 3]),
      nullCount: 1,
      nullBitmap: new Uint8Array([0b101]),
    } as never);
    const b = makeVector({
      type: new Int32(),
      data: new Int32Array([1, 99, 3]),
      nullCount: 1,
      nullBitmap: new Uint8Array([0b101]),
    } as never);
    const noNull = vectorFromArray([1, 0, 3], new Int32());
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(noNull));
    expect(fingerprint(vectorFromArray([1, null, 3], new Int32()))).toBe(fingerprint(a));
  });

  it('vectors: equal content equal, type matters', () => {
    expect(fingerprint(vectorFromArray([1, 2], new Float64()))).toBe(
      fingerprint(vectorFromArray([1, 2], new Float64())),
    );
    expect(fingerprint(vectorFromArray([1, 2], new Float64()))).not.toBe(
      fingerprint(vectorFromArray([1, 2], new Int32())),
    );
    expect(fingerprint(vectorFromArray(['x', null], new Utf8()))).not.toBe(
      fingerprint(vectorFromArray(['x', ''], new Utf8())),
    );
  });

  it('nested types (structs, lists) are hashed by content', () => {
    const rows = () =>
      tableFromJSON([
        { s: { x: 1, y: 'q' }, l: [1, 2] },
        { s: { x: 2, y: 'r' }, l: [] },
      ]);
    expect(fingerprint(rows())).toBe(fingerprint(rows()));
    const other = tableFromJSON([
      { s: { x: 1, y: 'q' }, l: [1, 2] },
      { s: { x: 2, y: 'r' }, l: [3] },
    ]);
    expect(fingerprint(rows())).not.toBe(fingerprint(other));
  });

  it('a record batch, a table and a plain array of the same rows differ', () => {
    const t = make();
    const batch: RecordBatch = t.batches[0]!;
    expect(fingerprint(batch)).toBe(fingerprint(make().batches[0]));
    expect(fingerprint(batch)).not.toBe(fingerprint(t));
    expect(fingerprint(t)).not.toBe(fingerprint(t.toArray().map((r) => r.toJSON())));
  });

  it('tables inside other values work', () => {
    expect(fingerprint({ train: make(), k: 3 })).toBe(fingerprint({ k: 3, train: make() }));
  });
});
