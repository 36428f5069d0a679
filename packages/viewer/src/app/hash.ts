/** View state kept in `location.hash` so a page (file or served) can be linked and reloaded as it was. */
export interface Selection {
  runId: string;
  compareRunId?: string | undefined;
  merge: boolean;
}

export function readHash(): Partial<Selection> {
  const p = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const out: Partial<Selection> = {};
  const run = p.get('run');
  if (run) out.runId = run;
  const compare = p.get('compare');
  if (compare) out.compareRunId = compare;
  if (p.has('group')) out.merge = p.get('group') === '1';
  return out;
}

export function writeHash(s: Selection): void {
  const p = new URLSearchParams();
  p.set('run', s.runId);
  if (s.compareRunId) p.set('compare', s.compareRunId);
  if (s.merge) p.set('group', '1');
  const next = `#${p.toString()}`;
  // replaceState: selection changes are not navigation steps, and it avoids a hashchange loop.
  if (window.location.hash === next) return;
  try {
    window.history.replaceState(null, '', next);
  } catch {
    // Some browsers refuse history changes on file:// pages; a plain hash change works everywhere.
    window.location.hash = next;
  }
}
