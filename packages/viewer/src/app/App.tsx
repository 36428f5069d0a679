import { Button, HTMLSelect, InputGroup, Navbar, NonIdealState, Spinner, Switch } from '@blueprintjs/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { PageData } from '../render.js';
import type { RunRecord, RunSummary, ViewerInput } from '../types.js';
import { sortRuns } from '../model/graph.js';
import { formatTime } from '../model/status.js';
import { readHash, writeHash, type Selection } from './hash.js';
import { RunList } from './RunList.js';
import { RunScreen } from './RunScreen.js';

/** Summary of a full record, for the run list of a file page. */
export function summarize(run: RunRecord): RunSummary {
  const counts: RunSummary['counts'] = {};
  for (const n of Object.values(run.nodes)) counts[n.status] = (counts[n.status] ?? 0) + 1;
  return {
    runId: run.runId,
    tool: run.tool,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: run.status,
    counts,
    labels: run.labels ?? {},
  };
}

/** The whole page: toolbar, optional run list, and the run screen. Works on embedded data or the serve API. */
export function App({ data }: { data: PageData }) {
  const embedded = data.mode === 'file' ? data.input : undefined;
  const [summaries, setSummaries] = useState<RunSummary[] | undefined>(() =>
    embedded ? sortRuns(embedded.runs).map(summarize) : undefined,
  );
  const [selection, setSelection] = useState<Selection | undefined>(() => {
    const h = readHash();
    if (embedded) {
      const known = (id: string | undefined) => id !== undefined && embedded.runs.some((r) => r.runId === id);
      return {
        runId: known(h.runId) ? h.runId! : embedded.selectedRunId,
        compareRunId: known(h.compareRunId) ? h.compareRunId : h.runId ? undefined : embedded.compareRunId,
        merge: h.merge ?? embedded.mergeGroup ?? false,
      };
    }
    return h.runId ? { runId: h.runId, compareRunId: h.compareRunId, merge: h.merge ?? false } : undefined;
  });
  const [loaded, setLoaded] = useState<ViewerInput | undefined>(embedded);
  const [error, setError] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState(false);
  const [showList, setShowList] = useState(data.mode === 'serve' || (embedded?.runs.length ?? 0) > 1);

  // Serve mode: fetch the run list once, then pick the hash's run, the requested one or the newest.
  useEffect(() => {
    if (data.mode !== 'serve') return;
    fetch(`${data.apiBase}/runs`)
      .then((r) =>
        r.ok ? (r.json() as Promise<RunSummary[]>) : Promise.reject(new Error(`${r.status} ${r.statusText}`)),
      )
      .then((list) => {
        const sorted = [...list].sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
        setSummaries(sorted);
        setSelection((s) => {
          if (s && sorted.some((x) => x.runId === s.runId)) return s;
          const wanted = data.selectedRunId ?? sorted[sorted.length - 1]?.runId;
          return wanted ? { runId: wanted, merge: false } : undefined;
        });
      })
      .catch((e: unknown) => setError(`could not load runs: ${e instanceof Error ? e.message : String(e)}`));
  }, [data]);

  // Serve mode: load the selected run with its context whenever the selection changes.
  useEffect(() => {
    if (data.mode !== 'serve' || !selection) return;
    const q = new URLSearchParams({ run: selection.runId });
    if (selection.compareRunId) q.set('compare', selection.compareRunId);
    let live = true;
    fetch(`${data.apiBase}/view?${q.toString()}`)
      .then((r) =>
        r.ok ? (r.json() as Promise<ViewerInput>) : Promise.reject(new Error(`${r.status} ${r.statusText}`)),
      )
      .then((input) => live && setLoaded(input))
      .catch(
        (e: unknown) => live && setError(`could not load run: ${e instanceof Error ? e.message : String(e)}`),
      );
    return () => {
      live = false;
    };
  }, [data, selection?.runId, selection?.compareRunId]);

  useEffect(() => {
    if (selection) writeHash(selection);
    document.title = selection ? `dagcache · ${selection.runId}` : document.title;
  }, [selection]);

  const select = useCallback((s: Partial<Selection>) => {
    setSelection((prev) =>
      prev ? { ...prev, ...s } : s.runId ? { runId: s.runId, merge: false, ...s } : prev,
    );
  }, []);

  const runs = loaded?.runs;
  const run = runs?.find((r) => r.runId === selection?.runId);
  const group = run?.labels?.group;
  const groupSize = group && summaries ? summaries.filter((s) => s.labels?.group === group).length : 1;
  const ready = !!(run && runs && selection);

  const compareOptions = useMemo(
    () =>
      [...(summaries ?? [])]
        .reverse()
        .filter((s) => s.runId !== selection?.runId)
        .map((s) => ({ value: s.runId, label: `${s.runId} · ${s.tool} · ${formatTime(s.startedAt)}` })),
    [summaries, selection?.runId],
  );

  return (
    <div className="dc-app">
      <Navbar className="dc-navbar">
        <Navbar.Group>
          <Navbar.Heading className="dc-brand">dagcache</Navbar.Heading>
          <Button
            variant="minimal"
            text={showList ? 'Hide runs' : 'Runs'}
            onClick={() => setShowList((v) => !v)}
            data-testid="toggle-run-list"
          />
          <Navbar.Divider />
          <HTMLSelect
            value={selection?.compareRunId ?? ''}
            onChange={(e) => select({ compareRunId: e.currentTarget.value || undefined })}
            options={[{ value: '', label: 'Compare with…' }, ...compareOptions]}
            data-testid="compare-select"
            className="dc-compare-select"
          />
          {group && groupSize > 1 ? (
            <Switch
              className="dc-group-switch"
              checked={selection?.merge ?? false}
              label={`Whole group ${group} (${groupSize} runs)`}
              onChange={(e) => select({ merge: e.currentTarget.checked })}
              data-testid="group-toggle"
            />
          ) : null}
        </Navbar.Group>
        <Navbar.Group align="right">
          <InputGroup
            type="search"
            placeholder="Search nodes…"
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            data-testid="search"
            className="dc-search"
          />
          <Switch
            className="dc-filter-switch"
            checked={filter}
            label="Only matches"
            onChange={(e) => setFilter(e.currentTarget.checked)}
            data-testid="search-filter"
          />
        </Navbar.Group>
      </Navbar>
      <div className="dc-body">
        {showList && summaries ? (
          <RunList
            summaries={summaries}
            selectedRunId={selection?.runId}
            onSelect={(runId) => select({ runId, compareRunId: undefined, merge: false })}
          />
        ) : null}
        <main className="dc-main">
          {error ? (
            <NonIdealState title="dagcache viewer" description={error} data-testid="load-error" />
          ) : ready ? (
            <RunScreen
              runs={runs}
              run={run}
              merge={selection.merge && groupSize > 1}
              compareRunId={selection.compareRunId}
              query={query}
              filter={filter}
              onSelectRun={(runId) => select({ runId, compareRunId: undefined, merge: false })}
            />
          ) : summaries && summaries.length === 0 ? (
            <NonIdealState title="No runs yet" description="Run a pipeline with caching on, then reload." />
          ) : (
            <Spinner />
          )}
        </main>
      </div>
    </div>
  );
}
