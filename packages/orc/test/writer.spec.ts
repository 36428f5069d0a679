import { describe, expect, it } from 'vitest';
import { OrcFormatError, readOrc, writeOrc, type Compression, type OrcValue } from '../src/index.js';

const schema =
  'struct<b:boolean,t:tinyint,s:smallint,i:int,l:bigint,f:float,d:double,str:string,c:char(3),vc:varchar(5),' +
  'bin:binary,dt:date,ts:timestamp,tsl:timestamp with local time zone,dec:decimal(10,2),big:decimal(38,6),' +
  'lst:array<int>,m:map<string,double>,st:struct<x:int,y:array<string>>,u:uniontype<int,string,struct<q:bigint>>>';

function sampleRows(n: number): Record<string, OrcValue>[] {
  const rows: Record<string, OrcValue>[] = [];
  for (let k = 0; k < n; k++) {
    const nul = k % 7 === 3;
    rows.push({
      b: nul ? null : k % 3 === 0,
      t: nul ? null : (k % 256) - 128,
      s: nul ? null : ((k * 37) % 65536) - 32768,
      i: nul ? null : (k * 2654435761) % 2147483647,
      l: nul ? null : BigInt(k) * 1_000_000_007_919n - (k % 2 ? 9_000_000_000_000_000_000n : 0n),
      f: nul ? null : Math.fround(k / 3),
      d: nul ? null : k % 5 === 0 ? -0 : k * 1.1e-3,
      str: nul ? null : k % 4 === 0 ? '' : `s${k % 50}é😀`,
      c: nul ? null : 'ab ',
      vc: nul ? null : 'x'.repeat(k % 6),
      bin: nul ? null : new Uint8Array([k & 255, 0, 255]).subarray(0, k % 4),
      dt: nul ? null : new Date(Date.UTC(1900 + (k % 300), k % 12, 1 + (k % 28))),
      ts: nul ? null : BigInt(k - 50) * 86_400_123_456_789n + BigInt(k % 3) * 100n,
      tsl: nul ? null : BigInt(k) * 1_000_000_001n - 5_000_000_000n,
      dec: nul ? null : ((k - 20) * 12.34).toFixed(2),
      big: nul ? null : `${k % 2 ? '-' : ''}${'9'.repeat(30)}.${String(k).padStart(6, '0')}`,
      lst: nul ? null : Array.from({ length: k % 4 }, (_, j) => (j === 1 ? null : j * k)),
      m: nul
        ? null
        : Array.from({ length: k % 3 }, (_, j) => ({ key: `k${j}`, value: j === 2 ? null : j / 2 })),
      st: nul ? null : { x: k % 5 === 0 ? null : k, y: k % 2 ? [`a${k}`] : [] },
      u: nul
        ? null
        : k % 3 === 0
          ? { tag: 0, value: k }
          : k % 3 === 1
            ? { tag: 1, value: k % 9 === 1 ? null : `u${k}` }
            : { tag: 2, value: { q: BigInt(-k) } },
    });
  }
  return rows;
}

const codecs: Compression[] = ['none', 'zlib', 'snappy', 'lz4', 'zstd'];

describe('writer round trips', () => {
  const rows = sampleRows(500);
  for (const compression of codecs) {
    it(`every type, ${compression}`, () => {
      const bytes = writeOrc(schema, rows, { compression });
      const file = readOrc(bytes);
      expect(file.compression).toBe(compression.toUpperCase());
      expect(file.numRows).toBe(rows.length);
      const back = file.rows() as Record<string, OrcValue>[];
      // char(3) values come back padded, as ORC defines them.
      expect(back).toEqual(rows);
    });
  }

  it('several stripes, nested values crossing stripe boundaries', () => {
    const bytes = writeOrc(schema, rows, { stripeRows: 77, compression: 'zstd' });
    const file = readOrc(bytes);
    expect(file.stripes.length).toBe(Math.ceil(rows.length / 77));
    expect(file.stripeStatistics.length).toBe(file.stripes.length);
    expect(file.rows()).toEqual(rows);
  });

  it('0 rows', () => {
    const file = readOrc(writeOrc(schema, []));
    expect(file.numRows).toBe(0);
    expect(file.rows()).toEqual([]);
    expect(file.stripes).toEqual([]);
    expect(file.statistics[1]).toMatchObject({ numberOfValues: 0 });
  });

  it('all-null columns', () => {
    const nulls = Array.from({ length: 1000 }, () =>
      Object.fromEntries(
        [
          'b',
          't',
          's',
          'i',
          'l',
          'f',
          'd',
          'str',
          'c',
          'vc',
          'bin',
          'dt',
          'ts',
          'tsl',
          'dec',
          'big',
          'lst',
          'm',
          'st',
          'u',
        ].map((k) => [k, null]),
      ),
    );
    const file = readOrc(writeOrc(schema, nulls, { compression: 'snappy' }));
    expect(file.rows()).toEqual(nulls);
    expect(file.statistics[1]).toMatchObject({ numberOfValues: 0, hasNull: true });
  });

  it('a non-struct root type', () => {
    const values = [1n, null, -5n, 2n ** 63n - 1n];
    expect(readOrc(writeOrc('bigint', values)).rows()).toEqual(values);
  });

  it('dictionary or direct strings by cardinality, both readable', () => {
    const low = Array.from({ length: 5000 }, (_, k) => ({ s: `v${k % 10}` }));
    const high = Array.from({ length: 5000 }, (_, k) => ({ s: `v${k}` }));
    const a = readOrc(writeOrc('struct<s:string>', low));
    const b = readOrc(writeOrc('struct<s:string>', high));
    expect(a.stripes[0]!.encodings[1]).toBe('DICTIONARY_V2');
    expect(b.stripes[0]!.encodings[1]).toBe('DIRECT_V2');
    expect(a.rows()).toEqual(low);
    expect(b.rows()).toEqual(high);
    const never = readOrc(writeOrc('struct<s:string>', low, { dictionary: 'never' }));
    expect(never.stripes[0]!.encodings[1]).toBe('DIRECT_V2');
    expect(never.rows()).toEqual(low);
  });

  it("timestamps just before 1970 (in (-1 s, 0)), which ORC's truncated seconds cannot express", () => {
    const values = [-1n, -500_000_000n, -999_999_999n, -1_000_000_000n, -1_500_000_000n, 0n, 500_000_000n];
    expect(readOrc(writeOrc('timestamp', values)).rows()).toEqual(values);
    // Without such a value the column keeps ORC's usual (truncated) encoding.
    const usual = [-1_500_000_000n, -2n * 10n ** 9n, 7n];
    const file = readOrc(writeOrc('timestamp', usual));
    expect(file.schema.attributes).toBeUndefined();
    expect(file.rows()).toEqual(usual);
  });

  it('user metadata', () => {
    const file = readOrc(
      writeOrc('struct<a:int>', [{ a: 1 }], { metadata: { k: 'v', raw: new Uint8Array([0, 255]) } }),
    );
    expect(new TextDecoder().decode(file.metadata['k'])).toBe('v');
    expect([...file.metadata['raw']!]).toEqual([0, 255]);
  });

  it('1,000,000 rows, several stripes', () => {
    const n = 1_000_000;
    const ints = new Array<number | null>(n);
    const dbl = new Array<number>(n);
    const strs = new Array<string | null>(n);
    const rows = new Array<Record<string, OrcValue>>(n);
    for (let k = 0; k < n; k++) {
      ints[k] = k % 10 === 0 ? null : k * 7 - 3_000_000;
      dbl[k] = k / 7;
      strs[k] = k % 3 === 0 ? null : `name-${k % 1000}`;
      rows[k] = { i: ints[k]!, d: dbl[k]!, s: strs[k]! };
    }
    const bytes = writeOrc('struct<i:int,d:double,s:string>', rows, {
      compression: 'zstd',
      stripeRows: 300_000,
    });
    const file = readOrc(bytes);
    expect(file.numRows).toBe(n);
    expect(file.stripes.map((s) => s.numberOfRows)).toEqual([300_000, 300_000, 300_000, 100_000]);
    const [ci, cd, cs] = file.data.children!;
    for (let k = 0; k < n; k++) {
      if ((ints[k] === null) !== (ci!.present![k] === 0)) throw new Error(`null mismatch at ${k}`);
      if (ints[k] !== null && ci!.values![k] !== ints[k]) throw new Error(`int mismatch at ${k}`);
      if (cd!.values![k] !== dbl[k]) throw new Error(`double mismatch at ${k}`);
      if ((strs[k] ?? '') !== cs!.strings![k]) throw new Error(`string mismatch at ${k}`);
    }
    expect(file.statistics[1]).toMatchObject({ numberOfValues: n - n / 10, hasNull: true });
  });

  it('rejects values that do not fit, naming column and row', () => {
    expect(() => writeOrc('struct<a:tinyint>', [{ a: 1 }, { a: 200 }])).toThrow(OrcFormatError);
    expect(() => writeOrc('struct<a:tinyint>', [{ a: 1 }, { a: 200 }])).toThrow(/column a row 1/);
    expect(() => writeOrc('struct<s:struct<x:string>>', [{ s: { x: 5 } }])).toThrow(
      /column s\.x row 0: expected a string/,
    );
    expect(() => writeOrc('struct<d:decimal(4,2)>', [{ d: '123.45' }])).toThrow(
      /does not fit decimal\(4,2\)/,
    );
    expect(() => writeOrc('struct<v:varchar(2)>', [{ v: 'abc' }])).toThrow(/longer than varchar\(2\)/);
    expect(() => writeOrc('struct<a:int', [])).toThrow(OrcFormatError);
  });
});

describe('statistics read back', () => {
  it('string min/max use UTF-8 byte order, across stripes', () => {
    const rows = [{ s: '\uFFFD' }, { s: '😀' }, { s: 'a' }, { s: '\uE000' }];
    const file = readOrc(writeOrc('struct<s:string>', rows, { stripeRows: 2 }));
    expect(file.statistics[1]).toMatchObject({ string: { min: 'a', max: '😀' } });
  });

  it('match the data', () => {
    const rows = [
      { i: 5, d: 1.5, s: 'pear', dt: '2020-01-02', dec: '1.25', ts: 1_000_000_000_500n, b: true, l: [1, 2] },
      {
        i: -3,
        d: -2.5,
        s: 'apple',
        dt: '1999-12-31',
        dec: '-7.50',
        ts: -2_000_000_000_000n,
        b: false,
        l: [],
      },
      { i: null, d: null, s: null, dt: null, dec: null, ts: null, b: null, l: null },
      { i: 10, d: 4, s: 'zoo', dt: '2000-06-01', dec: '0.00', ts: 0n, b: true, l: [3] },
    ];
    const file = readOrc(
      writeOrc(
        'struct<i:int,d:double,s:string,dt:date,dec:decimal(5,2),ts:timestamp,b:boolean,l:array<int>>',
        rows,
        {
          stripeRows: 2,
        },
      ),
    );
    const s = file.statistics;
    expect(s[0]).toMatchObject({ numberOfValues: 4 });
    expect(s[1]).toMatchObject({ numberOfValues: 3, hasNull: true, int: { min: -3n, max: 10n, sum: 12n } });
    expect(s[2]).toMatchObject({ numberOfValues: 3, double: { min: -2.5, max: 4, sum: 3 } });
    expect(s[3]).toMatchObject({ string: { min: 'apple', max: 'zoo', sum: 12n } });
    expect(s[4]).toMatchObject({ date: { min: 10956, max: 18263 } });
    expect(s[5]).toMatchObject({ decimal: { min: '-7.50', max: '1.25', sum: '-6.25' } });
    expect(s[6]).toMatchObject({
      timestamp: { min: -2_000_000n, max: 1_000_000n, minNanos: 1, maxNanos: 501 },
    });
    expect(s[7]).toMatchObject({ numberOfValues: 3, bucket: { count: [2] } });
    expect(s[8]).toMatchObject({ collection: { minChildren: 0, maxChildren: 2, totalChildren: 3 } });
    expect(file.stripeStatistics[1]![1]).toMatchObject({
      numberOfValues: 1,
      hasNull: true,
      int: { min: 10n, max: 10n },
    });
  });
});
