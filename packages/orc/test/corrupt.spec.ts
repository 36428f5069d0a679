import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

/** Reads a file in a child process killed after 60 s, so a hang fails the test instead of the run. */
function readIsolated(path: string): { ok: boolean; orcError?: boolean; message?: string } {
  const r = spawnSync(process.execPath, ['--import', tsx, join(here, 'read-one.ts'), path], {
    timeout: 60_000,
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0)
    return { ok: false, message: `crashed or hung: ${r.error?.message ?? r.stderr}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    ok: boolean;
    orcError: boolean;
    message: string;
  };
}

const reasons: Record<string, RegExp> = {
  'missing_blob_stream_in_string_dict.orc': /column 10 \(string_col\): DICTIONARY_DATA stream missing/,
  'missing_length_stream_in_string_dict.orc': /column 9 \(date_string_col\): LENGTH stream missing/,
  'negative_dict_entry_lengths.orc': /column 9 \(date_string_col\): negative or invalid length/,
  'stripe_footer_bad_column_encodings.orc': /stripe 0 footer/,
};

describe('corrupt ORC files', () => {
  const files = readdirSync(join(vectorsDir, 'corrupt')).filter((f) => f.endsWith('.orc'));
  it('are all listed here', () => {
    expect(files.sort()).toEqual(Object.keys(reasons).sort());
  });
  for (const f of files) {
    it(`${f} is rejected with an OrcFormatError naming the fault`, () => {
      const r = readIsolated(join(vectorsDir, 'corrupt', f));
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(reasons[f]!);
      expect(r.orcError).toBe(true);
    });
  }
});
