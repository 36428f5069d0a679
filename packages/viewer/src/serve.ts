import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderBrowserHtml } from './render.js';
import type { RunRecord, RunSummary, ViewerInput } from './types.js';

/** Where the run browser reads runs from (core's cache satisfies it: `listRuns`, `getRun`). */
export interface RunSource {
  listRuns(): Promise<RunSummary[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
}

export interface ViewerHandlerOptions {
  title?: string;
  /** Earlier runs sent with a run, to explain "why it ran" and estimate time saved. Default 30. */
  contextRuns?: number;
}

/**
 * A `node:http` request handler for the run browser: `GET /` is the page, `GET /api/runs` the run list and
 * `GET /api/view?run=<id>[&compare=<id>]` a {@link ViewerInput} (the run, its group, the compared run and
 * recent earlier runs). Bind the server to 127.0.0.1: run records can name private files and commands.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(createViewerHandler(cache)).listen(4400, '127.0.0.1');
 * ```
 */
export function createViewerHandler(
  source: RunSource,
  options: ViewerHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const contextRuns = options.contextRuns ?? 30;
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'text/plain', 'method not allowed');
      if (url.pathname === '/' || url.pathname === '/index.html') {
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          renderBrowserHtml({ title: options.title ?? 'dagcache runs' }),
        );
      }
      if (url.pathname === '/api/runs') return sendJson(res, 200, await source.listRuns());
      if (url.pathname === '/api/view') {
        const runId = url.searchParams.get('run');
        if (!runId) return sendJson(res, 400, { error: 'missing ?run=<runId>' });
        const input = await viewerInputFor(
          source,
          runId,
          url.searchParams.get('compare') ?? undefined,
          contextRuns,
        );
        if (!input) return sendJson(res, 404, { error: `no run ${runId}` });
        return sendJson(res, 200, input);
      }
      return send(res, 404, 'text/plain', 'not found');
    } catch (err) {
      return sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

/**
 * The runs the viewer needs to show `runId`: the run, the other runs of its group, the compared run, and the
 * `contextRuns` most recent runs that started before it.
 */
export async function viewerInputFor(
  source: RunSource,
  runId: string,
  compareRunId: string | undefined,
  contextRuns = 30,
): Promise<ViewerInput | undefined> {
  const summaries = await source.listRuns();
  const selected = summaries.find((s) => s.runId === runId);
  if (!selected) return undefined;
  const ids = new Set<string>([runId]);
  const group = selected.labels?.group;
  if (group) summaries.filter((s) => s.labels?.group === group).forEach((s) => ids.add(s.runId));
  if (compareRunId && summaries.some((s) => s.runId === compareRunId)) ids.add(compareRunId);
  summaries
    .filter((s) => s.startedAt < selected.startedAt)
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, contextRuns)
    .forEach((s) => ids.add(s.runId));
  const runs = (await Promise.all([...ids].map((id) => source.getRun(id)))).filter(
    (r): r is RunRecord => !!r,
  );
  return {
    runs,
    selectedRunId: runId,
    ...(compareRunId && ids.has(compareRunId) ? { compareRunId } : {}),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
