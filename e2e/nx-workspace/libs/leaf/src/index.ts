// The deepest library: every other project depends on it, directly or not.
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function repeat(text: string, times: number): string {
  return text.repeat(clamp(times, 0, 100));
}
