import { Button, ButtonGroup } from '@blueprintjs/core';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ChangeKind } from '../model/compare.js';
import type { RunView, ViewNode } from '../model/graph.js';
import type { Box, Layout } from '../model/layout.js';
import { formatDuration, STATUS_INFO } from '../model/status.js';

/** Above this many nodes only what is near the viewport is drawn (the SVG stays small while scrolling). */
export const VIRTUALIZE_ABOVE = 400;
/** Extra area drawn around the viewport, in screen pixels, so scrolling does not show blank edges. */
const OVERSCAN = 400;

interface Viewport {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The DAG as SVG in a scrollable pane, with zoom buttons; large graphs are virtualised. */
export function GraphView(props: {
  view: RunView;
  layout: Layout;
  changed: Map<string, ChangeKind[]> | undefined;
  matches: Set<string> | undefined;
  filter: boolean;
  selectedId: string | undefined;
  focus: { id: string; n: number } | undefined;
  onSelect: (id: string) => void;
}) {
  const { view, layout, changed, matches, filter, selectedId, focus, onSelect } = props;
  const pane = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState(1);
  const [vp, setVp] = useState<Viewport>({ left: 0, top: 0, width: 1600, height: 1000 });
  const frame = useRef(0);
  const virtual = view.nodes.length > VIRTUALIZE_ABOVE;

  const measure = useCallback(() => {
    const el = pane.current;
    if (!el) return;
    setVp({ left: el.scrollLeft, top: el.scrollTop, width: el.clientWidth, height: el.clientHeight });
  }, []);
  const onScroll = useCallback(() => {
    if (!virtual || frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      measure();
    });
  }, [virtual, measure]);

  const fit = useCallback(
    (min = 0.2) => {
      const el = pane.current;
      if (!el) return;
      const s = Math.min(1, (el.clientWidth - 8) / layout.width, (el.clientHeight - 8) / layout.height);
      setScale(Math.max(min, s));
    },
    [layout],
  );

  // A new graph starts fitted (small graphs) or at full size in the top left corner (large ones).
  useLayoutEffect(() => {
    if (virtual) setScale(1);
    // Never below 0.75 for a first look: small text is worse than a scrollbar.
    else fit(0.75);
    pane.current?.scrollTo(0, 0);
    measure();
  }, [layout, virtual, fit, measure]);

  useEffect(() => {
    const el = pane.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => measure());
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure]);

  // Scroll a requested node (search, comparison list, panel links) to the centre.
  useEffect(() => {
    const el = pane.current;
    const box = focus ? layout.boxes.get(focus.id) : undefined;
    if (!el || !box) return;
    el.scrollTo({
      left: Math.max(0, (box.x + box.w / 2) * scale - el.clientWidth / 2),
      top: Math.max(0, (box.y + box.h / 2) * scale - el.clientHeight / 2),
    });
    measure();
  }, [focus, layout, scale, measure]);

  const area = {
    x0: (vp.left - OVERSCAN) / scale,
    y0: (vp.top - OVERSCAN) / scale,
    x1: (vp.left + vp.width + OVERSCAN) / scale,
    y1: (vp.top + vp.height + OVERSCAN) / scale,
  };
  const inView = (b: Box) =>
    !virtual || (b.x + b.w >= area.x0 && b.x <= area.x1 && b.y + b.h >= area.y0 && b.y <= area.y1);
  const hidden = (id: string) => filter && matches !== undefined && !matches.has(id);

  const drawn = view.nodes.filter((n) => {
    const b = layout.boxes.get(n.id);
    return b && inView(b) && !hidden(n.id);
  });
  const drawnEdges = layout.edges.filter((e) => {
    if (hidden(e.from) || hidden(e.to)) return false;
    if (!virtual) return true;
    const xs = e.points.map((p) => p.x);
    const ys = e.points.map((p) => p.y);
    return inView({
      x: Math.min(...xs),
      y: Math.min(...ys),
      w: Math.max(...xs) - Math.min(...xs),
      h: Math.max(...ys) - Math.min(...ys),
    });
  });

  return (
    <div className="dc-graph-wrap">
      <ButtonGroup className="dc-zoom" variant="outlined">
        <Button
          text="−"
          onClick={() => setScale((s) => Math.max(0.1, s / 1.25))}
          aria-label="Zoom out"
          data-testid="zoom-out"
        />
        <Button
          text="+"
          onClick={() => setScale((s) => Math.min(3, s * 1.25))}
          aria-label="Zoom in"
          data-testid="zoom-in"
        />
        <Button text="Fit" onClick={() => fit()} data-testid="zoom-fit" />
      </ButtonGroup>
      <div
        className="dc-graph"
        ref={pane}
        onScroll={onScroll}
        data-testid="graph"
        data-node-count={view.nodes.length}
        data-edge-count={layout.edges.length}
        data-drawn-count={drawn.length}
        data-layout={layout.engine}
        data-virtual={virtual ? 'true' : 'false'}
      >
        <svg width={layout.width * scale} height={layout.height * scale} role="img" aria-label="Run DAG">
          <defs>
            <marker
              id="dc-arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#8f99a8" />
            </marker>
            <marker
              id="dc-arrow-hot"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#2d72d2" />
            </marker>
          </defs>
          <g transform={`scale(${scale})`}>
            <g className="dc-edges">
              {drawnEdges.map((e) => {
                const hot = selectedId !== undefined && (e.from === selectedId || e.to === selectedId);
                return (
                  <path
                    key={`${e.from}\u0000${e.to}`}
                    d={edgePath(e.points)}
                    className={`dc-edge${hot ? ' hot' : ''}${matches && !(matches.has(e.from) || matches.has(e.to)) ? ' dim' : ''}`}
                    markerEnd={hot ? 'url(#dc-arrow-hot)' : 'url(#dc-arrow)'}
                    data-edge={`${e.from}->${e.to}`}
                  />
                );
              })}
            </g>
            <g className="dc-nodes">
              {drawn.map((n) => (
                <GraphNode
                  key={n.id}
                  node={n}
                  box={layout.boxes.get(n.id)!}
                  changes={changed?.get(n.id)}
                  match={matches === undefined ? undefined : matches.has(n.id)}
                  selected={n.id === selectedId}
                  onSelect={onSelect}
                />
              ))}
            </g>
          </g>
        </svg>
      </div>
    </div>
  );
}

/** A smooth path through dagre's points, or an S-curve between two points (layered layout). */
function edgePath(points: { x: number; y: number }[]): string {
  const [a, ...rest] = points;
  if (!a) return '';
  if (rest.length === 1) {
    const b = rest[0]!;
    const mx = (a.x + b.x) / 2;
    return `M${a.x},${a.y} C${mx},${a.y} ${mx},${b.y} ${b.x},${b.y}`;
  }
  return `M${a.x},${a.y} ` + rest.map((p) => `L${p.x},${p.y}`).join(' ');
}

const MAX_CHARS = 25;

const GraphNode = memo(function GraphNode(props: {
  node: ViewNode;
  box: Box;
  changes: ChangeKind[] | undefined;
  match: boolean | undefined;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const { node, box, changes, match, selected, onSelect } = props;
  const { status, durationMs } = node.record;
  const info = STATUS_INFO[status] ?? STATUS_INFO.executed;
  const name = node.id.length > MAX_CHARS ? `${node.id.slice(0, MAX_CHARS - 1)}…` : node.id;
  const classes = ['dc-node', `outcome-${status}`];
  if (changes) classes.push('changed');
  if (match === true) classes.push('search-match');
  if (match === false) classes.push('search-dim');
  if (selected) classes.push('selected');
  const given = status === 'input' || status === 'override' || status === 'skipped';
  return (
    <g
      className={classes.join(' ')}
      data-node={node.id}
      data-node-name={node.record.nodeName}
      data-status={status}
      data-change={changes?.join(' ')}
      transform={`translate(${box.x},${box.y})`}
      onClick={() => onSelect(node.id)}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect(node.id)}
      tabIndex={0}
      role="button"
      aria-label={`${node.id}: ${status}`}
    >
      <title>{`${node.id}\n${status} — ${info.meaning}${given ? '' : `\n${formatDuration(durationMs)}`}`}</title>
      <rect className="dc-node-box" width={box.w} height={box.h} rx={6} fill={info.color} />
      <text className="dc-node-name" x={10} y={18} fill={info.text}>
        {name}
      </text>
      <text className="dc-node-meta" x={10} y={34} fill={info.text}>
        {given ? status : `${status} · ${formatDuration(durationMs)}`}
      </text>
      {changes ? (
        <g className="dc-change-badge" transform={`translate(${box.w - 8},0)`}>
          <circle r={8} cy={0} />
          <text y={4} textAnchor="middle">
            Δ
          </text>
        </g>
      ) : null}
    </g>
  );
});
