import { mkdir, writeFile } from 'node:fs/promises';
import { runFileName } from '../cache/markers.js';
import { dirname, resolve } from 'node:path';
import type { Cache } from '../cache/cache.js';
import { DagcacheError } from '../errors.js';

/**
 * Writes a run report with an explicit comparison run and/or the run's whole group merged (what
 * `dagcache view --compare/--group` need beyond `cache.viewRun`). The page also gets the run's group and
 * up to 30 earlier runs, so "why it ran" and the time saved have something to compare with.
 */
export async function writeReport(
  cache: Cache,
  runId: string,
  compareRunId: string | undefined,
  mergeGroup: boolean,
  outputFile: string | undefined,
): Promise<string> {
  const { renderRunHtml, viewerInputFor } = await import('@dagcache/viewer');
  const input = await viewerInputFor(cache, runId, compareRunId, 30);
  if (!input) throw new DagcacheError(`unknown run "${runId}"`);
  if (compareRunId && input.compareRunId !== compareRunId)
    throw new DagcacheError(`unknown run "${compareRunId}" (--compare)`);
  if (mergeGroup && !input.runs.find((r) => r.runId === runId)?.labels?.group) {
    throw new DagcacheError(`run "${runId}" has no labels.group to merge`);
  }
  const file = resolve(outputFile ?? resolve(cache.path, 'reports', `${runFileName(runId)}.html`));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderRunHtml({ ...input, mergeGroup }));
  return file;
}
