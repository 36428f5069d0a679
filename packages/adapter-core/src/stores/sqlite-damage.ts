import { existsSync } from 'node:fs';
import { access, constants, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DamagedCacheError, ReadOnlyCacheError } from '../errors.js';

const require = createRequire(import.meta.url);

/** SQLite's answers for a file that is not (or no longer) a readable database. */
const DAMAGE_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);
/** SQLite's and the file system's answers for a folder or file it may not write. */
const READ_ONLY_CODES = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'EACCES', 'EROFS', 'EPERM']);

/** The SQLite files a cache folder may hold (relative to it). */
export const CACHE_SQLITE_FILES = ['meta.sqlite', 'results/index.sqlite', 'locks.sqlite'] as const;

/** One damaged file and what SQLite said about it. */
export interface DamagedFile {
  file: string;
  problem: string;
}

/**
 * The cache folder's SQLite files that SQLite cannot read, each checked read-only with
 * `PRAGMA quick_check` (which reads every page, so a half-truncated file is found too).
 *
 * @example
 * ```ts
 * await damagedFiles('/ws/.dagcache'); // [{ file: '/ws/.dagcache/meta.sqlite', problem: 'SQLITE_NOTADB: file is not a database' }]
 * ```
 */
export async function damagedFiles(path: string): Promise<DamagedFile[]> {
  const out: DamagedFile[] = [];
  for (const rel of CACHE_SQLITE_FILES) {
    const file = join(path, rel);
    if (!existsSync(file)) continue;
    const problem = await checkFile(file);
    if (problem) out.push({ file, problem });
  }
  return out;
}

async function checkFile(file: string): Promise<string | undefined> {
  const sqlite3 = require('sqlite3') as typeof import('sqlite3');
  return new Promise((resolve) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return resolve(err.message);
      db.all('PRAGMA quick_check', (qerr, rows: { quick_check?: string }[] | undefined) => {
        db.close(() => undefined);
        if (qerr) return resolve(qerr.message);
        const first = rows?.[0]?.quick_check;
        resolve(first === 'ok' ? undefined : `quick_check: ${first ?? 'no answer'}`);
      });
    });
  });
}

/**
 * Turns a SQLite error met while opening a cache into one error naming the file and the way out, or
 * returns undefined for any other error: a damaged database becomes a {@link DamagedCacheError}, a
 * folder that cannot be written a {@link ReadOnlyCacheError}.
 *
 * @example
 * ```ts
 * try { await openStores(options, path); } catch (err) { throw (await explainSqliteError(err, path)) ?? err; }
 * ```
 */
export async function explainSqliteError(err: unknown, path: string): Promise<Error | undefined> {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (DAMAGE_CODES.has(code)) {
    const damaged = await damagedFiles(path);
    const named = damaged.length ? damaged : [{ file: `${path} (a SQLite file in it)`, problem: (err as Error).message }];
    return new DamagedCacheError(
      `dagcache: ${named.map((d) => `${d.file} is damaged (${d.problem})`).join('; ')}. ` +
        `Run \`dagcache repair --path ${path}\` (or \`dagcache clear --yes\`) to move ${named.length > 1 ? 'them' : 'it'} aside ` +
        'as <name>.corrupt-<time> and start with an empty one; the entries in it are recomputed as needed',
      damaged.map((d) => d.file),
    );
  }
  if (READ_ONLY_CODES.has(code)) {
    const writable = await access(path, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (writable && code === 'SQLITE_CANTOPEN') return undefined;
    return new ReadOnlyCacheError(
      `dagcache: the cache folder ${path} is not writable (${(err as Error).message}); ` +
        'give this process write access to it, or point `path` at a writable folder',
    );
  }
  return undefined;
}

/**
 * Moves every damaged SQLite file of a cache folder (with its `-wal` and `-shm` files) aside to
 * `<file>.corrupt-<time>`, so the next open starts it empty. Nothing is deleted: the damaged file stays
 * for inspection or recovery. Returns what was moved.
 *
 * @example
 * ```ts
 * await repairCache('/ws/.dagcache'); // [{ from: '/ws/.dagcache/meta.sqlite', to: '/ws/.dagcache/meta.sqlite.corrupt-20261204T213000Z', problem: '…' }]
 * ```
 */
export async function repairCache(path: string): Promise<{ from: string; to: string; problem: string }[]> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const moved: { from: string; to: string; problem: string }[] = [];
  for (const { file, problem } of await damagedFiles(path)) {
    const to = `${file}.corrupt-${stamp}`;
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) await rename(file + suffix, to + suffix);
    }
    await rename(file, to);
    moved.push({ from: file, to, problem });
  }
  return moved;
}
