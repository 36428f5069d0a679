import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { NodeStatus } from '../cache/types.js';

/** Where a command writes, and whether it may use colours and progress bars. */
export interface Output {
  json: boolean;
  colors: ReturnType<typeof pc.createColors>;
  out(line?: string): void;
  err(line: string): void;
  printJson(value: unknown): void;
  /** A progress bar on stderr when it is a terminal (and not `--json`); a no-op otherwise. */
  progress(label: string): Progress;
}

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * Colours only on a TTY: `NO_COLOR` or `--no-color` turn them off, `FORCE_COLOR` on. picocolors' own
 * detection also enables them under `CI`, which would put escape codes in CI logs and piped output.
 */
export function makeOutput(opts: { json: boolean; color: boolean }): Output {
  const env = process.env;
  const enabled =
    !opts.json &&
    opts.color &&
    !('NO_COLOR' in env) &&
    ('FORCE_COLOR' in env || (!!process.stdout.isTTY && env.TERM !== 'dumb'));
  const colors = pc.createColors(enabled);
  const bars = !opts.json && !!process.stderr.isTTY && env.TERM !== 'dumb';
  return {
    json: opts.json,
    colors,
    out: (line = '') => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress(label) {
      if (!bars) return { update: () => undefined, stop: () => undefined };
      const bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {value}/{total}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      return {
        update(done, total) {
          if (!started) {
            bar.start(total, done);
            started = true;
          } else {
            bar.setTotal(total);
            bar.update(done);
          }
        },
        stop: () => started && bar.stop(),
      };
    },
  };
}

/** Left-aligned text table; the last column is not padded. */
export function table(
  headers: string[],
  rows: string[][],
  style: (s: string) => string = (s) => s,
): string[] {
  const width = (s: string) => stripAnsi(s).length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [style(line(headers)), ...rows.map(line)];
}

function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** UTC, second precision: the same on every machine. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Colour per node status, matching the viewer's legend. */
export function statusColor(colors: Output['colors'], status: NodeStatus | string): (s: string) => string {
  switch (status) {
    case 'retrieved':
    case 'succeeded':
      return colors.green;
    case 'executed':
      return colors.blue;
    case 'recomputed':
    case 'running':
      return colors.yellow;
    case 'failed':
      return colors.red;
    case 'input':
    case 'override':
      return colors.magenta;
    default:
      return colors.dim;
  }
}
