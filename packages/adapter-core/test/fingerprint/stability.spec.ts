import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fingerprint, hashString, sha256Base64Url } from '../../src/fingerprint/index.js';
import { stableValues } from './fixtures/stable-values.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');

function fingerprintsHere(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(stableValues())) out[name] = fingerprint(value, { root: name });
  return out;
}

// Golden values: the encoding is part of dagcache's contract within a major version (stored data versions
// must keep matching). If one of these changes, the encoding changed: that needs a deliberate decision,
// a FORMAT_HEADER bump and a note in docs/fingerprints.md — not an update of this list to make it pass.
const golden: Record<string, string> = {
  undefined: '2ierw4GfLo9DXntcTBYE1NkDGtXeYvuRTtRe48xA8ws',
  null: 'TCG0xVC7GCMS4DF-CRlE9I03V3j1-wuvzsYH0JjCWMA',
  true: 'Ob6XU9NJBgw7Y6FGsv8plXVIubYcqHuqCdZZ4UAGsKE',
  zero: 'Kdg7DGM0bWDZtdhigjv1_RXGE38D7rO0qdcbzLb03Ag',
  negativeZero: 'MmmoTT8GzTxhgJyIqIbP74Vclw039pRWIg7izKY1QEo',
  pi: 'vjWWv9IxnuGNmzA_LMIibjtGKomlhF8UZMS1bR0Dc-w',
  nan: 'mSWwYhHwhJGOSmcmMbzqsQ330KvdH4z9waqIYb-jNeg',
  bigint: 'ivo3JY63yqjF0fX8knL8-GNukruTRoEdbUE9deS_9No',
  string: 'qFYcxAbdmGWFRWzr-Aw6h100hf4soZFXDlyTTQNezyY',
  unicode: '0DIo_kXV-LLX_ffbsJz1vMY754S7eE3pHy05lXDaQmI',
  array: 'CWt_7i7ICU67E4U-FCI80l9sVXaa_VHAvj_k3VcMcdk',
  object: 'VLvihemt_tuOzGv1KATcXRUmWxizRcim8nO5rb1xObQ',
  map: 'z3p6SfN4eLdc_lF57KtnbmnO1LKfISxztPfef3THjNc',
  set: 'S3onZpAy_1I4vqbG0jIKZd5_xZdZUU46ZeYkuM-Rjl4',
  mapStringKeys: 'U90JkBMuEcKbQA3RcE2wRNf4g8IO2LQp2SxlIkNvXgE',
  setMixed: 'rQWxr2nrVqXwcqdj6MYOoqIlmHLStaLKHuO85Lw0JLg',
  date: '4KtW0phJI4bhME6r1Ec31B2cod6-g7ynugCClHgsjNo',
  regexp: 'QhwzZ1FWy_XUP2ALAfL1anchflsx6erHQls6jt-bGJs',
  url: 'SN1eZkXqniGlJTxc3HdDnhFmn2y4mBScGsjQTD6fljU',
  float64: 'mMbG_1b_p6jF-W1ohK-cNbLfeBz7uLDh2V30VRzTWKk',
  bytes: 'ygqOmWICX8HHOyP4u5qRVULyP1AY8BtOec4--bfmq6w',
  point: 'ZrHoaOTnLXSVOYOJ7vNT54bEesYYUZfkG_sXL3gcniI',
  error: 'm-skJM74Pmdz790-CehK_A-Npv__9kVSYRmNZXkUU6g',
  cyclic: 'tN45GAS9y6wDsLkNaHF6N1DJK26JZMa4Jz_ee9Zfop4',
  arrow: 'XNuAQWyiwP0M0Ppd-bY_BNAg3PKwzVtfG6urIM-I0Z0',
};

describe('fingerprints are stable across processes', () => {
  it('a child process computes the same fingerprints', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@dagcache/source', join(here, 'fixtures', 'print-fingerprints.ts')],
      { cwd: packageDir, env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8' } },
    );
    const child = JSON.parse(stdout) as Record<string, string>;
    const parent = fingerprintsHere();
    expect(Object.keys(child).length).toBeGreaterThan(20);
    expect(child).toEqual(parent);
  });

  it('golden values have not changed', () => {
    const now = fingerprintsHere();
    for (const [name, expected] of Object.entries(golden))
      expect({ name, fp: now[name] }).toEqual({ name, fp: expected });
    expect(Object.keys(golden).sort()).toEqual(Object.keys(now).sort());
  });
});

describe('hash helpers', () => {
  it('sha256Base64Url gives url-safe base64 SHA-256 without padding', () => {
    // SHA-256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
    expect(sha256Base64Url('hello')).toBe(
      Buffer.from('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 'hex').toString(
        'base64url',
      ),
    );
    expect(sha256Base64Url('hello')).toBe('LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ');
    expect(sha256Base64Url(new Uint8Array([104, 101, 108, 108, 111]))).toBe(sha256Base64Url('hello'));
    expect(hashString('hello')).toBe(sha256Base64Url('hello'));
    expect(hashString('héllo')).toBe(sha256Base64Url(Buffer.from('héllo', 'utf8')));
  });

  it('a fingerprint is not the plain hash of the string (values are type-tagged)', () => {
    expect(fingerprint('hello')).not.toBe(hashString('hello'));
  });
});
