import { Tag } from '@blueprintjs/core';
import type { RunSummary } from '../types.js';
import { formatTime, STATUS_INFO } from '../model/status.js';

/** Run list (newest first): id, tool, time, hits and misses. */
export function RunList(props: {
  summaries: RunSummary[];
  selectedRunId: string | undefined;
  onSelect: (runId: string) => void;
}) {
  const newestFirst = [...props.summaries].reverse();
  return (
    <nav className="dc-run-list" data-testid="run-list" aria-label="Runs">
      <div className="dc-run-list-title">{props.summaries.length} runs</div>
      {newestFirst.map((s) => (
        <button
          type="button"
          key={s.runId}
          data-run={s.runId}
          className={`dc-run-item${s.runId === props.selectedRunId ? ' selected' : ''}`}
          onClick={() => props.onSelect(s.runId)}
        >
          <div className="dc-run-id" title={s.runId}>
            {s.runId}
          </div>
          <div className="dc-run-meta">
            <Tag minimal>{s.tool}</Tag> {formatTime(s.startedAt)}
          </div>
          <div className="dc-run-meta">
            <span style={{ color: STATUS_INFO.retrieved.color }}>{s.counts.retrieved ?? 0} hits</span>
            {' · '}
            <span style={{ color: STATUS_INFO.executed.color }}>{s.counts.executed ?? 0} misses</span>
            {s.status !== 'succeeded' ? (
              <span className={`dc-run-status ${s.status}`}> · {s.status}</span>
            ) : null}
            {s.labels?.group ? <span className="dc-run-group"> · group {s.labels.group}</span> : null}
          </div>
        </button>
      ))}
    </nav>
  );
}
