import type { NodeRecord, WhyAnswer, WhyChange } from './types.js';

const short = (v: string | null) => (v === null ? '(none)' : v.length > 12 ? `${v.slice(0, 12)}…` : v);

/** Compares a node's key parts with its most recent earlier record and says what changed. */
export function explainMiss(
  runId: string,
  node: NodeRecord,
  previousRunId: string | null,
  previous: NodeRecord | undefined,
): WhyAnswer {
  const changes: WhyChange[] = [];
  const reasons: string[] = [];
  const name = node.taskId ? `${node.nodeName} (task ${node.taskId})` : node.nodeName;
  if (node.behavior === 'recompute' || node.behavior === 'disable' || node.behavior === 'ignore') {
    changes.push({ kind: 'behavior', behavior: node.behavior });
    reasons.push(
      `${name} has behavior "${node.behavior}" (from ${node.behaviorSource ?? 'configuration'}), so it always runs`,
    );
  }
  if (!previous?.keyParts || !node.keyParts) {
    if (!previous) {
      changes.push({ kind: 'first-run' });
      reasons.push(`${name} has no earlier run to compare with: first run`);
    }
  } else {
    const a = previous.keyParts;
    const b = node.keyParts;
    if (a.codeVersion !== b.codeVersion) {
      changes.push({ kind: 'code', before: a.codeVersion, after: b.codeVersion });
      reasons.push(`code version changed: ${short(a.codeVersion)} → ${short(b.codeVersion)}`);
    }
    const partNames = [
      ...new Set([...Object.keys(a.codeParts ?? {}), ...Object.keys(b.codeParts ?? {})]),
    ].sort();
    for (const part of partNames) {
      const before = a.codeParts?.[part] ?? null;
      const after = b.codeParts?.[part] ?? null;
      if (before === after) continue;
      changes.push({ kind: 'code-part', name: part, before, after });
      if (before === null) reasons.push(`code changed: ${part} is new`);
      else if (after === null) reasons.push(`code changed: ${part} was removed`);
      else reasons.push(`code changed: ${part} (${short(before)} → ${short(after)})`);
    }
    const names = [...new Set([...Object.keys(a.dependencies), ...Object.keys(b.dependencies)])].sort();
    for (const dep of names) {
      const before = a.dependencies[dep] ?? null;
      const after = b.dependencies[dep] ?? null;
      if (before === after) continue;
      changes.push({ kind: 'dependency', name: dep, before, after });
      if (before === null) reasons.push(`new dependency "${dep}"`);
      else if (after === null) reasons.push(`dependency "${dep}" was removed`);
      else reasons.push(`dependency "${dep}" changed: ${short(before)} → ${short(after)}`);
    }
    if (changes.length === 0) {
      if (node.status === 'executed' && previous.cacheKey === node.cacheKey) {
        changes.push({ kind: 'result-missing' });
        reasons.push('same cache key as before, but the stored result was missing, corrupt or never written');
      } else {
        changes.push({ kind: 'same-key' });
        reasons.push(
          node.status === 'retrieved'
            ? 'nothing changed: retrieved from the cache'
            : 'same cache key as before',
        );
      }
    }
  }
  return { nodeName: node.nodeName, runId, status: node.status, previousRunId, reasons, changes };
}
