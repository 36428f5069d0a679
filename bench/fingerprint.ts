// Fingerprint throughput: raw bytes (a 100 MB Float64Array), many small records and an Arrow table,
// against object-hash@3.0.0 (both SHA-256). Each case reports wall time (median) and CPU time (median):
// on a busy 2-core machine the CPU figure is the one that says how fast the code is.
import { tableFromArrays } from 'apache-arrow';
import objectHash from 'object-hash';
import { fingerprint } from '../packages/adapter-core/src/fingerprint/index.js';
import { report, type Row } from './lib.js';

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

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Median wall and CPU time of `times` runs (after one warm-up run when `warm`). */
function measure(times: number, fn: () => unknown, warm = true): Timing {
  if (warm) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < times; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const round = (x: number) => Math.round(x * 100) / 100;

function row(c: string, tool: string, t: Timing, unit: 'MB/s' | 'objects/s', amount: number): Row {
  return {
    case: c,
    tool,
    'wall ms': round(t.wallMs),
    'cpu ms': round(t.cpuMs),
    [unit]: Math.round(amount / (t.wallMs / 1000)),
    [`${unit} (cpu)`]: Math.round(amount / (t.cpuMs / 1000)),
  };
}

export async function run(): Promise<void> {
  const rows: Row[] = [];

  // 1. Bytes: one 100 MB Float64Array, hashed in place. object-hash is measured on 10 MB (it takes ~10 s
  //    per 100 MB); MB/s is comparable.
  const big = new Float64Array((100 * 1024 * 1024) / 8);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.001;
  const bigT = measure(7, () => fingerprint(big));
  rows.push(row('Float64Array 100 MB', 'dagcache', bigT, 'MB/s', 100));
  const small = big.subarray(0, (10 * 1024 * 1024) / 8);
  rows.push(
    row(
      'Float64Array 10 MB',
      'object-hash',
      measure(1, () => objectHash(small, { algorithm: 'sha256' }), false),
      'MB/s',
      10,
    ),
  );

  // 2. 100k nested records, each fingerprinted on its own (how a cache versions many values).
  const n = 100_000;
  const recs = records(n);
  const eachT = measure(5, () => {
    for (const r of recs) fingerprint(r);
  });
  const ohEachT = measure(3, () => {
    for (const r of recs) objectHash(r, { algorithm: 'sha256' });
  });
  rows.push(row('100k records, one by one', 'dagcache', eachT, 'objects/s', n));
  rows.push(row('100k records, one by one', 'object-hash', ohEachT, 'objects/s', n));

  // 3. The same records as one array value. object-hash slows down on big values (100k records take it
  //    about a minute), so it gets 10k; per-object speed is comparable and favours object-hash.
  const allT = measure(5, () => fingerprint(recs));
  const tenK = recs.slice(0, 10_000);
  const ohAllT = measure(1, () => objectHash(tenK, { algorithm: 'sha256' }), false);
  rows.push(row('100k records, one array', 'dagcache', allT, 'objects/s', n));
  rows.push(row('10k records, one array', 'object-hash', ohAllT, 'objects/s', 10_000));

  // 4. An Arrow table of 1M rows: fixed-width columns go in as raw bytes, the string column cell by cell.
  const rowsN = 1_000_000;
  const table = tableFromArrays({
    id: Int32Array.from({ length: rowsN }, (_, i) => i),
    value: Float64Array.from({ length: rowsN }, (_, i) => i * 0.25),
    label: Array.from({ length: rowsN }, (_, i) => `label-${i % 1000}`),
  });
  rows.push(
    row(
      'Arrow table, 1M rows (int32, float64, dict<utf8>)',
      'dagcache',
      measure(5, () => fingerprint(table)),
      'objects/s',
      rowsN,
    ),
  );

  // 5. A Map of 100k entries with string keys (hashed in key order). object-hash gets 10k entries: it
  //    slows down on big Maps (100k entries take it about 50 s).
  const map = new Map(recs.map((r) => [r.name, r.id]));
  const map10k = new Map(recs.slice(0, 10_000).map((r) => [r.name, r.id]));
  rows.push(
    row(
      'Map, 100k entries (string → number)',
      'dagcache',
      measure(3, () => fingerprint(map)),
      'objects/s',
      n,
    ),
  );
  rows.push(
    row(
      'Map, 10k entries (string → number)',
      'object-hash',
      measure(1, () => objectHash(map10k, { algorithm: 'sha256' }), false),
      'objects/s',
      10_000,
    ),
  );

  const ratios = {
    recordsOneByOne: round(ohEachT.cpuMs / eachT.cpuMs),
    recordsOneArray: round(ohAllT.cpuMs / 10_000 / (allT.cpuMs / n)),
  };
  report('fingerprint', 'Fingerprint throughput (dagcache vs object-hash@3.0.0, SHA-256)', rows, {
    targets: { float64MBps: 1500, recordsSpeedupVsObjectHash: 5 },
    ratios,
  });
  console.log(
    `records vs object-hash (cpu time): ${ratios.recordsOneByOne}× one by one, ${ratios.recordsOneArray}× as one array`,
  );
}
