import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { WhyAnswer } from '../cache/types.js';
import { DagcacheError } from '../errors.js';
import { formatEvent, type CachingEvent, type LogLevel } from '../events/caching-event.js';
import { cacheStats } from '../maintenance/stats.js';
import { clearCache } from '../maintenance/clear.js';
import { repairCache } from '../stores/sqlite-damage.js';
import { collectGarbage } from '../maintenance/gc.js';
import { verifyResults } from '../maintenance/verify.js';
import type { Context } from './context.js';
import { writeReport } from './report.js';
import { formatBytes, formatDuration, formatTime, statusColor, table } from './output.js';
import { parseDuration, parsePort, parsePositiveInt, parseSize } from './parse.js';
import { serve } from './serve.js';

type Ctx = (cmd: Command) => Context;

/** Registers every subcommand on `program`; `ctx` builds the context from the merged options. */
export function registerCommands(program: Command, ctx: Ctx): void {
  program
    .command('runs')
    .description('list runs, newest first: tool, start time, status, hits and misses')
    .option('-n, --limit <count>', 'show at most this many runs', parsePositiveInt)
    .option('--tool <tool>', 'only runs of this tool (direct, nx, temporal, …)')
    .option('--group <group>', 'only runs with this labels.group')
    .action(async (opts: { limit?: number; tool?: string; group?: string }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      const runs = await withCache((c) => c.listRuns());
      const shown = runs
        .filter(
          (r) => (!opts.tool || r.tool === opts.tool) && (!opts.group || r.labels?.group === opts.group),
        )
        .reverse()
        .slice(0, opts.limit);
      if (output.json) return output.printJson(shown);
      if (shown.length === 0) return output.out('no runs');
      const c = output.colors;
      const rows = shown.map((r) => [
        r.runId,
        r.tool,
        formatTime(r.startedAt),
        statusColor(c, r.status)(r.status),
        String(Object.values(r.counts).reduce((s, n) => s + (n ?? 0), 0)),
        c.green(String(r.counts.retrieved ?? 0)),
        c.blue(String(r.counts.executed ?? 0)),
        formatDuration(r.finishedAt !== undefined ? r.finishedAt - r.startedAt : undefined),
        Object.entries(r.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      ]);
      table(
        ['RUN', 'TOOL', 'STARTED', 'STATUS', 'NODES', 'HITS', 'MISSES', 'TIME', 'LABELS'],
        rows,
        c.bold,
      ).forEach((l) => output.out(l));
    });

  program
    .command('logs')
    .description("a run's caching events (info: retrieved and executed; debug: every event)")
    .argument('<runId>', 'run id (see `dagcache runs`)')
    .addOption(new Option('--level <level>', 'info or debug').choices(['info', 'debug']).default('info'))
    .action(async (runId: string, opts: { level: LogLevel }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      const byNode = await withCache((c) => c.logsOf(runId, opts.level));
      if (output.json) return output.printJson(byNode);
      const events = Object.values(byNode)
        .flat()
        .sort((a: CachingEvent, b: CachingEvent) => a.timestamp - b.timestamp);
      if (events.length === 0) return output.out(`no ${opts.level} events in run ${runId}`);
      for (const e of events) output.out(`${output.colors.dim(formatTime(e.timestamp))}  ${formatEvent(e)}`);
    });

  program
    .command('view')
    .description('write the run report: one self-contained HTML file (default: the last run)')
    .argument('[runId]', 'run id (default: the newest run)')
    .option('-o, --output <file>', 'where to write it (default <path>/reports/<runId>.html)')
    .option('--compare <runId>', 'mark what changed against this run (default: the previous run)')
    .option('--group', "show every run of the run's labels.group as one DAG (Nx tasks of one invocation)")
    .action(
      async (
        runId: string | undefined,
        opts: { output?: string; compare?: string; group?: boolean },
        cmd: Command,
      ) => {
        const { output, withCache } = ctx(cmd);
        const file = await withCache(async (c) => {
          const runs = await c.listRuns();
          if (runs.length === 0) throw new DagcacheError(`no runs in ${c.path}`);
          // The plain case is exactly cache.viewRun; --compare/--group pick the page's runs themselves.
          if (!opts.compare && !opts.group) return c.viewRun(runId, opts.output);
          const id = runId ?? runs[runs.length - 1]!.runId;
          return writeReport(c, id, opts.compare, !!opts.group, opts.output);
        });
        if (output.json) return output.printJson({ file });
        output.out(file);
      },
    );

  program
    .command('why')
    .description('why a node ran: which part of its cache key changed since the last run that had it')
    .argument('<node>', 'node name')
    .option('--run <runId>', 'run (default: the newest run)')
    .option('--task <taskId>', 'task id of a fanned-out node')
    .action(async (node: string, opts: { run?: string; task?: string }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      const answer: WhyAnswer = await withCache(async (c) => {
        const runs = await c.listRuns();
        const runId = opts.run ?? runs[runs.length - 1]?.runId;
        if (!runId) throw new DagcacheError(`no runs in ${c.path}`);
        return c.why(runId, node, opts.task);
      });
      if (output.json) return output.printJson(answer);
      const c = output.colors;
      output.out(
        `${c.bold(answer.nodeName)} in run ${answer.runId}: ${statusColor(c, answer.status)(answer.status)}` +
          (answer.previousRunId ? c.dim(` (compared with run ${answer.previousRunId})`) : ''),
      );
      for (const r of answer.reasons) output.out(`  - ${r}`);
    });

  program
    .command('stats')
    .description('what the cache holds: key entries, results and bytes per format, hit rate over recent runs')
    .option('--recent <count>', 'runs the hit rate covers', parsePositiveInt, 20)
    .action(async (opts: { recent: number }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      const s = await withCache((c) => cacheStats(c, { recentRuns: opts.recent }));
      if (output.json) return output.printJson(s);
      const c = output.colors;
      output.out(`${c.bold('cache')}        ${s.path}`);
      output.out(`${c.bold('key entries')}  ${s.entries}`);
      output.out(`${c.bold('results')}      ${s.results.count} (${formatBytes(s.results.bytes)})`);
      const formats = Object.entries(s.results.byFormat).sort((a, b) => b[1].bytes - a[1].bytes);
      if (formats.length) {
        table(
          ['  FORMAT', 'RESULTS', 'BYTES'],
          formats.map(([f, v]) => [`  ${f}`, String(v.count), formatBytes(v.bytes)]),
          c.dim,
        ).forEach((l) => output.out(l));
      }
      const tools = Object.entries(s.runs.byTool)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      output.out(`${c.bold('runs')}         ${s.runs.count}${tools ? ` (${tools})` : ''}`);
      const rate = s.runs.hitRate === null ? 'n/a' : `${(s.runs.hitRate * 100).toFixed(1)}%`;
      output.out(
        `${c.bold('hit rate')}     ${c.green(rate)} over the last ${s.runs.recent} runs (${s.runs.hits} hits, ${s.runs.misses} misses)`,
      );
    });

  program
    .command('gc')
    .description('drop old results and run records, evict beyond a size cap, and remove orphans')
    .option(
      '--older-than <age>',
      'drop results unused and runs started this long ago (30d, 12h, …)',
      parseDuration,
    )
    .option(
      '--max-size <size>',
      'then evict least recently used results down to this size (500MB, 2GB, …)',
      parseSize,
    )
    .option(
      '--grace <age>',
      'spare orphans younger than this and results used more recently (a process may be writing or reading them); default 10m',
      parseDuration,
    )
    .option('--dry-run', 'report what would be removed, remove nothing')
    .action(
      async (
        opts: { olderThan?: number; maxSize?: number; grace?: number; dryRun?: boolean },
        cmd: Command,
      ) => {
        const { output, withCache } = ctx(cmd);
        const bar = output.progress(opts.dryRun ? 'gc (dry run)' : 'gc');
        const report = await withCache((c) =>
          collectGarbage(c, {
            ...(opts.olderThan !== undefined ? { olderThanMs: opts.olderThan } : {}),
            ...(opts.maxSize !== undefined ? { maxBytes: opts.maxSize } : {}),
            ...(opts.grace !== undefined ? { graceMs: opts.grace } : {}),
            dryRun: !!opts.dryRun,
            onProgress: (d, t) => bar.update(d, t),
          }),
        ).finally(() => bar.stop());
        if (output.json) return output.printJson(report);
        const verb = report.dryRun ? 'would remove' : 'removed';
        const r = report.results;
        output.out(
          `${verb} ${r.removed} results (${formatBytes(r.bytes)}: ${r.byReason.age} old, ${r.byReason.size} over the size cap, ${r.byReason.orphan} orphaned), ` +
            `${report.entries} key entries, ${report.runs} runs, ${report.files} stray files`,
        );
        output.out(
          `left: ${report.remaining.results} results (${formatBytes(report.remaining.bytes)}), ${report.remaining.entries} key entries, ${report.remaining.runs} runs`,
        );
      },
    );

  program
    .command('verify')
    .description(
      "re-check every stored result's checksum; exit 1 if any is corrupt (unless --drop removed them)",
    )
    .option('--drop', 'delete corrupt results (their nodes run again next time)')
    .action(async (opts: { drop?: boolean }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      const bar = output.progress('verify');
      const report = await withCache((c) =>
        verifyResults(c, { drop: !!opts.drop, onProgress: (d, t) => bar.update(d, t) }),
      ).finally(() => bar.stop());
      if (report.corrupt.length > 0 && !report.dropped) process.exitCode = 1;
      if (output.json) return output.printJson(report);
      const c = output.colors;
      for (const bad of report.corrupt)
        output.out(`${c.red('corrupt')} ${bad.dataVersion} (${bad.format}): ${bad.reason}`);
      const summary = `${report.checked} results checked, ${report.ok} ok, ${report.corrupt.length} corrupt`;
      output.out(
        report.corrupt.length === 0
          ? c.green(summary)
          : `${c.red(summary)}${report.dropped ? '; dropped' : '; run `dagcache verify --drop` to remove them'}`,
      );
    });

  program
    .command('clear')
    .description('delete every result, key entry, run record and log of the cache')
    .option('-y, --yes', 'confirm: clearing cannot be undone')
    .action(async (opts: { yes?: boolean }, cmd: Command) => {
      const { output, withCache } = ctx(cmd);
      if (!opts.yes)
        throw new DagcacheError('clear deletes every cached result and run record; pass --yes to confirm');
      // A database SQLite cannot open is moved aside first (never deleted), so clearing always works.
      const moved = await repairCache(resolve(ctx(cmd).options.path));
      for (const m of moved) output.err(`moved damaged ${m.from} aside to ${m.to} (${m.problem})`);
      const report = await withCache((c) => clearCache(c));
      if (output.json) return output.printJson({ ...report, moved });
      output.out(
        `cleared ${report.results} results (${formatBytes(report.bytes)}), ${report.entries} key entries, ${report.runs} runs`,
      );
    });

  program
    .command('repair')
    .description(
      'move SQLite files of the cache that SQLite cannot read (garbage, truncated) aside to <name>.corrupt-<time>; the next run starts them empty',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { output, options } = ctx(cmd);
      const path = resolve(options.path);
      if (!existsSync(path)) throw new DagcacheError(`no dagcache cache at ${path} (pass --path to point at one)`);
      const moved = await repairCache(path);
      if (output.json) return output.printJson({ moved });
      for (const m of moved) output.out(`moved damaged ${m.from} aside to ${m.to} (${m.problem})`);
      output.out(moved.length ? `repaired ${moved.length} file${moved.length > 1 ? 's' : ''}` : `nothing damaged in ${path}`);
    });

  program
    .command('serve')
    .description('browse all runs in the viewer, on http://127.0.0.1:<port> (local only)')
    .option('-p, --port <port>', 'port (0 picks a free one)', parsePort, 4400)
    .action(async (opts: { port: number }, cmd: Command) => serve(ctx(cmd), opts.port));
}
