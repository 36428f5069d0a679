// Damaged bookkeeping: a cache's own SQLite files overwritten with garbage or truncated, a read-only
// cache folder. Each gives one error naming the file (or folder) and the way out, and the way out works.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Builder, DamagedCacheError, node, openCache } from '../../src/index.js';
import { CLI_ARGS, cli } from '../cli/support.js';
import { tempDir } from '../support/tmp.js';

const build = (path: string, calls: { n: number }) =>
  new Builder()
    .withNodes({
      a: node(() => (calls.n++, 1)),
      b: node(({ a }: { a: number }) => (calls.n++, a + 1)),
    })
    .withCache({ path })
    .build();

async function populated(): Promise<string> {
  const path = join(tempDir(), '.dagcache');
  const dr = await build(path, { n: 0 });
  await dr.execute(['b']);
  await dr.cache.close();
  return path;
}

/** Damage that survives the WAL: garbage over the whole file, or the file cut inside its second page. */
function damage(file: string, how: 'garbage' | 'truncated'): void {
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
  if (how === 'garbage') writeFileSync(file, Buffer.alloc(statSync(file).size, 'not a database '));
  else truncateSync(file, 4096 + 100);
}

describe.each(['meta.sqlite', 'results/index.sqlite'])('a damaged %s', (rel) => {
  it.each(['garbage', 'truncated'] as const)('%s: one error naming the file and `repair`; repair moves it aside and the next run works', async (how) => {
    const path = await populated();
    const file = join(path, rel);
    if (how === 'truncated' && statSync(file).size <= 4096 + 100) {
      // Grow the file past two pages first, so the cut lands inside it.
      const dr = await new Builder()
        .withNodes(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`n${i}`, node(() => 'x'.repeat(100) + i)])))
        .withCache({ path })
        .build();
      await dr.execute(Array.from({ length: 200 }, (_, i) => `n${i}`));
      await dr.cache.close();
    }
    const before = readFileSync(file);
    damage(file, how);
    const damaged = readFileSync(file);
    expect(damaged.equals(before)).toBe(false);

    const err = await openCache({ path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DamagedCacheError);
    expect((err as Error).message).toContain(`${file} is damaged`);
    expect((err as Error).message).toContain('dagcache repair');
    // Every CLI command says the same, naming the file.
    const runs = cli(['runs', '--path', path]);
    expect(runs.code).not.toBe(0);
    expect(runs.stderr).toContain(`${file} is damaged`);

    const repaired = cli(['repair', '--path', path]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/moved damaged .* aside to .*\.corrupt-\d{8}T\d{6}Z/);
    // Nothing is deleted: the damaged bytes are kept beside it.
    const aside = readdirSync(join(file, '..')).filter((f) => f.startsWith(`${rel.split('/').pop()}.corrupt-`) && !/-(wal|shm)$/.test(f));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(file, '..', aside[0]!)).equals(damaged)).toBe(true);

    const calls = { n: 0 };
    const dr = await build(path, calls);
    expect(await dr.execute(['b'])).toEqual({ b: 2 });
    await dr.cache.close();
    const again = await build(path, calls);
    expect(await again.execute(['b'])).toEqual({ b: 2 });
    await again.cache.close();
    expect(calls.n).toBeLessThanOrEqual(2); // recomputed once at most, then served
  });
});

it('`clear --yes` works on a cache whose database SQLite cannot open', async () => {
  const path = await populated();
  damage(join(path, 'meta.sqlite'), 'garbage');
  const r = cli(['clear', '--yes', '--path', path]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/moved damaged .*meta\.sqlite aside/);
  expect(r.stdout).toMatch(/cleared/);
  const cache = await openCache({ path });
  expect(await cache.listRuns()).toEqual([]);
  await cache.close();
});

it('a read-only cache folder: one error naming the folder', async () => {
  const path = await populated();
  const script = [
    `import { openCache } from ${JSON.stringify(join(import.meta.dirname, '../../src/index.ts'))};`,
    `try { const c = await openCache({ path: ${JSON.stringify(path)} }); await c.close(); console.log('opened'); }`,
    `catch (e) { console.log(e.name + ': ' + e.message); }`,
  ].join('\n');
  const scriptFile = join(path, '..', 'open.mts');
  writeFileSync(scriptFile, script);
  chmodSync(join(path, '..'), 0o755);
  // Root writes through any mode bits: run the reader as an unprivileged user where we are root.
  execFileSync('chmod', ['-R', 'a-w,a+rX', path]);
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(
    asRoot ? 'runuser' : process.execPath,
    asRoot ? ['-u', 'nobody', '--', process.execPath, ...CLI_ARGS.slice(0, 3), scriptFile] : [...CLI_ARGS.slice(0, 3), scriptFile],
    { encoding: 'utf8', cwd: join(import.meta.dirname, '../..'), timeout: 60_000 },
  );
  execFileSync('chmod', ['-R', 'u+w', path]);
  expect(r.stdout, r.stderr).toMatch(new RegExp(`ReadOnlyCacheError: dagcache: the cache folder ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not writable`));
  expect(existsSync(path)).toBe(true);
});
