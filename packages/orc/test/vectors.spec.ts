import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrcFormatError, readOrc } from '../src/index.js';
import { compareValue, expectedFor, parseJsonLossless, vectorFiles, vectorsDir } from './helpers.js';

/** Files ORC's tools read but we reject on purpose, with the reason our error must give. */
const unsupported: Record<string, RegExp> = {
  'TestVectorOrcFile.testLzo.orc': /LZO compression is not supported/,
};

/** Outcome of each file, filled by the tests below and printed by the last one. */
const outcomes: Array<{ file: string; rows: number | string; result: string; note: string }> = [];

function record(file: string, run: () => { rows: number; result: string }, expected: string): void {
  try {
    const { rows, result } = run();
    outcomes.push({ file, rows, result, note: '' });
  } catch (err) {
    const result = err instanceof OrcFormatError ? 'rejected' : 'CRASHED';
    outcomes.push({ file, rows: '', result, note: (err as Error).message.slice(0, 70) });
  }
  const last = outcomes[outcomes.length - 1]!;
  if (last.result !== expected) throw new Error(`${file}: ${last.result} ${last.note}`);
}

function compareFile(file: string): { diff: string | null; rows: number } {
  const expected = expectedFor(file)!;
  const lines = expected.split('\n').filter((l) => l.length > 0);
  const orc = readOrc(readFileSync(join(vectorsDir, file)));
  const rows = orc.rows();
  if (rows.length !== lines.length)
    return { diff: `expected ${lines.length} rows, got ${rows.length}`, rows: rows.length };
  for (let i = 0; i < rows.length; i++) {
    const d = compareValue(orc.schema, rows[i]!, parseJsonLossless(lines[i]!), `row ${i}`);
    if (d) return { diff: d, rows: rows.length };
  }
  return { diff: null, rows: rows.length };
}

describe('Apache ORC example files', () => {
  for (const file of vectorFiles()) {
    const reason = unsupported[file];
    if (reason) {
      it(`${file}: rejected with a clear OrcFormatError`, () => {
        expect(() => readOrc(readFileSync(join(vectorsDir, file)))).toThrow(OrcFormatError);
        expect(() => readOrc(readFileSync(join(vectorsDir, file)))).toThrow(reason);
        record(
          file,
          () => ({ rows: readOrc(readFileSync(join(vectorsDir, file))).numRows, result: 'read' }),
          'rejected',
        );
      });
    } else if (expectedFor(file) !== undefined) {
      it(`${file}: rows equal ORC's own output`, () => {
        let diff: string | null = null;
        record(
          file,
          () => {
            const r = compareFile(file);
            diff = r.diff;
            return { rows: r.rows, result: diff ? 'ROWS DIFFER' : 'rows match' };
          },
          'rows match',
        );
        expect(diff).toBeNull();
      });
    } else {
      it(`${file}: reads without error`, () => {
        record(
          file,
          () => {
            const orc = readOrc(readFileSync(join(vectorsDir, file)));
            expect(orc.rows().length).toBe(orc.numRows);
            return { rows: orc.numRows, result: 'read ok' };
          },
          'read ok',
        );
      });
    }
  }

  it('pass table: every example file has its expected outcome', () => {
    console.table(outcomes);
    expect(outcomes.length).toBe(vectorFiles().length);
    expect(outcomes.filter((o) => o.result === 'CRASHED' || o.result === 'ROWS DIFFER')).toEqual([]);
    expect(outcomes.filter((o) => o.result === 'rows match').length).toBe(
      vectorFiles().filter((f) => expectedFor(f) !== undefined && !unsupported[f]).length,
    );
  });

  it("a zero-length file reads as an empty table, as ORC's Java reader does", () => {
    const orc = readOrc(new Uint8Array(0));
    expect([orc.numRows, orc.rows()]).toEqual([0, []]);
  });

  it('encrypted files are rejected with a clear OrcFormatError', () => {
    for (const f of ['sample1.orc', 'sample2.orc']) {
      expect(() => readOrc(readFileSync(join(vectorsDir, 'encrypted', f)))).toThrow(
        /encrypted ORC files are not supported/,
      );
    }
  });
});
