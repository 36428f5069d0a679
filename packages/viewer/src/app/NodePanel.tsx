import { Button, Callout, HTMLTable, Tag } from '@blueprintjs/core';
import type { ReactNode } from 'react';
import type { RunRecord } from '../types.js';
import type { ChangeKind } from '../model/compare.js';
import type { RunView, ViewNode } from '../model/graph.js';
import { formatBytes, formatDuration, formatTime, STATUS_INFO } from '../model/status.js';
import { explainNode, short } from '../model/why.js';

/** Side panel for one node: why it ran, behavior, key and its parts, data version, format, size, events. */
export function NodePanel(props: {
  node: ViewNode;
  view: RunView;
  runs: RunRecord[];
  compareRun: RunRecord | undefined;
  changes: ChangeKind[] | undefined;
  onGoTo: (id: string) => void;
  onClose: () => void;
  onSelectRun: (runId: string) => void;
}) {
  const { node, view, runs, compareRun, changes } = props;
  const r = node.record;
  const run = view.runs.find((x) => x.runId === node.runId)!;
  const why = explainNode(runs, run, node.id, new Set(view.runs.map((x) => x.runId)));
  const info = STATUS_INFO[r.status];
  const events = run.events.filter(
    (e) => e.nodeName === r.nodeName && (e.taskId ?? undefined) === (r.taskId ?? undefined),
  );
  const downstream = view.edges.filter((e) => e.from === node.id).map((e) => e.to);
  const upstream = view.edges.filter((e) => e.to === node.id).map((e) => e.from);
  const changedDeps = new Set(why.changes.flatMap((c) => (c.kind === 'dependency' ? [c.name] : [])));
  const codeChanged = why.changes.some((c) => c.kind === 'code');
  const before = compareRun?.nodes[node.id];

  return (
    <aside
      className="dc-panel"
      data-testid="node-panel"
      data-panel-node={node.id}
      aria-label={`Node ${node.id}`}
    >
      <div className="dc-panel-head">
        <h3 className="dc-panel-title" data-testid="panel-title" title={node.id}>
          {r.nodeName}
          {r.taskId !== undefined ? <span className="dc-muted"> [{r.taskId}]</span> : null}
        </h3>
        <Button
          variant="minimal"
          text="✕"
          aria-label="Close"
          onClick={props.onClose}
          data-testid="panel-close"
        />
      </div>
      <div className="dc-panel-tags">
        <Tag style={{ background: info.color, color: info.text }} data-testid="panel-status">
          {r.status}
        </Tag>
        <span className="dc-muted">{info.meaning}</span>
      </div>

      <Section title="Why it ran" testId="why">
        <Callout
          compact
          intent={r.status === 'retrieved' ? 'success' : r.status === 'failed' ? 'danger' : 'none'}
        >
          <ul className="dc-why">
            {why.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          {why.previousRunId ? (
            <div className="dc-muted">
              compared with run{' '}
              <button
                type="button"
                className="dc-link"
                onClick={() => props.onSelectRun(why.previousRunId!)}
                data-testid="why-previous"
              >
                {why.previousRunId}
              </button>
            </div>
          ) : null}
        </Callout>
      </Section>

      <Section title="Node" testId="panel-props">
        <Props
          rows={[
            ['behavior', <span data-testid="panel-behavior">{r.behavior}</span>],
            ['behavior from', <span data-testid="panel-behavior-source">{r.behaviorSource ?? '—'}</span>],
            ['duration', formatDuration(r.durationMs)],
            ['started', formatTime(r.startedAt)],
            view.runs.length > 1 ? ['run', node.runId] : undefined,
            ['format', <span data-testid="panel-format">{r.format ?? '—'}</span>],
            ['size', <span data-testid="panel-size">{formatBytes(r.byteSize)}</span>],
            ['data version', <Mono testId="panel-data-version">{r.dataVersion}</Mono>],
            ['cache key', <Mono testId="panel-cache-key">{r.cacheKey}</Mono>],
            r.error
              ? [
                  'error',
                  <span className="dc-error" data-testid="panel-error">
                    {r.error}
                  </span>,
                ]
              : undefined,
          ]}
        />
      </Section>

      {r.keyParts ? (
        <Section title="Cache key parts" testId="panel-key-parts">
          <Props
            rows={[
              [
                'code version',
                <Mono className={codeChanged ? 'dc-changed' : ''}>{r.keyParts.codeVersion}</Mono>,
              ],
              r.keyParts.taskId !== undefined ? ['task id', r.keyParts.taskId] : undefined,
            ]}
          />
          {Object.keys(r.keyParts.dependencies).length > 0 ? (
            <HTMLTable compact striped className="dc-table" data-testid="panel-dependencies">
              <thead>
                <tr>
                  <th>dependency</th>
                  <th>data version</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(r.keyParts.dependencies).map(([name, v]) => (
                  <tr key={name} className={changedDeps.has(name) ? 'dc-changed' : ''} data-dependency={name}>
                    <td>{name}</td>
                    <td>
                      <Mono>{v}</Mono>
                    </td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          ) : (
            <div className="dc-muted">no dependencies</div>
          )}
        </Section>
      ) : null}

      {compareRun ? (
        <Section title={`Compared with ${compareRun.runId}`} testId="panel-compare">
          {before ? (
            <Props
              rows={[
                ['status', <CompareValue before={before.status} after={r.status} />],
                ['data version', <CompareValue before={before.dataVersion} after={r.dataVersion} shorten />],
                ['cache key', <CompareValue before={before.cacheKey} after={r.cacheKey} shorten />],
                ['changed', changes ? changes.join(', ') : 'nothing'],
              ]}
            />
          ) : (
            <div className="dc-muted">not in run {compareRun.runId}</div>
          )}
        </Section>
      ) : null}

      {upstream.length + downstream.length > 0 ? (
        <Section title="Neighbours" testId="panel-neighbours">
          <NodeLinks label="upstream" ids={upstream} onGoTo={props.onGoTo} />
          <NodeLinks label="downstream" ids={downstream} onGoTo={props.onGoTo} />
        </Section>
      ) : null}

      {r.details && Object.keys(r.details).length > 0 ? (
        <Section title="Details" testId="panel-details">
          <pre className="dc-pre">{JSON.stringify(r.details, null, 2)}</pre>
        </Section>
      ) : null}

      <Section title={`Events (${events.length})`} testId="panel-events">
        <ol className="dc-events">
          {events.map((e, i) => (
            <li key={i} data-event={e.eventType}>
              <span className="dc-event-type">{e.eventType}</span>
              {e.msg ? <span className="dc-event-msg"> {e.msg}</span> : null}
              <div className="dc-muted dc-event-meta">
                +{formatDuration(Math.max(0, e.timestamp - run.startedAt))} · {e.actor}
                {e.value === undefined ? null : (
                  <code
                    className="dc-mono"
                    title={typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}
                  >
                    {' '}
                    {short(typeof e.value === 'string' ? e.value : JSON.stringify(e.value), 28)}
                  </code>
                )}
              </div>
            </li>
          ))}
        </ol>
      </Section>
    </aside>
  );
}

function Section(props: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="dc-section" data-testid={props.testId}>
      <h4 className="dc-section-title">{props.title}</h4>
      {props.children}
    </section>
  );
}

function Props({ rows }: { rows: ([string, ReactNode] | undefined)[] }) {
  return (
    <table className="dc-props">
      <tbody>
        {rows
          .filter((x): x is [string, ReactNode] => !!x)
          .map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function Mono(props: { children: string | null | undefined; testId?: string; className?: string }) {
  return (
    <code
      className={`dc-mono ${props.className ?? ''}`}
      data-testid={props.testId}
      title={props.children ?? undefined}
    >
      {props.children ?? '—'}
    </code>
  );
}

function CompareValue(props: { before: string | null; after: string | null; shorten?: boolean }) {
  const f = (v: string | null) => (props.shorten ? short(v, 12) : (v ?? '—'));
  if (props.before === props.after) return <span>{f(props.after)}</span>;
  return (
    <span className="dc-changed">
      {f(props.before)} → {f(props.after)}
    </span>
  );
}

function NodeLinks(props: { label: string; ids: string[]; onGoTo: (id: string) => void }) {
  if (props.ids.length === 0) return null;
  return (
    <div className="dc-links">
      <span className="dc-muted">{props.label}: </span>
      {props.ids.slice(0, 30).map((id) => (
        <button type="button" key={id} className="dc-link" onClick={() => props.onGoTo(id)}>
          {id}
        </button>
      ))}
      {props.ids.length > 30 ? <span className="dc-muted"> … {props.ids.length - 30} more</span> : null}
    </div>
  );
}
