// Real caches made by real direct-API runs, and the real `dagcache` binary run as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Builder, node } from '../../src/index.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The command line that runs the CLI from source (what `dagcache` runs from dist). */
export const CLI_ARGS = ['--conditions=@dagcache/source', '--import', 'tsx', MAIN];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dagcache <args>` and waits for it; no TTY, so no colours or progress bars unless forced. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], {
    cwd: packageDir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `dagcache <args>` without waiting (for `serve`). */
export function cliProcess(args: string[]) {
  return spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function json<T = any>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`dagcache failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * A small pipeline: `raw` (pickle), `clean` (json), `big` (a pickle result over the inline limit, so it is
 * stored as a file), `model` (recompute). `alpha` is an input.
 */
export function pipeline(path: string, extra: Record<string, unknown> = {}) {
  return new Builder()
    .withNodes({
      raw: node(() => Array.from({ length: 200 }, (_, i) => ({ i, x: i * 2 }))),
      clean: node(({ raw }: { raw: { i: number }[] }) => raw.filter((r) => r.i % 2 === 0), {
        cache: { format: 'json' },
      }),
      big: node(({ raw }: { raw: unknown[] }) =>
        Array.from({ length: 30_000 }, (_, i) => ({ i, n: raw.length, s: 'abcdefghij' })),
      ),
      model: node(({ clean, alpha }: { clean: unknown[]; alpha: number }) => ({ w: clean.length * alpha }), {
        cache: { behavior: 'recompute' },
      }),
    })
    .withCache({ path, logToFile: true, ...extra })
    .build();
}

/** Two runs: a cold one, then one with a changed input (raw/clean/big hit, model recomputed). */
export async function twoRuns(path: string): Promise<{ first: string; second: string }> {
  const dr = pipeline(path);
  await dr.execute(['model', 'big'], { inputs: { alpha: 1 } });
  const first = dr.cache.lastRunId;
  await dr.execute(['model', 'big'], { inputs: { alpha: 2 } });
  const second = dr.cache.lastRunId;
  await dr.cache.close();
  return { first, second };
}
