/**
 * Workflow interceptor module for dagcache lineage (opt-in). Register it with
 * `interceptors: { workflowModules: [lineageWorkflowModule] }` or `bundleWorkflowCode({ workflowInterceptorModules })`,
 * or let `new DagcacheWorkerPlugin({ lineage: true })` do it.
 *
 * It runs inside the workflow sandbox and must stay deterministic: it only reads activity results the
 * workflow already has, fingerprints them with a pure function, and adds an activity header. Headers are
 * not part of Temporal's non-determinism checks, and replay produces the same header values anyway.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Next } from '@temporalio/common';
import type {
  ActivityInput,
  LocalActivityInput,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { withLineage } from './lineage-header.js';
import type { Lineage } from './lineage-header.js';
import { sha256, toHex } from './sha256.js';

/** Fingerprint of a result as the default payload converter encodes it (metadata, then data). */
function resultVersion(result: unknown): string {
  const payload = defaultPayloadConverter.toPayload(result);
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const key of Object.keys(payload.metadata ?? {}).sort()) {
    parts.push(
      encoder.encode(`${key}\u0000`),
      payload.metadata?.[key] ?? new Uint8Array(),
      encoder.encode('\u0000'),
    );
  }
  parts.push(encoder.encode('\u0001'), payload.data ?? new Uint8Array());
  const size = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return `lineage-sha256:${toHex(sha256(all))}`;
}

/** Adds the lineage header to every activity and records each result's version for the ones after it. */
export class LineageOutboundInterceptor implements WorkflowOutboundCallsInterceptor {
  private readonly lineage: Lineage = {};

  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) {
    const result = await next({ ...input, headers: withLineage(input.headers, this.lineage) });
    this.lineage[input.activityType] = resultVersion(result);
    return result;
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    const result = await next({ ...input, headers: withLineage(input.headers, this.lineage) });
    this.lineage[input.activityType] = resultVersion(result);
    return result;
  }
}

/** The factory Temporal looks for in a workflow interceptor module: one lineage record per workflow execution. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [new LineageOutboundInterceptor()],
});
