import { Tag } from '@blueprintjs/core';
import type { RunView } from '../model/graph.js';
import { formatDuration, formatTime, STATUS_INFO, STATUSES } from '../model/status.js';
import type { RunTotals } from '../model/totals.js';

/** Run header: id, tool, start time, status and totals, with the colour legend doubling as status counts. */
export function Header({ view, totals }: { view: RunView; totals: RunTotals }) {
  const first = view.runs[0]!;
  const merged = view.runs.length > 1;
  const status = view.runs.some((r) => r.status === 'failed')
    ? 'failed'
    : view.runs.some((r) => r.status === 'running')
      ? 'running'
      : 'succeeded';
  return (
    <header className="dc-header" data-testid="run-header">
      <div className="dc-header-line">
        <h2 className="dc-run-title" data-testid="run-id">
          {merged ? `group ${first.labels.group}` : first.runId}
        </h2>
        <Tag minimal data-testid="run-tool">
          {[...new Set(view.runs.map((r) => r.tool))].join(', ')}
        </Tag>
        <Tag
          intent={status === 'failed' ? 'danger' : status === 'running' ? 'warning' : 'success'}
          minimal
          data-testid="run-status"
        >
          {status}
        </Tag>
        <span className="dc-muted" data-testid="run-started">
          started {formatTime(view.startedAt)}
        </span>
        {totals.wallMs !== undefined ? (
          <span className="dc-muted">· took {formatDuration(totals.wallMs)}</span>
        ) : null}
        {merged ? <span className="dc-muted">· {view.runs.length} runs merged</span> : null}
        {Object.entries(first.labels ?? {})
          .filter(([k]) => !merged || k !== 'group')
          .map(([k, v]) => (
            <Tag key={k} minimal className="dc-label">
              {k}={v}
            </Tag>
          ))}
      </div>
      <div
        className="dc-header-line dc-totals"
        data-testid="totals"
        data-nodes={totals.nodes}
        data-hits={totals.hits}
        data-misses={totals.misses}
        data-time-saved-ms={Math.round(totals.timeSavedMs)}
      >
        <strong>{totals.nodes}</strong>&nbsp;nodes · <strong>{totals.hits}</strong>&nbsp;hits ·{' '}
        <strong>{totals.misses}</strong>&nbsp;misses · time saved ≈{' '}
        <strong>{formatDuration(totals.timeSavedMs)}</strong>
        {totals.hits > totals.timeSavedKnown ? (
          <span className="dc-muted">
            &nbsp;({totals.hits - totals.timeSavedKnown} hits without an earlier execution in view)
          </span>
        ) : null}
        <span className="dc-legend">
          {STATUSES.map((s) => (
            <span
              key={s}
              className={`dc-legend-item outcome-${s}${totals.counts[s] ? '' : ' empty'}`}
              data-testid={`count-${s}`}
              data-count={totals.counts[s] ?? 0}
              title={STATUS_INFO[s].meaning}
            >
              <span className="dc-swatch" style={{ background: STATUS_INFO[s].color }} />
              {s} {totals.counts[s] ?? 0}
            </span>
          ))}
        </span>
      </div>
    </header>
  );
}
