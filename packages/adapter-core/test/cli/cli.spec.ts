import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../src/index.js';
import { tempDir } from '../support/tmp.js';
import { cli, cliProcess, json, pipeline, twoRuns } from './support.js';

// One real cache (two direct-API runs) shared by the read-only commands.
let path: string;
let first: string;
let second: string;
beforeAll(async () => {
  // Not tempDir(): that one is removed after every test, and this cache is shared by the whole file.
  path = mkdtempSync(join(tmpdir(), 'dagcache-cli-shared-'));
  ({ first, second } = await twoRuns(path));
});
afterAll(() => rmSync(path, { recursive: true, force: true }));

describe('dagcache runs', () => {
  it('lists runs newest first with tool, time and hits/misses; --json gives the summaries', () => {
    const text = cli(['--path', path, 'runs']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+TOOL\s+STARTED\s+STATUS\s+NODES\s+HITS\s+MISSES/);
    expect(lines[1]).toContain(second);
    expect(lines[2]).toContain(first);
    expect(lines[1]).toMatch(/direct\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+succeeded\s+5\s+3\s+0/);
    expect(lines[2]).toMatch(/succeeded\s+5\s+0\s+3/);
    // Global options may follow the command.
    const runs = json<any[]>(cli(['runs', '--path', path, '--json']));
    expect(runs.map((r) => r.runId)).toEqual([second, first]);
    expect(runs[0]).toMatchObject({
      tool: 'direct',
      status: 'succeeded',
      counts: { retrieved: 3, recomputed: 1, input: 1 },
    });
    expect(json<any[]>(cli(['--path', path, '--json', 'runs', '--limit', '1'])).map((r) => r.runId)).toEqual([
      second,
    ]);
    expect(json<any[]>(cli(['--path', path, '--json', 'runs', '--tool', 'nx']))).toEqual([]);
  });

  it('uses colours only on a terminal: none when piped, even under CI; FORCE_COLOR turns them on', () => {
    expect(cli(['--path', path, 'runs'], { CI: 'true' }).stdout).not.toContain('\u001b[');
    expect(cli(['--path', path, 'runs'], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[');
    expect(cli(['--path', path, '--no-color', 'runs'], { FORCE_COLOR: '1' }).stdout).not.toContain('\u001b[');
  });
});

describe('dagcache logs', () => {
  it('prints info events (retrievals and executions) or every event at debug', () => {
    const info = cli(['--path', path, 'logs', second]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/raw::result_store::get_result/);
    expect(info.stdout).toMatch(/model::adapter::execute_node/);
    expect(info.stdout).not.toMatch(/resolved_behavior/);
    const debug = cli(['--path', path, 'logs', second, '--level', 'debug']);
    expect(debug.stdout).toMatch(/alpha::adapter::is_input/);
    expect(debug.stdout).toMatch(/resolved_behavior/);
    expect(debug.stdout.split('\n').length).toBeGreaterThan(info.stdout.split('\n').length);
    const byNode = json<Record<string, any[]>>(
      cli(['--path', path, '--json', 'logs', second, '--level', 'debug']),
    );
    expect(Object.keys(byNode).sort()).toEqual(
      expect.arrayContaining(['alpha', 'big', 'clean', 'model', 'raw']),
    );
    expect(byNode.raw!.every((e) => e.runId === second && e.nodeName === 'raw')).toBe(true);
  });

  it('rejects an unknown run and an unknown level in one line', () => {
    const r = cli(['--path', path, 'logs', 'no-such-run']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dagcache: .*no-such-run/);
    const lvl = cli(['--path', path, 'logs', second, '--level', 'loud']);
    expect(lvl.code).not.toBe(0);
    expect(lvl.stderr).toMatch(/--level.*loud/);
  });
});

describe('dagcache why', () => {
  it('explains the newest run by default, or the one named by --run', () => {
    const model = cli(['--path', path, 'why', 'model']);
    expect(model.code).toBe(0);
    expect(model.stdout).toContain(`model in run ${second}: recomputed`);
    expect(model.stdout).toMatch(/alpha/);
    const raw = json(cli(['--path', path, '--json', 'why', 'raw', '--run', second]));
    expect(raw).toMatchObject({ nodeName: 'raw', runId: second, status: 'retrieved', previousRunId: first });
    const cold = json(cli(['--path', path, '--json', 'why', 'clean', '--run', first]));
    expect(cold).toMatchObject({ status: 'executed', previousRunId: null, changes: [{ kind: 'first-run' }] });
  });

  it('names an unknown node', () => {
    const r = cli(['--path', path, 'why', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dagcache: .*nope/);
  });
});

describe('dagcache view', () => {
  it('writes the self-contained report of the newest run, or of the run named, where -o says', () => {
    const out = join(tempDir(), 'run.html');
    const r = cli(['--path', path, 'view', first, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(first);
    expect(html).not.toMatch(/<script[^>]+src=/);
    const def = json<{ file: string }>(cli(['--path', path, '--json', 'view']));
    expect(def.file).toBe(join(path, 'reports', `${second}.html`));
    expect(existsSync(def.file)).toBe(true);
  });
});

describe('dagcache stats', () => {
  it('counts key entries, results and bytes per format, runs and the hit rate', () => {
    const s = json(cli(['--path', path, '--json', 'stats']));
    // raw, clean, big are stored once; model twice (alpha changed, so did its value).
    expect(s.results.count).toBe(5);
    expect(s.entries).toBe(5);
    expect(Object.keys(s.results.byFormat).sort()).toEqual(['json', 'pickle']);
    expect(s.results.byFormat.json.count).toBe(1);
    expect(s.results.bytes).toBe(s.results.byFormat.json.bytes + s.results.byFormat.pickle.bytes);
    expect(s.results.bytes).toBeGreaterThan(256 * 1024);
    expect(s.runs).toMatchObject({
      count: 2,
      recent: 2,
      hits: 3,
      misses: 3,
      hitRate: 0.5,
      byTool: { direct: 2 },
    });
    const text = cli(['--path', path, 'stats']).stdout;
    expect(text).toMatch(/hit rate\s+50\.0% over the last 2 runs \(3 hits, 3 misses\)/);
    expect(json(cli(['--path', path, '--json', 'stats', '--recent', '1'])).runs).toMatchObject({
      recent: 1,
      hitRate: 1,
    });
  });
});

describe('dagcache verify / gc / clear (each on its own cache)', () => {
  it('verify finds a corrupted result file, exits 1, and --drop removes it so the node runs again', async () => {
    const p = tempDir('dagcache-cli-');
    await twoRuns(p);
    expect(json(cli(['--path', p, '--json', 'verify']))).toMatchObject({ checked: 5, ok: 5, corrupt: [] });
    // Flip bytes in the one result big enough to be a file (the `big` node).
    const blobs = join(p, 'results', 'blobs');
    const shard = readdirSync(blobs)[0]!;
    const file = join(blobs, shard, readdirSync(join(blobs, shard))[0]!);
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(file, bytes);

    const bad = cli(['--path', p, 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/corrupt .*checksum mismatch/);
    expect(bad.stdout).toMatch(/5 results checked, 4 ok, 1 corrupt/);
    const dropped = cli(['--path', p, '--json', 'verify', '--drop']);
    expect(dropped.code).toBe(0);
    expect(JSON.parse(dropped.stdout)).toMatchObject({ checked: 5, ok: 4, dropped: true });
    expect(json(cli(['--path', p, '--json', 'verify']))).toMatchObject({ checked: 4, ok: 4 });
    // gc removes the key left pointing at nothing.
    expect(json(cli(['--path', p, '--json', 'gc']))).toMatchObject({ entries: 1, results: { removed: 0 } });

    const dr = pipeline(p);
    await dr.execute(['big'], { inputs: { alpha: 2 } });
    const rec = await dr.cache.getRun(dr.cache.lastRunId);
    await dr.cache.close();
    expect(rec!.nodes.big!.status).toBe('executed');
    expect(rec!.nodes.raw!.status).toBe('retrieved');
  });

  it('gc: a dry run removes nothing; a size cap evicts least recently used results and their keys', async () => {
    const p = tempDir('dagcache-cli-');
    await twoRuns(p);
    const before = json(cli(['--path', p, '--json', 'stats']));
    // Results used within the grace period (10 minutes by default) are spared: a process may be reading them.
    expect(json(cli(['--path', p, '--json', 'gc', '--max-size', '0', '--dry-run']))).toMatchObject({ results: { removed: 0 } });
    const dry = json(cli(['--path', p, '--json', 'gc', '--max-size', '0', '--grace', '0s', '--dry-run']));
    expect(dry).toMatchObject({ dryRun: true, results: { removed: 5 }, entries: 5 });
    expect(json(cli(['--path', p, '--json', 'stats'])).results.count).toBe(before.results.count);
    expect(json(cli(['--path', p, '--json', 'gc', '--older-than', '3650d']))).toMatchObject({
      results: { removed: 0 },
      entries: 0,
      runs: 0,
    });
    // A cap just under the total evicts at least one result, and never one more than needed.
    const capped = json(cli(['--path', p, '--json', 'gc', '--max-size', String(before.results.bytes - 1), '--grace', '0s']));
    expect(capped.results.removed).toBeGreaterThanOrEqual(1);
    expect(capped.remaining.bytes).toBeLessThanOrEqual(before.results.bytes - 1);
    expect(capped.results.byReason.size).toBe(capped.results.removed);
    expect(capped.entries).toBeGreaterThanOrEqual(1);
    const text = cli(['--path', p, 'gc', '--max-size', '0', '--grace', '0s']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^removed \d+ results/);
    expect(json(cli(['--path', p, '--json', 'stats']))).toMatchObject({
      entries: 0,
      results: { count: 0 },
      runs: { count: 2 },
    });
  });

  it('gc --older-than drops old run records and their logs; bad sizes and ages are one-line errors', async () => {
    const p = tempDir('dagcache-cli-');
    await twoRuns(p);
    expect(readdirSync(join(p, 'logs'))).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 20)); // so "older than 1ms" covers both runs
    const r = json(cli(['--path', p, '--json', 'gc', '--older-than', '1ms', '--grace', '1ms']));
    expect(r).toMatchObject({ runs: 2, results: { removed: 5 }, entries: 5, files: 2 });
    expect(json(cli(['--path', p, '--json', 'runs']))).toEqual([]);
    expect(readdirSync(join(p, 'logs'))).toEqual([]);
    const bad = cli(['--path', p, 'gc', '--max-size', 'lots']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--max-size.*expected a size like 500MB/);
  });

  it('clear needs --yes, then empties the cache', async () => {
    const p = tempDir('dagcache-cli-');
    await twoRuns(p);
    const refused = cli(['--path', p, 'clear']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dagcache: clear deletes .* pass --yes/);
    expect(json(cli(['--path', p, '--json', 'clear', '--yes']))).toMatchObject({
      runs: 2,
      results: 5,
      entries: 5,
    });
    expect(cli(['--path', p, 'runs']).stdout.trim()).toBe('no runs');
    expect(json(cli(['--path', p, '--json', 'stats']))).toMatchObject({
      entries: 0,
      results: { count: 0, bytes: 0 },
    });
    expect(existsSync(join(p, 'logs'))).toBe(false);
  });
});

describe('store options and errors', () => {
  it('--metadata-store points at another metadata store', async () => {
    const p = tempDir('dagcache-cli-');
    const meta = join(tempDir(), 'elsewhere.sqlite');
    const dr = pipeline(p, { metadataStore: `sqlite://${meta}` });
    await dr.execute(['clean']);
    const runId = dr.cache.lastRunId;
    await dr.cache.close();
    expect(json<any[]>(cli(['--path', p, '--json', 'runs']))).toEqual([]);
    const runs = json<any[]>(cli(['--path', p, '--metadata-store', `sqlite://${meta}`, '--json', 'runs']));
    expect(runs.map((r) => r.runId)).toEqual([runId]);
    const bad = cli(['--path', p, '--metadata-store', 'mongodb://x', 'runs']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^dagcache: metadataStore: unsupported URL/);
  });

  it('a missing cache folder, an unknown command or option: one line, non-zero exit', () => {
    const missing = cli(['--path', join(tempDir(), 'nope'), 'runs']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^dagcache: no dagcache cache at .*nope/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toBe("error: unknown command 'frobnicate'");
    const opt = cli(['--path', path, 'runs', '--bogus']);
    expect(opt.code).not.toBe(0);
    expect(opt.stderr.trim()).toBe("error: unknown option '--bogus'");
    expect(cli(['--help']).code).toBe(0);
  });
});

describe('dagcache serve', () => {
  it('serves the run browser on 127.0.0.1 and stops on SIGTERM', async () => {
    const child = cliProcess(['--path', path, '--json', 'serve', '--port', '0']);
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
        });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${err}`)));
      });
      const { url } = JSON.parse(firstLine) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('"mode":"serve"');
      const runs = (await (await fetch(`${url}api/runs`)).json()) as { runId: string }[];
      expect(runs.map((r) => r.runId)).toEqual([first, second]);
      const view = (await (await fetch(`${url}api/view?run=${second}`)).json()) as {
        runs: { runId: string }[];
      };
      expect(view.runs.map((r) => r.runId).sort()).toEqual([first, second].sort());
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const code = await exited;
      expect({ code, signal: child.signalCode }).toEqual({ code: 0, signal: null });
    }
  });

  it('a port in use is a one-line error', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = cli(['--path', path, 'serve', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `dagcache: port ${port} is in use (pick another with --port, or --port 0)`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('groups (Nx tasks of one invocation, each its own run)', () => {
  it('runs --group filters; view --group merges the group into one page; --compare picks the other run', async () => {
    const p = tempDir('dagcache-cli-');
    const cache = await openCache({ path: p });
    const ids: string[] = [];
    const task = async (name: string, deps: Record<string, string>, group: string) => {
      const run = cache.startRun({
        tool: 'nx',
        runId: `${group}:${name}`,
        labels: { group, target: 'build' },
      });
      const out = await run.node({
        name,
        codeVersion: `${name}-v1`,
        dependencies: deps,
        format: 'json',
        execute: () => ({ built: name }),
      });
      await run.finish();
      ids.push(run.id);
      return out.dataVersion!;
    };
    const a = await task('lib-a:build', {}, 'g1');
    await task('app:build', { 'lib-a:build': a }, 'g1');
    await task('lib-a:build', {}, 'g2');
    await cache.close();

    expect(json<any[]>(cli(['--path', p, '--json', 'runs', '--group', 'g1'])).map((r) => r.runId)).toEqual([
      'g1:app:build',
      'g1:lib-a:build',
    ]);
    const out = join(tempDir(), 'group.html');
    expect(cli(['--path', p, 'view', 'g1:app:build', '--group', '-o', out]).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('"mergeGroup":true');
    expect(html).toContain('"runId":"g1:lib-a:build"');
    const cmp = join(tempDir(), 'compare.html');
    expect(cli(['--path', p, 'view', 'g2:lib-a:build', '--compare', 'g1:lib-a:build', '-o', cmp]).code).toBe(
      0,
    );
    expect(readFileSync(cmp, 'utf8')).toContain('"compareRunId":"g1:lib-a:build"');
    const bad = cli(['--path', p, 'view', 'g2:lib-a:build', '--compare', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^dagcache: unknown run "nope" \(--compare\)/);
  });
});
