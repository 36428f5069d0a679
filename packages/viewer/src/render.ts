import { loadAppAssets } from './assets.js';
import type { RunRecord, ViewerInput } from './types.js';

/** What the page's embedded data script holds; `src/app/main.tsx` reads it. */
export type PageData =
  | { mode: 'file'; input: ViewerInput }
  | { mode: 'serve'; title: string; apiBase: string; selectedRunId?: string | undefined };

/**
 * Renders one run as a single self-contained HTML file: the React app, Blueprint's CSS and the run data are
 * all inlined, so the file opens from disk with no server and no network.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { renderRunHtml } from '@dagcache/viewer';
 * writeFileSync('run.html', renderRunHtml({ runs: [run, previousRun], selectedRunId: run.runId }));
 * ```
 */
export function renderRunHtml(input: ViewerInput): string {
  if (!input.runs.some((r) => r.runId === input.selectedRunId)) {
    throw new Error(
      `renderRunHtml: selectedRunId ${input.selectedRunId} is not among the ${input.runs.length} runs given`,
    );
  }
  if (input.compareRunId !== undefined && !input.runs.some((r) => r.runId === input.compareRunId)) {
    throw new Error(`renderRunHtml: compareRunId ${input.compareRunId} is not among the runs given`);
  }
  const title = input.title ?? `dagcache run ${input.selectedRunId}`;
  return page(title, { mode: 'file', input: { ...input, runs: input.runs.map(slimRun) } });
}

/** Options of {@link renderBrowserHtml}. */
export interface BrowserPageOptions {
  title?: string;
  /** Where the JSON API of {@link createViewerHandler} is mounted, relative to the page. Default `api`. */
  apiBase?: string;
  /** Run opened first; default the newest. */
  selectedRunId?: string;
}

/**
 * Renders the run browser (`dagcache serve`): a run list plus the same run view, loading runs from the JSON
 * API served by `createViewerHandler`.
 */
export function renderBrowserHtml(options: BrowserPageOptions = {}): string {
  const title = options.title ?? 'dagcache runs';
  return page(title, {
    mode: 'serve',
    title,
    apiBase: options.apiBase ?? 'api',
    selectedRunId: options.selectedRunId,
  });
}

/** Drops nothing today; one place to trim records before they are embedded. */
function slimRun(run: RunRecord): RunRecord {
  return run;
}

function page(title: string, data: PageData): string {
  const { js, css } = loadAppAssets();
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    // An inline empty icon: browsers otherwise request /favicon.ico (a 404 under `dagcache serve`).
    '<link rel="icon" href="data:,">',
    `<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`,
    '</head>',
    '<body>',
    '<div id="root"></div>',
    `<script type="application/json" id="dagcache-data">${jsonForScript(data)}</script>`,
    `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** JSON that cannot end the script element or open a comment: `<`, `>`, `&` and line separators escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
