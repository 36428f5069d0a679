import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { makeContext, type GlobalOptions } from './context.js';
import { registerCommands } from './commands.js';

/** The `dagcache` command line, as a commander program (exported for tests and embedding). */
export function buildProgram(): Command {
  const program = new Command('dagcache')
    .description('node-level result caching for Nx targets, Temporal activities and TypeScript pipelines')
    .option('--path <dir>', 'cache folder', process.env.DAGCACHE_PATH ?? '.dagcache')
    .option(
      '--store <url>',
      'shared cache on one server: postgres://… or redis://… (?namespace=NAME)',
      process.env.DAGCACHE_STORE,
    )
    .option('--metadata-store <url>', 'metadata store URL (sqlite://FILE, postgres://…, redis://…)')
    .option('--result-store <url>', 'result store URL (file://DIR, postgres://…, redis://…)')
    .option('--result-dir <dir>', 'result store folder (default <path>/results)')
    .option('--json', 'print JSON instead of text', false)
    .option('--no-color', 'no colours (they are only used on a terminal anyway)')
    .exitOverride();
  program.version(packageVersion());
  registerCommands(program, (cmd) => makeContext(cmd.optsWithGlobals<GlobalOptions>()));
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/**
 * Runs the CLI and resolves the exit code. Every failure is one line on stderr (`dagcache: <message>`)
 * and a non-zero code; usage errors come from commander in the same form.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander already printed its usage error.
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    const color = !!process.stderr.isTTY && !('NO_COLOR' in process.env);
    process.stderr.write(`${pc.createColors(color).red('dagcache:')} ${message.split('\n')[0]}\n`);
    // The stack is for bug reports, not for everyday errors.
    if (process.env.DAGCACHE_DEBUG && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** The package version; `../../package.json` is right from `src/cli` and from `dist/cli`. */
function packageVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}
