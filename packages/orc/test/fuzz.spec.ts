import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { OrcFormatError, orcToArrow, readOrc, writeOrc } from '../src/index.js';
import { vectorsDir } from './helpers.js';

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Damaged files must give rows or an OrcFormatError, never another exception. */
it('damaged files fail only with OrcFormatError', () => {
  const r = rng(11);
  const sources = [
    readFileSync(join(vectorsDir, 'TestOrcFile.test1.orc')),
    readFileSync(join(vectorsDir, 'TestOrcFile.testUnionAndTimestamp.orc')),
    readFileSync(join(vectorsDir, 'orc_split_elim_new.orc')),
    readFileSync(join(vectorsDir, 'TestVectorOrcFile.testLz4.orc')),
    readFileSync(join(vectorsDir, 'decimal64_v2.orc')),
    readFileSync(join(vectorsDir, 'complextypes_iceberg.orc')),
    readFileSync(join(vectorsDir, 'TestOrcFile.testMemoryManagementV11.orc')),
    writeOrc(
      'struct<a:int,s:string,l:array<double>,m:map<string,bigint>>',
      [
        { a: 1, s: 'x', l: [1, 2], m: [{ key: 'k', value: 5n }] },
        { a: null, s: null, l: null, m: null },
      ],
      { compression: 'zstd' },
    ),
    writeOrc('struct<a:int,s:string>', [{ a: 1, s: 'x' }], { compression: 'snappy' }),
  ];
  const others: string[] = [];
  let rejected = 0;
  for (let k = 0; k < 900; k++) {
    const src = sources[k % sources.length]!;
    const bytes = Uint8Array.from(src);
    const mode = k % 3;
    if (mode === 0)
      for (let j = 0; j < 1 + r() * 4; j++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    else if (mode === 1) {
      // damage the tail, where the metadata lives
      const p = bytes.length - 1 - Math.floor(r() * Math.min(300, bytes.length - 1));
      bytes[p] = Math.floor(r() * 256);
    }
    const input = mode === 2 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : bytes;
    try {
      readOrc(input).rows();
      orcToArrow(input);
    } catch (err) {
      if (err instanceof OrcFormatError) rejected++;
      else others.push(`${k}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  expect(others).toEqual([]);
  expect(rejected).toBeGreaterThan(300);
});
