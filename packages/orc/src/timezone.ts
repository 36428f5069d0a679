/**
 * Time zone offsets through Intl (full ICU ships with Node), cached per zone and hour, because ORC
 * TIMESTAMP values are stored relative to the writer's time zone and must be read back as the same
 * wall-clock time.
 */
import { OrcFormatError } from './errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
const cache = new Map<string, Map<number, number>>();

function isUtc(tz: string): boolean {
  return tz === 'UTC' || tz === 'GMT' || tz === 'Etc/UTC' || tz === 'Etc/GMT' || tz === 'Z' || tz === '';
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new OrcFormatError(`stripe footer: unknown writer time zone '${tz}'`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Offset of `tz` from UTC, in seconds, at the instant `epochSeconds`. */
export function tzOffset(tz: string, epochSeconds: number): number {
  if (isUtc(tz)) return 0;
  let byHour = cache.get(tz);
  if (!byHour) cache.set(tz, (byHour = new Map()));
  // Offsets change on whole quarter hours at most; cache per 15-minute slot.
  const slot = Math.floor(epochSeconds / 900);
  const hit = byHour.get(slot);
  if (hit !== undefined) return hit;
  const at = slot * 900;
  const parts = formatter(tz).formatToParts(new Date(at * 1000));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const wall = Date.UTC(0, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const d = new Date(wall);
  d.setUTCFullYear(year);
  const off = d.getTime() / 1000 - at;
  byHour.set(slot, off);
  return off;
}

/** Seconds since the epoch of `2015-01-01 00:00:00` wall-clock time in `tz` (ORC's timestamp base). */
export function orcEpoch(tz: string): number {
  const utc = 1420070400;
  return utc - tzOffset(tz, utc - tzOffset(tz, utc));
}
