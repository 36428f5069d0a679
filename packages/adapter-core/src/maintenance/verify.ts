import { CorruptResultError } from '../errors.js';
import { allResults, type MaintenanceTarget, type ProgressFn } from './target.js';

export interface CorruptResult {
  dataVersion: string;
  format: string;
  file: string | null;
  byteSize: number;
  reason: string;
}

/** What `dagcache verify` reports. */
export interface VerifyReport {
  checked: number;
  ok: number;
  corrupt: CorruptResult[];
  /** Whether the corrupt results were deleted (`drop`). */
  dropped: boolean;
}

/**
 * Re-reads every stored result and checks its bytes against the stored SHA-256 checksum and size. Corrupt
 * or missing results are reported, and deleted with `drop` (their keys then miss, so the nodes run again;
 * `gc` removes the keys left pointing at nothing). Reads are one at a time to keep memory flat.
 *
 * @example
 * ```ts
 * const { corrupt } = await verifyResults(cache, { drop: true });
 * ```
 */
export async function verifyResults(
  target: MaintenanceTarget,
  options: { drop?: boolean; onProgress?: ProgressFn } = {},
): Promise<VerifyReport> {
  await target.resultStore.flush();
  const results = await allResults(target);
  const corrupt: CorruptResult[] = [];
  let done = 0;
  options.onProgress?.(0, results.length, 'verify');
  for (const entry of results) {
    try {
      await target.resultStore.readVerified(entry);
    } catch (err) {
      if (!(err instanceof CorruptResultError)) throw err;
      corrupt.push({
        dataVersion: entry.dataVersion,
        format: entry.format,
        file: entry.file,
        byteSize: entry.byteSize,
        reason: err.message,
      });
      if (options.drop) await target.resultStore.delete(entry.dataVersion);
    }
    options.onProgress?.(++done, results.length, 'verify');
  }
  return { checked: results.length, ok: results.length - corrupt.length, corrupt, dropped: !!options.drop };
}
