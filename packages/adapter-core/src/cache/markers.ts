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
