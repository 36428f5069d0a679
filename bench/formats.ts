// Result formats: write+read throughput and file size for a 1M-row, 6-column table, plus the comparison
// that chose the parquet library (parquet-wasm vs hyparquet + hyparquet-writer).
// Run: npx tsx --conditions=@dagcache/source bench/run.ts formats   (BENCH_ROWS=… to change the row count)
import {
  Bool,
  Float64,
  Int32,
  Table,
  TimestampMillisecond,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { getFormat } from '../packages/adapter-core/src/formats/registry.js';
import type { FormatContext, FormatName } from '../packages/adapter-core/src/formats/result-format.js';
import { readParquetTable, writeParquetTable } from '../packages/adapter-core/src/formats/parquet.js';
import { tableToRecords } from '../packages/adapter-core/src/formats/tabular/records.js';
import { medianMs, report, type Row } from './lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/** exceljs builds every cell as an object: 1M rows would take minutes and gigabytes, so excel gets fewer. */
const EXCEL_ROWS = Math.min(ROWS, Number(process.env.BENCH_EXCEL_ROWS ?? 50_000));

/** Deterministic PRNG (mulberry32) so every run benchmarks the same table. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 6 columns: ints, floats, strings, dates (timestamps), booleans, and a float column with 30% nulls. */
export function benchTable(rows: number): Table {
  const rnd = prng(42);
  const id = new Array<number>(rows);
  const value = new Array<number>(rows);
  const name = new Array<string>(rows);
  const at = new Array<number>(rows);
  const flag = new Array<boolean>(rows);
  const score = new Array<number | null>(rows);
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < rows; i++) {
    id[i] = i;
    value[i] = rnd() * 1000 - 500;
    name[i] = `customer-${Math.floor(rnd() * 100_000)}`;
    at[i] = start + Math.floor(rnd() * 365 * 86_400_000);
    flag[i] = rnd() < 0.5;
    score[i] = rnd() < 0.3 ? null : Math.round(rnd() * 10_000) / 100;
  }
  const col = (v: unknown[], t: DataType) => vectorFromArray(v, t);
  return new Table({
    id: col(id, new Int32()),
    value: col(value, new Float64()),
    name: col(name, new Utf8()),
    at: col(at, new TimestampMillisecond('UTC')),
    flag: col(flag, new Bool()),
    score: col(score, new Float64()),
  });
}

const MB = 1024 * 1024;
const ms = (t: number) => (t < 10 ? +t.toFixed(2) : Math.round(t));
const ctx = (options?: Record<string, unknown>): FormatContext => ({
  nodeName: 'bench',
  fileDir: '/tmp',
  ...(options ? { options } : {}),
});

async function measureFormat(
  label: string,
  name: FormatName,
  table: Table,
  options?: Record<string, unknown>,
  value: unknown = table,
): Promise<Row> {
  const fmt = await getFormat(name);
  // Throughput is measured against the table's in-memory Arrow size, the same yardstick for every format.
  const arrowMB = tableToIPC(table, 'stream').byteLength / MB;
  const runs = table.numRows >= 500_000 && (name === 'csv' || name === 'excel') ? 1 : 3;
  let encoded = await fmt.encode(value, ctx(options));
  const writeMs = await medianMs(runs, async () => {
    encoded = await fmt.encode(value, ctx(options));
  });
  const readMs = await medianMs(runs, () => fmt.decode(encoded.bytes, encoded.meta ?? {}, ctx(options)));
  return {
    format: label,
    rows: table.numRows,
    'arrow MB': +arrowMB.toFixed(1),
    'file MB': +(encoded.bytes.byteLength / MB).toFixed(1),
    'write ms': ms(writeMs),
    'read ms': ms(readMs),
    'write MB/s': +(arrowMB / (writeMs / 1000)).toFixed(1),
    // feather decodes zero-copy (the table points into the stored bytes): its read figure is not a parse rate.
    'read MB/s': +(arrowMB / (readMs / 1000)).toFixed(1),
  };
}

// hyparquet path: Arrow columns → JS arrays → hyparquet-writer; hyparquet rows → Arrow vectors. This is what
// the parquet format would have to do with that library (it has no Arrow interface).
const HY_TYPES: Record<string, 'INT32' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'BOOLEAN'> = {
  id: 'INT32',
  value: 'DOUBLE',
  name: 'STRING',
  at: 'TIMESTAMP',
  flag: 'BOOLEAN',
  score: 'DOUBLE',
};
function hyparquetWrite(table: Table): Uint8Array {
  const columnData = table.schema.fields.map((f) => {
    const v = table.getChild(f.name)!;
    const data =
      f.name === 'at' ? Array.from(v, (x) => (x === null ? null : new Date(x as number))) : Array.from(v);
    return { name: f.name, data, type: HY_TYPES[f.name]!, nullable: f.name === 'score' };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, codec: 'SNAPPY' }));
}
async function hyparquetRead(bytes: Uint8Array, schema: Table['schema']): Promise<Table> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  const cols: Record<string, ReturnType<typeof vectorFromArray>> = {};
  for (const f of schema.fields) {
    const values = rows.map((r) => {
      const x = r[f.name];
      return x instanceof Date ? x.getTime() : typeof x === 'bigint' ? Number(x) : x;
    });
    cols[f.name] = vectorFromArray(values, f.type);
  }
  return new Table(cols);
}

async function compareParquetLibraries(table: Table): Promise<Row[]> {
  const arrowMB = tableToIPC(table, 'stream').byteLength / MB;
  const row = (library: string, bytes: Uint8Array, writeMs: number, readMs: number, back: Table): Row => ({
    library,
    rows: table.numRows,
    'file MB': +(bytes.byteLength / MB).toFixed(1),
    'write ms': Math.round(writeMs),
    'read ms': Math.round(readMs),
    'write+read MB/s': +(arrowMB / ((writeMs + readMs) / 1000)).toFixed(1),
    'rows back': back.numRows,
  });
  let pw = writeParquetTable(table, 'snappy');
  const pwWrite = await medianMs(3, () => (pw = writeParquetTable(table, 'snappy')));
  let pwBack = readParquetTable(pw);
  const pwRead = await medianMs(3, () => (pwBack = readParquetTable(pw)));

  let hy = hyparquetWrite(table);
  const hyWrite = await medianMs(3, () => (hy = hyparquetWrite(table)));
  let hyBack = await hyparquetRead(hy, table.schema);
  const hyRead = await medianMs(3, async () => (hyBack = await hyparquetRead(hy, table.schema)));
  return [
    row('parquet-wasm 0.8.0 (arrow-rs, WASM)', pw, pwWrite, pwRead, pwBack),
    row('hyparquet 1.31.5 + hyparquet-writer 0.17.0 (JS)', hy, hyWrite, hyRead, hyBack),
  ];
}

export async function run(): Promise<void> {
  const table = benchTable(ROWS);
  const parquetRows = await compareParquetLibraries(table);
  report(
    'formats-parquet-libraries',
    `Parquet libraries: write+read of a ${ROWS.toLocaleString('en')}-row, 6-column table (snappy)`,
    parquetRows,
  );

  const rows: Row[] = [];
  rows.push(await measureFormat('parquet (snappy)', 'parquet', table));
  rows.push(await measureFormat('parquet (zstd)', 'parquet', table, { compression: 'zstd' }));
  // The same table as plain records: adds type inference on write and record building on read.
  rows.push(
    await measureFormat(
      'parquet (snappy), records in/out',
      'parquet',
      table,
      undefined,
      tableToRecords(table),
    ),
  );
  rows.push(await measureFormat('feather (Arrow IPC file)', 'feather', table));
  rows.push(await measureFormat('csv', 'csv', table));
  rows.push(
    await measureFormat(
      `excel (${EXCEL_ROWS.toLocaleString('en')} rows only)`,
      'excel',
      table.slice(0, EXCEL_ROWS),
    ),
  );
  const orc = await getFormat('orc').catch(() => null);
  if (orc) rows.push(await measureFormat('orc', 'orc', table));
  report(
    'formats',
    `Result formats: write/read throughput (MB/s of in-memory Arrow data) and file size, ${ROWS.toLocaleString('en')} rows × 6 columns` +
      (EXCEL_ROWS < ROWS ? ` (excel: ${EXCEL_ROWS.toLocaleString('en')} rows)` : ''),
    rows,
    { parquetLibraries: parquetRows },
  );
}
