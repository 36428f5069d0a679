// Fingerprint throughput: raw bytes (a 100 MB Float64Array) and many small records, against object-hash.
import objectHash from 'object-hash';
import { fingerprint } from '../packages/adapter-core/src/fingerprint/index.js';
import { medianMs, report, type Row } from './lib.js';

interface Rec {
  id: number;
  name: string;
  tags: string[];
  nested: { a: number; b: string; c: boolean };
  date: Date;
}

function records(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: i,
      name: `record-${i}`,
      tags: ['alpha', `t${i % 17}`, 'gamma'],
      nested: { a: i * 0.5, b: `b${i % 101}`, c: i % 2 === 0 },
      date: new Date(1_700_000_000_000 + i * 1000),
    });
  }
  return out;
}

export async function run(): Promise<void> {
  const rows: Row[] = [];

  // 1. Bytes: one 100 MB Float64Array, hashed in place.
  const mb = 100;
  const big = new Float64Array((mb * 1024 * 1024) / 8);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.001;
  fingerprint(big); // warm up
  const bigMs = await medianMs(7, () => fingerprint(big));
  rows.push({
    case: 'Float64Array 100 MB',
    tool: 'dagcache',
    ms: round(bigMs),
    'MB/s': Math.round(mb / (bigMs / 1000)),
  });
  const ohBigMs = await medianMs(1, () => objectHash(big, { algorithm: 'sha256' }));
  rows.push({
    case: 'Float64Array 100 MB',
    tool: 'object-hash',
    ms: round(ohBigMs),
    'MB/s': Math.round(mb / (ohBigMs / 1000)),
  });

  // 2. Records: 100k nested records, each fingerprinted on its own (how a cache versions many values).
  const n = 100_000;
  const recs = records(n);
  const each = () => {
    for (const r of recs) fingerprint(r);
  };
  const ohEach = () => {
    for (const r of recs) objectHash(r, { algorithm: 'sha256' });
  };
  each();
  const eachMs = await medianMs(5, each);
  const ohEachMs = await medianMs(3, ohEach);
  const perSec = (ms: number) => Math.round(n / (ms / 1000));
  rows.push({
    case: '100k records, one by one',
    tool: 'dagcache',
    ms: round(eachMs),
    'objects/s': perSec(eachMs),
  });
  rows.push({
    case: '100k records, one by one',
    tool: 'object-hash',
    ms: round(ohEachMs),
    'objects/s': perSec(ohEachMs),
  });

  // 3. Records: the same 100k records as one array value.
  const allMs = await medianMs(5, () => fingerprint(recs));
  const ohAllMs = await medianMs(1, () => objectHash(recs, { algorithm: 'sha256' }));
  rows.push({
    case: '100k records, one array',
    tool: 'dagcache',
    ms: round(allMs),
    'objects/s': perSec(allMs),
  });
  rows.push({
    case: '100k records, one array',
    tool: 'object-hash',
    ms: round(ohAllMs),
    'objects/s': perSec(ohAllMs),
  });

  const ratioEach = round(ohEachMs / eachMs);
  const ratioAll = round(ohAllMs / allMs);
  report('fingerprint', 'Fingerprint throughput (dagcache vs object-hash@3.0.0, both SHA-256)', rows, {
    targets: { float64MBps: 1500, recordsRatioVsObjectHash: 5 },
    ratios: { recordsOneByOne: ratioEach, recordsOneArray: ratioAll },
  });
  console.log(`records vs object-hash: ${ratioEach}× (one by one), ${ratioAll}× (one array)`);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
