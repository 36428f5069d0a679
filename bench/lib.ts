import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

export type Row = Record<string, string | number | boolean | null>;

/** Machine facts written with every result, so README figures carry their date and machine. */
export function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** Prints a table and writes `bench/results/<name>.json`. */
export function report(name: string, title: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  console.log(`\n${title}`);
  console.table(rows);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ name, title, machine: machine(), rows, ...extra }, null, 2) + '\n');
}

/**
 * Median of repeated timings (ms), to tame a noisy 2-core machine. With `selfTimed`, `fn` returns the
 * milliseconds to count (so set-up inside it is not timed).
 */
export async function medianMs(times: number, fn: () => Promise<unknown> | unknown, selfTimed = false): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const r = await fn();
    samples.push(selfTimed ? (r as number) : performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
