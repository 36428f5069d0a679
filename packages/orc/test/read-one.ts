// Reads one ORC file in a child process (used by corrupt.spec.ts, so a hang can be killed) and prints
// the outcome as one JSON line.
import { readFileSync } from 'node:fs';
import { OrcFormatError, readOrc } from '../src/index.js';

const path = process.argv[2]!;
try {
  const f = readOrc(readFileSync(path));
  console.log(JSON.stringify({ ok: true, rows: f.rows().length }));
} catch (err) {
  console.log(
    JSON.stringify({ ok: false, orcError: err instanceof OrcFormatError, message: (err as Error).message }),
  );
}
