import { banner } from 'strings';
import { percent } from 'numbers';

export function section(title: string, done: number, total: number): string {
  return `${banner(title)}\n${percent(done, total)} done`;
}
