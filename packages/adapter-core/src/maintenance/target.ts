import type { MetadataEntry, MetadataStore } from '../stores/metadata-store.js';
import type { ResultEntry, ResultStore } from '../stores/result-store.js';

/** What maintenance works on: an open cache (`openCache`) has all three. */
export interface MaintenanceTarget {
  /** The cache folder (logs live in `<path>/logs`, reports in `<path>/reports`). */
  path: string;
  metadataStore: MetadataStore;
  resultStore: ResultStore;
}

/** Progress of a long operation: `done` of `total` items in `phase`. */
export type ProgressFn = (done: number, total: number, phase: string) => void;

/** Every stored result's entry, in one array (entries are small: no result bytes are read). */
export async function allResults(target: MaintenanceTarget): Promise<ResultEntry[]> {
  const out: ResultEntry[] = [];
  for await (const e of target.resultStore.list()) out.push(e);
  return out;
}

/** Every cache key entry of the metadata store. */
export async function allKeys(target: MaintenanceTarget): Promise<[string, MetadataEntry][]> {
  await target.metadataStore.flush();
  const out: [string, MetadataEntry][] = [];
  for await (const kv of target.metadataStore.entries()) out.push(kv);
  return out;
}
