import { section } from 'format';

export interface Item {
  name: string;
  done: number;
  total: number;
}

export function report(items: Item[]): string {
  return items.map((i) => section(i.name, i.done, i.total)).join('\n\n');
}
