// Helpers for the shared-cache tests (issue 8): the three store set-ups every test runs against, and a
// runner for child processes (tsx), so several real processes can share one cache.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll } from 'vitest';
import { missing, startPostgres, startRedis } from '../support/servers.js';
import { tempDir } from '../support/tmp.js';

/** The package folder: children run there so `tsx` and the package's dependencies resolve. */
export const packageRoot = resolve(__dirname, '../..');
/** The core's entry point, for child scripts (`import … from CORE`). */
export const coreEntry = resolve(packageRoot, 'src/index.ts');

export type StoreKind = 'sqlite' | 'postgres' | 'redis';

/** What one test gets: a fresh cache folder and the JSON-able cache options that select its store. */
export interface StoreSetup {
  kind: StoreKind;
  /** Cache folder (SQLite stores, logs). Removed after the test. */
  path: string;
  /** Options for `openCache` / `withCache` (plain JSON, so they can be handed to a child process). */
  options: { path: string; store?: string };
  /** Server URL without the namespace (postgres/redis), for writing to the store directly. */
  serverUrl?: string;
  /** This test's namespace on the server (postgres/redis). */
  namespace?: string;
}

export interface StoreCase {
  kind: StoreKind;
  /** Why this case cannot run here (locally, with the server not installed); undefined when it can. */
  skip: string | undefined;
  /** A fresh set-up: a temp folder and, on a server, a namespace of its own (`t<random>`). */
  setup(): Promise<StoreSetup>;
}

/**
 * The three store set-ups of a test file: `sqlite` (the default: a temp `path`), `postgres` and `redis`
 * (one real throwaway server per test file, started on first use and stopped after the file; each
 * set-up gets its own `?namespace=t<random>`, so tests never see each other's entries). A missing
 * server is a failure in CI (`missing()` throws) and a printed skip reason locally.
 */
export function storeCases(): StoreCase[] {
  const servers: Partial<Record<'postgres' | 'redis', Promise<{ url: string; stop: () => Promise<void> }>>> = {};
  afterAll(async () => {
    const started = Object.values(servers);
    await Promise.all(started.map(async (s) => (await s.catch(() => undefined))?.stop()));
  });
  const server = (kind: 'postgres' | 'redis') => (servers[kind] ??= kind === 'postgres' ? startPostgres() : startRedis());
  const onServer = (kind: 'postgres' | 'redis'): StoreCase => ({
    kind,
    skip: missing(kind),
    async setup() {
      const { url } = await server(kind);
      const namespace = `t${randomBytes(6).toString('hex')}`;
      const path = tempDir(`dagcache-${kind}-`);
      const sep = url.includes('?') ? '&' : '?';
      return { kind, path, options: { path, store: `${url}${sep}namespace=${namespace}` }, serverUrl: url, namespace };
    },
  });
  return [
    {
      kind: 'sqlite',
      skip: undefined,
      async setup() {
        const path = tempDir('dagcache-sqlite-');
        return { kind: 'sqlite', path, options: { path } };
      },
    },
    onServer('postgres'),
    onServer('redis'),
  ];
}

/** Every child this file started and has not seen exit; killed after the file. */
const live = new Set<ChildProcess>();
afterAll(() => killAll());

/** SIGKILLs every child still running (after a file, or after a failed test). */
export function killAll(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  live.clear();
}

export interface ChildResult<T> {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (undefined when the child printed none, e.g. it was killed). */
  json: T | undefined;
  /** Wall time from spawn to exit, ms. */
  ms: number;
}

/** A child process started by {@link startChild}. */
export interface Child<T> {
  proc: ChildProcess;
  /** Resolves once a stderr line equal to `line` was printed (rejects if the child exits first). */
  waitFor(line: string): Promise<void>;
  /** Resolves when the child exits (never rejects; look at `code`/`signal`). */
  done: Promise<ChildResult<T>>;
}

/**
 * Starts `node --import tsx script` in the package folder with extra environment variables. Its last
 * stdout line is read as JSON. Children are killed after the test file if still running.
 */
export function startChild<T = unknown>(script: string, env: Record<string, string> = {}): Child<T> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: packageRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void; reject: (e: Error) => void }> = [];
  const seen = new Set<string>();
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let partial = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) seen.add(l.trim());
    for (const w of waiters.splice(0)) {
      if (seen.has(w.line)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<ChildResult<T>>((res) => {
    proc.on('close', (code, signal) => {
      live.delete(proc);
      for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code ?? signal}) before printing "${w.line}": ${stderr.slice(-2000)}`));
      const last = stdout.trim().split('\n').at(-1);
      let json: T | undefined;
      try {
        json = last ? (JSON.parse(last) as T) : undefined;
      } catch {
        json = undefined;
      }
      res({ code, signal, stdout, stderr, json, ms: performance.now() - t0 });
    });
  });
  return {
    proc,
    done,
    waitFor: (line) =>
      seen.has(line)
        ? Promise.resolve()
        : proc.exitCode !== null || proc.signalCode !== null
          ? Promise.reject(new Error(`child exited before printing "${line}"`))
          : new Promise<void>((resolve, reject) => waiters.push({ line, resolve, reject })),
  };
}

/** Runs a child script to the end; throws (with its stderr) unless it exits 0 and prints JSON. */
export async function runChild<T = unknown>(script: string, env: Record<string, string> = {}): Promise<T & { ms: number }> {
  const r = await startChild<T>(script, env).done;
  if (r.code !== 0 || r.json === undefined) {
    throw new Error(`child ${script} failed (exit ${r.code ?? r.signal}):\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-1000)}`);
  }
  return { ...r.json, ms: r.ms };
}

/** A fixture script of this folder by file name. */
export function fixture(name: string): string {
  const file = resolve(__dirname, 'fixtures', name);
  if (!existsSync(file)) throw new Error(`no fixture ${file}`);
  return file;
}

/** Counts lines `<pid> <node>` of an executions file per node name. */
export function countExecutions(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const name = line.trim().split(' ')[1];
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
