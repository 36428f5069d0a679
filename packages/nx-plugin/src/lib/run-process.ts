import { spawn } from 'node:child_process';
import type { TerminalChunk } from './output-bundle.js';

/** How a run of the wrapped work ended, with everything it printed. */
export interface ProcessResult {
  exitCode: number;
  terminal: TerminalChunk[];
}

/** Where a task's live output goes: the terminal for a single task, a per-task buffer in batch mode. */
export interface TerminalSink {
  write(stream: 'stdout' | 'stderr', text: string): void;
}

/** The sink that writes to this process's own stdout/stderr. */
export const processTerminal: TerminalSink = {
  write: (stream, text) => void (stream === 'stderr' ? process.stderr : process.stdout).write(text),
};

/** A sink that keeps everything as one string (batch mode hands it to Nx as the task's terminal output). */
export function bufferTerminal(): TerminalSink & { text(): string } {
  const parts: string[] = [];
  return { write: (_stream, text) => void parts.push(text), text: () => parts.join('') };
}

export interface RunCommandsOptions {
  cwd: string;
  parallel?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where live output goes; captured for replay either way. Default: this process's streams. */
  echo?: TerminalSink;
}

/**
 * Runs shell commands as `nx:run-commands` does (in order, stopping at the first failure, or all at once
 * with `parallel`), streaming their output live and capturing it for replay on a later hit.
 *
 * @example
 * ```ts
 * const r = await runCommands(['tsc -p tsconfig.lib.json'], { cwd: '/ws/libs/a' });
 * r.exitCode; // 0
 * ```
 */
export async function runCommands(
  commands: readonly string[],
  opts: RunCommandsOptions,
): Promise<ProcessResult> {
  const terminal: TerminalChunk[] = [];
  const echo = opts.echo ?? processTerminal;
  const one = (command: string) =>
    new Promise<number>((resolve) => {
      const child = spawn(command, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        shell: true,
        stdio: ['inherit', 'pipe', 'pipe'],
      });
      for (const stream of ['stdout', 'stderr'] as const) {
        child[stream].setEncoding('utf8');
        child[stream].on('data', (text: string) => {
          terminal.push({ stream, text });
          echo.write(stream, text);
        });
      }
      child.on('error', (err) => {
        const text = `${err.message}\n`;
        terminal.push({ stream: 'stderr', text });
        echo.write('stderr', text);
        resolve(127);
      });
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  if (opts.parallel) {
    const codes = await Promise.all(commands.map(one));
    return { exitCode: codes.find((c) => c !== 0) ?? 0, terminal };
  }
  for (const command of commands) {
    const code = await one(command);
    if (code !== 0) return { exitCode: code, terminal };
  }
  return { exitCode: 0, terminal };
}

/**
 * Runs `fn` while copying everything written to `process.stdout`/`process.stderr` (for an executor that
 * runs in this process). With `passThrough` the output still reaches the terminal.
 */
export async function captureProcessOutput<T>(
  fn: () => Promise<T>,
  passThrough = true,
): Promise<{ result: T; terminal: TerminalChunk[] }> {
  const terminal: TerminalChunk[] = [];
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const stream of ['stdout', 'stderr'] as const) {
    const original = originals[stream];
    process[stream].write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      terminal.push({
        stream,
        text: typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
      });
      return passThrough ? (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest) : true;
    } as typeof process.stdout.write;
  }
  try {
    return { result: await fn(), terminal };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}

/** Writes captured output again (on a hit), each piece to the stream it came from. */
export function replayTerminal(
  terminal: readonly TerminalChunk[],
  sink: TerminalSink = processTerminal,
): void {
  for (const c of terminal) sink.write(c.stream, c.text);
}
