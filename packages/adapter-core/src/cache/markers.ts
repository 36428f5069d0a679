import { DagcacheError } from '../errors.js';
import { sha256Base64Url } from '../fingerprint/index.js';

/**
 * Data versions that are not fingerprints. A key built from either can never be hit again, so such
 * keys are neither looked up nor stored (Hamilton wrote a random UUID and kept the unreachable rows).
 */
export const DISABLED_VERSION = '<disabled>';
export const UNHASHABLE_VERSION = '<unhashable>';

export function isUnmatchable(dataVersion: string): boolean {
  return dataVersion === DISABLED_VERSION || dataVersion === UNHASHABLE_VERSION;
}

/** The id a node (or fan-out task) has in a run: `name` or `name::taskId`. */
export function nodeId(name: string, taskId?: string): string {
  return taskId ? `${name}::${taskId}` : name;
}

const PLAIN_RUN_ID = /^[A-Za-z0-9_:@-][A-Za-z0-9_.:@-]{0,127}$/;

/**
 * The file name stem for a run's log and report. Run ids come from adapters (Nx task ids, Temporal
 * workflow ids) and may hold `/`, `..` or unicode: a plain id is used as it is, any other is hashed,
 * so a run id never becomes a path.
 */
export function runFileName(runId: string): string {
  return PLAIN_RUN_ID.test(runId) ? runId : `run-${sha256Base64Url(runId).slice(0, 32)}`;
}

/** Run ids are store keys: 1–200 characters, no control characters (NUL breaks Postgres text). */
export function checkRunId(runId: unknown): string {
  if (
    typeof runId !== 'string' ||
    runId.length === 0 ||
    runId.length > 200 ||
    /[\u0000-\u001f\u007f]/.test(runId)
  ) {
    throw new DagcacheError(
      `run id ${JSON.stringify(typeof runId === 'string' ? runId.slice(0, 80) : runId)} is not usable: use 1-200 characters without control characters`,
    );
  }
  return runId;
}
