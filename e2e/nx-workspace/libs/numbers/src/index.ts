import { clamp } from 'leaf';

export function percent(part: number, whole: number): string {
  return `${clamp(Math.round((part / whole) * 100), 0, 100)}%`;
}
