// Shared by the workflow interceptor (runs in the workflow sandbox) and the activity interceptor: import
// nothing here that the sandbox cannot load.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Headers } from '@temporalio/common';

/** Activity header carrying the data versions of the activities that completed before this one was scheduled. */
export const LINEAGE_HEADER = 'dagcache-lineage';

/** Upstream data versions by activity type (the latest result of each type). */
export type Lineage = Record<string, string>;

/**
 * Writes lineage into headers. The header always uses Temporal's default payload converter so both sides
 * agree on it whatever converter the user's data goes through.
 */
export function withLineage(headers: Headers, lineage: Lineage): Headers {
  const sorted: Lineage = {};
  for (const key of Object.keys(lineage).sort()) sorted[key] = lineage[key]!;
  return { ...headers, [LINEAGE_HEADER]: defaultPayloadConverter.toPayload(sorted) };
}

/** Reads lineage from activity headers; `undefined` when the workflow did not send any. */
export function readLineage(headers: Headers): Lineage | undefined {
  const payload = headers[LINEAGE_HEADER];
  if (!payload) return undefined;
  const value = defaultPayloadConverter.fromPayload<unknown>(payload);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const lineage: Lineage = {};
  for (const [key, version] of Object.entries(value)) if (typeof version === 'string') lineage[key] = version;
  return lineage;
}
