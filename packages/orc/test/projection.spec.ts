import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrcFormatError, readOrc, readOrcInfo, typeToString, writeOrc } from '../src/index.js';
import { vectorsDir } from './helpers.js';

describe('column projection and file info', () => {
  const bytes = readFileSync(join(vectorsDir, 'TestOrcFile.test1.orc'));

  it('reads only the selected top-level columns, in the order asked', () => {
    const all = readOrc(bytes).rows() as Record<string, unknown>[];
    const some = readOrc(bytes, { columns: ['string1', 'int1', 'map'] });
    expect(typeToString(some.schema)).toBe(
      'struct<string1:string,int1:int,map:map<string,struct<int1:int,string1:string>>>',
    );
    expect(some.rows()).toEqual(all.map((r) => ({ string1: r['string1'], int1: r['int1'], map: r['map'] })));
  });

  it('names an unknown column', () => {
    expect(() => readOrc(bytes, { columns: ['nope'] })).toThrow(OrcFormatError);
    expect(() => readOrc(bytes, { columns: ['nope'] })).toThrow(/no column 'nope'/);
  });

  it('readOrcInfo gives schema, counts and statistics without decoding stripes', () => {
    const full = readOrc(bytes);
    const info = readOrcInfo(bytes);
    expect(info.schema).toEqual(full.schema);
    expect(info.numRows).toBe(2);
    expect(info.statistics).toEqual(full.statistics);
    expect(info.stripeStatistics).toEqual(full.stripeStatistics);
    expect(info.stripes.map((s) => s.numberOfRows)).toEqual([2]);
    expect(info.statistics[4]).toMatchObject({ int: { min: 65536n, max: 65536n } });
    const ours = readOrcInfo(writeOrc('struct<a:int>', [{ a: 3 }, { a: null }], { metadata: { k: 'v' } }));
    expect(ours).toMatchObject({ numRows: 2, compression: 'ZLIB', softwareVersion: '@dagcache/orc 0.1.0' });
    expect(ours.statistics[1]).toMatchObject({
      numberOfValues: 1,
      hasNull: true,
      int: { min: 3n, max: 3n, sum: 3n },
    });
  });
});
