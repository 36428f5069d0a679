import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { OrcType, OrcValue } from '../src/index.js';

/** ../shared/vectors/orc from the repository root, resolved from this file. */
export const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/vectors/orc');

export function vectorFiles(): string[] {
  return readdirSync(vectorsDir)
    .filter((f) => f.endsWith('.orc'))
    .sort();
}

export function expectedFor(orcFile: string): string | undefined {
  const p = join(vectorsDir, 'expected', orcFile.replace(/\.orc$/, '.jsn.gz'));
  try {
    return gunzipSync(readFileSync(p)).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A JSON number kept as its source text (ORC's tools print 64-bit ints and decimals exactly). */
export class RawNumber {
  constructor(readonly text: string) {}
}
export type Json = null | boolean | string | RawNumber | Json[] | { [k: string]: Json };

/** JSON.parse that keeps numbers as text. */
export function parseJsonLossless(text: string): Json {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        const k = value() as string;
        ws();
        i++; // :
        o[k] = value();
        ws();
        if (text[i++] === '}') return o;
      }
    }
    if (c === '[') {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i++] === ']') return a;
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    if (text.startsWith('null', i)) return ((i += 4), null);
    if (text.startsWith('true', i)) return ((i += 4), true);
    if (text.startsWith('false', i)) return ((i += 5), false);
    const m = /^-?[0-9.eE+-]+|^NaN|^-?Infinity/.exec(text.slice(i, i + 80));
    if (!m) throw new Error(`bad JSON at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    return new RawNumber(m[0]);
  };
  const v = value();
  return v;
}

/** Formats bigint nanoseconds like ORC's tools: "YYYY-MM-DD HH:MM:SS.f" (trailing zeros trimmed). */
export function formatTimestamp(ns: bigint): string {
  let secs = ns / 1_000_000_000n;
  let nanos = ns % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    secs -= 1n;
  }
  const iso = new Date(Number(secs) * 1000).toISOString();
  const frac = nanos.toString().padStart(9, '0').replace(/0+$/, '') || '0';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}

/** Compares one of our values with the expected JSON value; returns a difference message or null. */
export function compareValue(t: OrcType, ours: OrcValue, exp: Json, path: string): string | null {
  const diff = (what: string) => `${path}: ${what}`;
  if (exp === null || ours === null)
    return exp === ours ? null : diff(`expected ${show(exp)}, got ${show(ours)}`);
  switch (t.kind) {
    case 'boolean':
      return ours === exp ? null : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return exp instanceof RawNumber && exp.text === String(ours)
        ? null
        : diff(`expected ${show(exp)}, got ${show(ours)}`);
    // ORC's C++ tool prints floats with 7 and doubles with 14 significant digits (Java prints the
    // shortest exact form): accept either printing of our exact value.
    case 'float':
      return exp instanceof RawNumber &&
        (Math.fround(Number(exp.text)) === ours ||
          Number((ours as number).toPrecision(7)) === Number(exp.text))
        ? null
        : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'double':
      return exp instanceof RawNumber &&
        (Number(exp.text) === ours || Number((ours as number).toPrecision(14)) === Number(exp.text))
        ? null
        : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'decimal':
      return exp instanceof RawNumber && exp.text === ours
        ? null
        : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'string':
    case 'char':
    case 'varchar':
      return exp === ours ? null : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'binary': {
      const got = Array.from(ours as Uint8Array).join(',');
      const want = Array.isArray(exp) ? exp.map((x) => (x as RawNumber).text).join(',') : '?';
      return got === want ? null : diff(`expected [${want}], got [${got}]`);
    }
    case 'date':
      return exp === (ours as Date).toISOString().slice(0, 10)
        ? null
        : diff(`expected ${show(exp)}, got ${show(ours)}`);
    case 'timestamp':
    case 'timestamp with local time zone': {
      const got = formatTimestamp(ours as bigint);
      return exp === got ? null : diff(`expected ${show(exp)}, got ${got}`);
    }
    case 'list': {
      const o = ours as OrcValue[];
      if (!Array.isArray(exp) || exp.length !== o.length)
        return diff(`expected ${show(exp)}, got ${show(ours)}`);
      for (let k = 0; k < o.length; k++) {
        const d = compareValue(t.element, o[k]!, exp[k]!, `${path}[${k}]`);
        if (d) return d;
      }
      return null;
    }
    case 'map': {
      const o = ours as { key: OrcValue; value: OrcValue }[];
      if (!Array.isArray(exp) || exp.length !== o.length)
        return diff(`expected ${show(exp)}, got ${show(ours)}`);
      for (let k = 0; k < o.length; k++) {
        const e = exp[k] as { key: Json; value: Json };
        const d =
          compareValue(t.key, o[k]!.key, e.key, `${path}[${k}].key`) ??
          compareValue(t.value, o[k]!.value, e.value, `${path}[${k}].value`);
        if (d) return d;
      }
      return null;
    }
    case 'struct': {
      const o = ours as { [k: string]: OrcValue };
      const e = exp as { [k: string]: Json };
      for (const f of t.fields) {
        if (!(f.name in e)) return diff(`field ${f.name} missing in expected`);
        const d = compareValue(f.type, o[f.name]!, e[f.name]!, `${path}.${f.name}`);
        if (d) return d;
      }
      return null;
    }
    case 'union': {
      const o = ours as { tag: number; value: OrcValue };
      const e = exp as { tag: RawNumber; value: Json };
      if (String(o.tag) !== e.tag.text) return diff(`expected tag ${e.tag.text}, got ${o.tag}`);
      return compareValue(t.variants[o.tag]!, o.value, e.value, `${path}.value`);
    }
  }
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? x.toString() : x instanceof RawNumber ? x.text : x,
  );
}
