// Helpers for the e2e tests: a fresh copy of e2e/nx-workspace in a temp folder, run with the real `nx`.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCache, type NodeStatus } from '@dagcache/core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../../..');
const template = join(repoRoot, 'e2e/nx-workspace');
const nodeModules = join(repoRoot, 'node_modules');

/**
 * Builds @dagcache/nx and @dagcache/core (and any @dagcache package core depends on) when their dist/ is
 * older than their sources, so the real `nx` loads current code. In CI `npm test` has built them already
 * (test dependsOn build) and this is a quick check; after an edit, `npx vitest run` here rebuilds.
 */
export function buildPackages(): void {
  const dirs = new Map<string, string>([
    ['@dagcache/nx', join(repoRoot, 'packages/nx-plugin')],
    ['@dagcache/core', join(repoRoot, 'packages/adapter-core')],
  ]);
  const core = JSON.parse(readFileSync(join(repoRoot, 'packages/adapter-core/package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(core.dependencies ?? {}).filter((d) => d.startsWith('@dagcache/'))) {
    dirs.set(dep, resolve(nodeModules, dep));
  }
  const tsc = join(nodeModules, 'typescript/bin/tsc');
  for (const [name, dir] of dirs) {
    if (!isStale(dir)) continue;
    const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.lib.json')], { encoding: 'utf8' });
    // A type error elsewhere still emits; what matters is that the entry point exists.
    if (!existsSync(join(dir, 'dist/index.js')))
      throw new Error(`building ${name} failed:\n${r.stdout}${r.stderr}`);
  }
}

/** True when a source file is newer than the built entry point (or nothing is built yet). */
function isStale(dir: string): boolean {
  const entry = join(dir, 'dist/index.js');
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  const newest = (folder: string): number =>
    readdirSync(folder, { withFileTypes: true }).reduce((max, e) => {
      const path = join(folder, e.name);
      return Math.max(max, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  return newest(join(dir, 'src')) > built;
}

export interface Workspace {
  root: string;
  /** Runs `nx <args>`; resolves with the exit status and everything it printed. */
  nx(args: string[], env?: Record<string, string>): { status: number; output: string };
  write(path: string, text: string): void;
  read(path: string): string;
  /** Edits a JSON file of the workspace in place. */
  editJson(path: string, edit: (json: Record<string, any>) => void): void;
  dispose(): void;
}

/**
 * Copies the template to a new temp folder and links its node_modules (see {@link linkWorkspace}) to the monorepo's installed
 * packages (nx, typescript, @dagcache/*): no network, no npm cache needed, works on a fresh clone after
 * `npm ci && npm run build`. The workspace's own libraries are linked too, so the built app can run.
 */
export function createWorkspace(parent?: string): Workspace {
  // With `parent`, the workspace is `<parent>/ws`, so a test can watch what lies beside it too.
  const root = parent ? join(parent, 'ws') : mkdtempSync(join(tmpdir(), 'dagcache-nx-e2e-'));
  cpSync(template, root, { recursive: true });
  return linkWorkspace(
    root,
    ['leaf', 'strings', 'numbers', 'format', 'report'].map((l) => `libs/${l}`),
  );
}

/**
 * Gives a workspace folder a node_modules linked to the monorepo's installed nx, typescript and
 * @dagcache packages (plus its own libraries, by folder name) and returns helpers to drive it.
 * Used by {@link createWorkspace} and by the benchmark, which generates its own workspace.
 */
export function linkWorkspace(root: string, libraries: readonly string[]): Workspace {
  const nm = join(root, 'node_modules');
  mkdirSync(join(nm, '@dagcache'), { recursive: true });
  mkdirSync(join(nm, '.bin'));
  for (const pkg of ['nx', 'typescript', '@dagcache/nx', '@dagcache/core']) {
    symlinkSync(resolve(nodeModules, pkg), join(nm, pkg), 'dir');
  }
  symlinkSync('../typescript/bin/tsc', join(nm, '.bin/tsc'));
  symlinkSync('../nx/bin/nx.js', join(nm, '.bin/nx'));
  for (const lib of libraries) symlinkSync(join(root, lib), join(nm, lib.split('/').pop()!), 'dir');
  return {
    root,
    nx(args, env = {}) {
      const r = spawnSync(process.execPath, [join(nm, 'nx/bin/nx.js'), ...args], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          NX_DAEMON: 'false',
          NX_NO_CLOUD: 'true',
          NX_TUI: 'false',
          NX_SKIP_NX_CACHE: 'false',
          FORCE_COLOR: '0',
          ...env,
        },
        timeout: 120_000,
      });
      return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
    },
    write: (path, text) => writeFileSync(join(root, path), text),
    read: (path) => readFileSync(join(root, path), 'utf8'),
    editJson(path, edit) {
      const json = JSON.parse(readFileSync(join(root, path), 'utf8'));
      edit(json);
      writeFileSync(join(root, path), JSON.stringify(json, null, 2));
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The status of every node in the dagcache runs of the most recent Nx invocation (`labels.group`). */
export async function lastInvocation(
  ws: Workspace,
  store?: string,
): Promise<{ group: string; statuses: Record<string, NodeStatus>; runIds: Record<string, string> }> {
  const cache = await openCache({ path: join(ws.root, '.dagcache'), ...(store ? { store } : {}) });
  try {
    const runs = await cache.listRuns();
    const group = runs.at(-1)?.labels['group'] ?? '';
    const statuses: Record<string, NodeStatus> = {};
    const runIds: Record<string, string> = {};
    for (const summary of runs.filter((r) => r.labels['group'] === group)) {
      const record = await cache.getRun(summary.runId);
      for (const node of Object.values(record?.nodes ?? {})) {
        statuses[node.nodeName] = node.status;
        runIds[node.nodeName] = summary.runId;
      }
    }
    return { group, statuses, runIds };
  } finally {
    await cache.close();
  }
}

/** How many dagcache runs the workspace has recorded (one per Nx task that reached the executor). */
export async function runCount(ws: Workspace): Promise<number> {
  if (!existsSync(join(ws.root, '.dagcache'))) return 0;
  const cache = await openCache({ path: join(ws.root, '.dagcache') });
  try {
    return (await cache.listRuns()).length;
  } finally {
    await cache.close();
  }
}

/** The reasons core's `why` gives for a node in a run. */
export async function why(ws: Workspace, runId: string, node: string): Promise<string> {
  const cache = await openCache({ path: join(ws.root, '.dagcache') });
  try {
    return (await cache.why(runId, node)).reasons.join('\n');
  } finally {
    await cache.close();
  }
}

export const ALL = [
  'leaf:build',
  'strings:build',
  'numbers:build',
  'format:build',
  'report:build',
  'cli:build',
] as const;

/** `{ node: status }` for every project's build, all with the same status. */
export const every = (status: NodeStatus) => Object.fromEntries(ALL.map((n) => [n, status]));
