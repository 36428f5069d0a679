import { repeat } from 'leaf';

export function banner(title: string): string {
  const line = repeat('=', title.length);
  return `${line}\n${title}\n${line}`;
}
