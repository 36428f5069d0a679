import { Callout } from '@blueprintjs/core';
import { useEffect, useMemo, useState } from 'react';
import type { RunRecord } from '../types.js';
import { compareNodes } from '../model/compare.js';
import { buildRunView } from '../model/graph.js';
import { layoutGraph } from '../model/layout.js';
import { formatTime } from '../model/status.js';
import { computeTotals } from '../model/totals.js';
import { GraphView } from './GraphView.js';
import { Header } from './Header.js';
import { NodePanel } from './NodePanel.js';

/** One run (or merged group): header, comparison summary, the DAG and the node panel. */
export function RunScreen(props: {
  runs: RunRecord[];
  run: RunRecord;
  merge: boolean;
  compareRunId: string | undefined;
  query: string;
  filter: boolean;
  onSelectRun: (runId: string) => void;
}) {
  const { runs, run, merge, compareRunId, query, filter } = props;
  const view = useMemo(() => buildRunView(runs, run.runId, merge)!, [runs, run.runId, merge]);
  const layout = useMemo(() => layoutGraph(view.nodes, view.edges), [view]);
  const totals = useMemo(() => computeTotals(view, runs), [view, runs]);
  const compareRun = compareRunId ? runs.find((r) => r.runId === compareRunId) : undefined;
  const comparison = useMemo(
    () => (compareRun ? compareNodes(view.nodes, compareRun.nodes) : undefined),
    [view, compareRun],
  );
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const [focus, setFocus] = useState<{ id: string; n: number } | undefined>();

  useEffect(() => setSelectedId(undefined), [view.id]);

  const q = query.trim().toLowerCase();
  const matches = useMemo(
    () =>
      q ? new Set(view.nodes.filter((n) => n.id.toLowerCase().includes(q)).map((n) => n.id)) : undefined,
    [view, q],
  );
  // Bring the first match into view as the query changes (large graphs only draw what is on screen).
  useEffect(() => {
    const first = matches ? [...matches][0] : undefined;
    if (first) setFocus((f) => ({ id: first, n: (f?.n ?? 0) + 1 }));
  }, [matches]);

  const selected = selectedId ? view.nodes.find((n) => n.id === selectedId) : undefined;
  const goTo = (id: string) => {
    setSelectedId(id);
    setFocus((f) => ({ id, n: (f?.n ?? 0) + 1 }));
  };

  return (
    <div className="dc-screen">
      <Header view={view} totals={totals} />
      {compareRun && comparison ? (
        <Callout
          className="dc-compare"
          intent="primary"
          compact
          data-testid="compare-summary"
          data-changed={comparison.changed.size}
          data-removed={comparison.removed.length}
        >
          Compared with <strong>{compareRun.runId}</strong> ({compareRun.tool},{' '}
          {formatTime(compareRun.startedAt)}):{' '}
          <strong>{[...comparison.changed.values()].filter((k) => !k.includes('added')).length}</strong>{' '}
          changed,{' '}
          <strong>{[...comparison.changed.values()].filter((k) => k.includes('added')).length}</strong> only
          in this run, <strong>{comparison.removed.length}</strong> only in {compareRun.runId}.
          {comparison.changed.size > 0 ? (
            <div className="dc-compare-list">
              {[...comparison.changed.entries()].slice(0, 40).map(([id, kinds]) => (
                <button
                  type="button"
                  key={id}
                  className="dc-link"
                  data-changed-node={id}
                  onClick={() => goTo(id)}
                >
                  {id} <span className="dc-muted">({kinds.join(', ')})</span>
                </button>
              ))}
              {comparison.changed.size > 40 ? (
                <span className="dc-muted">… {comparison.changed.size - 40} more</span>
              ) : null}
            </div>
          ) : null}
          {comparison.removed.length > 0 ? (
            <div className="dc-muted" data-testid="compare-removed">
              only in {compareRun.runId}:{' '}
              {comparison.removed
                .slice(0, 20)
                .map((r) => r.nodeName)
                .join(', ')}
              {comparison.removed.length > 20 ? ' …' : ''}
            </div>
          ) : null}
        </Callout>
      ) : null}
      {q ? (
        <div className="dc-search-count dc-muted" data-testid="search-count" data-count={matches?.size ?? 0}>
          {matches?.size ?? 0} {matches?.size === 1 ? 'node matches' : 'nodes match'} “{query.trim()}”
        </div>
      ) : null}
      <div className="dc-workspace">
        <GraphView
          view={view}
          layout={layout}
          changed={comparison?.changed}
          matches={matches}
          filter={filter}
          selectedId={selectedId}
          focus={focus}
          onSelect={setSelectedId}
        />
        {selected ? (
          <NodePanel
            key={selected.id}
            node={selected}
            view={view}
            runs={runs}
            compareRun={compareRun}
            changes={comparison?.changed.get(selected.id)}
            onGoTo={goTo}
            onClose={() => setSelectedId(undefined)}
            onSelectRun={props.onSelectRun}
          />
        ) : null}
      </div>
    </div>
  );
}
