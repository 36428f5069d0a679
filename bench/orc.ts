// ORC writer/reader throughput: a 1M-row table (int, double, string, date, boolean, with nulls) per codec.
import { arrowToOrc, orcToArrow, readOrc, valuesToVector, writeOrc, type Compression } from '@dagcache/orc';
import { medianMs, report, type Row } from './lib.ts';

const N = 1_000_000;

function buildTable() {
  const rows = new Array<Record<string, unknown>>(N);
  let rawBytes = 0;
  for (let i = 0; i < N; i++) {
    const name = i % 5 === 0 ? null : `customer-${i % 20_000}`;
    rows[i] = {
      id: i,
      amount: i % 11 === 0 ? null : ((i * 7919) % 100_000) / 100,
      name,
      day: new Date(Date.UTC(2020, 0, 1 + (i % 1500))),
      flag: i % 3 === 0,
      score: i % 7 === 0 ? null : (i * 2654435761) % 1_000_003,
    };
    rawBytes += 4 + 8 + (name?.length ?? 0) + 4 + 1 + 4;
  }
  const schema = 'struct<id:int,amount:double,name:string,day:date,flag:boolean,score:int>';
  return { schema, vector: valuesToVector(parseType(schema), rows), rawBytes };
}

import { parseSchema as parseType } from '@dagcache/orc';

export async function run(): Promise<void> {
  const { schema, vector, rawBytes } = buildTable();
  const mb = rawBytes / 2 ** 20;
  const out: Row[] = [];
  for (const compression of ['none', 'zlib', 'snappy', 'lz4', 'zstd'] as Compression[]) {
    let bytes = new Uint8Array(0);
    const writeMs = await medianMs(3, () => {
      bytes = writeOrc(schema, vector, { compression });
    });
    const readMs = await medianMs(3, () => readOrc(bytes));
    out.push({
      codec: compression,
      rows: N,
      'raw MB': Number(mb.toFixed(1)),
      'file MB': Number((bytes.length / 2 ** 20).toFixed(2)),
      ratio: Number((rawBytes / bytes.length).toFixed(2)),
      'write ms': Math.round(writeMs),
      'write MB/s': Number((mb / (writeMs / 1000)).toFixed(1)),
      'read ms': Math.round(readMs),
      'read MB/s': Number((mb / (readMs / 1000)).toFixed(1)),
    });
  }
  // The Arrow path the core's `orc` result format uses.
  const zstd = writeOrc(schema, vector, { compression: 'zstd' });
  const table = orcToArrow(zstd);
  let again = new Uint8Array(0);
  const toArrowMs = await medianMs(3, () => orcToArrow(zstd));
  const fromArrowMs = await medianMs(3, () => {
    again = arrowToOrc(table, { compression: 'zstd' });
  });
  out.push({
    codec: 'zstd via Arrow',
    rows: N,
    'raw MB': Number(mb.toFixed(1)),
    'file MB': Number((again.length / 2 ** 20).toFixed(2)),
    ratio: Number((rawBytes / again.length).toFixed(2)),
    'write ms': Math.round(fromArrowMs),
    'write MB/s': Number((mb / (fromArrowMs / 1000)).toFixed(1)),
    'read ms': Math.round(toArrowMs),
    'read MB/s': Number((mb / (toArrowMs / 1000)).toFixed(1)),
  });
  report(
    'orc',
    `@dagcache/orc: write/read of ${N.toLocaleString('en')} rows (int, double, string, date, boolean; nulls)`,
    out,
    {
      rawBytes,
    },
  );
}
