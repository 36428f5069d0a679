import type { NodeStatus } from '../types.js';

/** Display facts per node status: colour, label, one-line meaning. Order is the legend order. */
export const STATUS_INFO: Record<
  NodeStatus,
  { label: string; color: string; text: string; meaning: string }
> = {
  retrieved: { label: 'retrieved', color: '#238551', text: '#fff', meaning: 'served from the cache' },
  executed: { label: 'executed', color: '#2d72d2', text: '#fff', meaning: 'ran on a cache miss' },
  recomputed: {
    label: 'recomputed',
    color: '#c87619',
    text: '#fff',
    meaning: 'ran because its behavior is recompute',
  },
  disabled: { label: 'disabled', color: '#5f6b7c', text: '#fff', meaning: 'ran with caching disabled' },
  ignored: {
    label: 'ignored',
    color: '#abb3bf',
    text: '#1c2127',
    meaning: 'ran with caching off, left out of keys',
  },
  failed: { label: 'failed', color: '#cd4246', text: '#fff', meaning: 'its function threw' },
  skipped: { label: 'skipped', color: '#e5e8eb', text: '#404854', meaning: 'not run: a dependency failed' },
  input: { label: 'input', color: '#7961db', text: '#fff', meaning: 'a value given by the caller' },
  override: {
    label: 'override',
    color: '#d1980b',
    text: '#1c2127',
    meaning: 'an override given by the caller',
  },
};

/** All statuses in legend order. */
export const STATUSES = Object.keys(STATUS_INFO) as NodeStatus[];

/** `1.2 s`, `340 ms`, `2 min 5 s` — durations as people read them. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}

/** `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** UTC timestamp, the same on every machine (tests and screenshots do not depend on the time zone). */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
