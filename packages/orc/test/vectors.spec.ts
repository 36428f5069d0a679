import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrcFormatError, readOrc } from '../src/index.js';
import { compareValue, expectedFor, parseJsonLossless, vectorFiles, vectorsDir } from './helpers.js';

/** Files ORC's tools read but we reject on purpose, with the reason our error must give. */
const unsupported: Record<string, RegExp> = {
  'TestVectorOrcFile.testLzo.orc': /LZO compression is not supported/,
  'zero.orc': /too short to be an ORC file/,
};

function compareFile(file: string): string | null {
  const expected = expectedFor(file)!;
  const lines = expected.split('\n').filter((l) => l.length > 0);
  const orc = readOrc(readFileSync(join(vectorsDir, file)));
  const rows = orc.rows();
  if (rows.length !== lines.length) return `expected ${lines.length} rows, got ${rows.length}`;
  for (let i = 0; i < rows.length; i++) {
    const d = compareValue(orc.schema, rows[i]!, parseJsonLossless(lines[i]!), `row ${i}`);
    if (d) return d;
  }
  return null;
}

describe('Apache ORC example files', () => {
  for (const file of vectorFiles()) {
    const reason = unsupported[file];
    if (reason) {
      it(`${file}: rejected with a clear OrcFormatError`, () => {
        expect(() => readOrc(readFileSync(join(vectorsDir, file)))).toThrow(OrcFormatError);
        expect(() => readOrc(readFileSync(join(vectorsDir, file)))).toThrow(reason);
      });
    } else if (expectedFor(file) !== undefined) {
      it(`${file}: rows equal ORC's own output`, () => {
        expect(compareFile(file)).toBeNull();
      });
    } else {
      it(`${file}: reads without error`, () => {
        const orc = readOrc(readFileSync(join(vectorsDir, file)));
        expect(orc.rows().length).toBe(orc.numRows);
      });
    }
  }

  it('encrypted files are rejected with a clear OrcFormatError', () => {
    for (const f of ['sample1.orc', 'sample2.orc']) {
      expect(() => readOrc(readFileSync(join(vectorsDir, 'encrypted', f)))).toThrow(
        /encrypted ORC files are not supported/,
      );
    }
  });
});
