/**
 * @dagcache/viewer — the dagcache run viewer: one self-contained HTML page (React + Blueprint, inlined) per
 * run, and a small run browser for `dagcache serve`.
 *
 * @example
 * ```ts
 * import { renderRunHtml } from '@dagcache/viewer';
 * const html = renderRunHtml({ runs, selectedRunId: runs.at(-1)!.runId });
 * ```
 */
export { renderRunHtml, renderBrowserHtml, jsonForScript } from './render.js';
export type { BrowserPageOptions, PageData } from './render.js';
export { createViewerHandler, viewerInputFor } from './serve.js';
export type { RunSource, ViewerHandlerOptions } from './serve.js';
export { loadAppAssets, buildAppAssets } from './assets.js';
export type { AppAssets } from './assets.js';
export { explainNode, diffKeyParts, describeChange } from './model/why.js';
export type { WhyChange, WhyExplanation } from './model/why.js';
export { buildRunView, groupMembers } from './model/graph.js';
export type { RunView, ViewNode, ViewEdge } from './model/graph.js';
export { compareNodes } from './model/compare.js';
export type { Comparison, ChangeKind } from './model/compare.js';
export { computeTotals } from './model/totals.js';
export type { RunTotals } from './model/totals.js';
export type * from './types.js';
