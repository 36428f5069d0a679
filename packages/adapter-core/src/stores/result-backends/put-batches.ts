import type { ResultEntry } from '../result-backend.js';

type Item = { entry: ResultEntry; bytes?: Uint8Array };

/**
 * Splits a `put` into statements of at most `maxItems` items and about `maxBytes` inline bytes (a
 * server refuses one huge statement), keeping the last item per data version (last write wins within
 * a call too), and gathers the data versions written.
 */
export async function putInBatches(
  items: ReadonlyArray<Item>,
  maxItems: number,
  maxBytes: number,
  putBatch: (batch: ReadonlyArray<Item>) => Promise<readonly string[]>,
): Promise<Set<string>> {
  const byDv = new Map(items.map((it) => [it.entry.dataVersion, it]));
  const written = new Set<string>();
  let batch: Item[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    for (const dv of await putBatch(batch)) written.add(dv);
    batch = [];
    batchBytes = 0;
  };
  for (const it of byDv.values()) {
    const size = it.entry.file === null ? (it.bytes?.byteLength ?? 0) : 0;
    if (batch.length >= maxItems || (batch.length > 0 && batchBytes + size > maxBytes)) await flush();
    batch.push(it);
    batchBytes += size;
  }
  await flush();
  return written;
}
