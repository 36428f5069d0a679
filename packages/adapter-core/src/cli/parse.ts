import { InvalidArgumentError } from 'commander';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * `30d`, `12h`, `90m`, `45s`, `500ms`, `2w` → milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('7d'); // 604800000
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`expected a duration like 30d, 12h, 90m or 45s, got "${text}"`);
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
}

/**
 * `500MB`, `2GiB`, `1g`, `4096` (bytes) → bytes; units are powers of 1024.
 *
 * @example
 * ```ts
 * parseSize('1.5GB'); // 1610612736
 * ```
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? (m[2] || 'b').toLowerCase() : '';
  if (!m || !(unit in SIZE_UNITS))
    throw new InvalidArgumentError(`expected a size like 500MB or 2GB, got "${text}"`);
  return Math.floor(Number(m[1]) * SIZE_UNITS[unit]!);
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${text}"`);
  return n;
}

/** A positive integer (counts, limits). */
export function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  return n;
}
