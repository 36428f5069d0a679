// One key row that is not JSON, or JSON of the wrong shape, written into the metadata store by anyone
// who can write to it: a miss recorded as FAILED_RETRIEVAL, the node runs, its entry overwrites the row.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Builder, node } from '../../src/index.js';
import { missing, startPostgres, startRedis } from '../support/servers.js';
import { Calls, tempDir } from '../support/tmp.js';
import { SqliteDb } from '../../src/stores/sqlite-db.js';

const calls = new Calls();
const ROWS = ['not json {', '{"value": 42}', '{"value": {"dataVersion": {"$ne": 1}}}', '"just a string"'];

for (const kind of ['sqlite', 'postgres', 'redis'] as const) {
  describe(`a corrupt key row on ${kind}`, () => {
    const skip = kind === 'sqlite' ? undefined : missing(kind);
    let server: { url: string; stop: () => Promise<void> } | undefined;
    beforeAll(async () => {
      if (kind === 'postgres' && !skip) server = await startPostgres();
      if (kind === 'redis' && !skip) server = await startRedis();
    }, 60_000);
    afterAll(async () => server?.stop());

    it.skipIf(skip).each(ROWS)('%s: FAILED_RETRIEVAL, the node runs, the next run hits', async (row) => {
      const path = tempDir();
      const ns = `rows${Math.random().toString(36).slice(2, 8)}`;
      const store = server ? `${server.url}?namespace=${ns}` : undefined;
      const build = () =>
        new Builder()
          .withNodes({ a: node(() => (calls.hit('a'), 1)), b: node(({ a }: { a: number }) => (calls.hit('b'), a + 1)) })
          .withCache({ path, ...(store ? { store } : {}) })
          .build();
      calls.reset();
      let dr = await build();
      await dr.execute(['b']);
      await dr.cache.close();
      // Server stores name their tables/keys after the namespace (`<namespace>-keys`), SQLite `dagcache-keys`.
      await overwriteRow(kind, path, store, server ? `${ns}-keys` : 'dagcache-keys', row);

      dr = await build();
      expect(await dr.execute(['b'])).toEqual({ b: 2 });
      const record = await dr.cache.getRun(dr.cache.lastRunId);
      expect(record!.nodes['b']!.status).toBe('executed');
      const events = dr.cache.logs(dr.cache.lastRunId, 'debug')['b'] ?? [];
      // Keyv itself reads a JSON string row as "no entry" on the server stores: a plain miss there.
      if (!(server && row === '"just a string"')) expect(events.map((e) => e.eventType)).toContain('FAILED_RETRIEVAL');
      await dr.cache.close();

      dr = await build();
      await dr.execute(['b']);
      expect((await dr.cache.getRun(dr.cache.lastRunId))!.nodes['b']!.status).toBe('retrieved');
      await dr.cache.close();
      expect(calls.of('b')).toBe(2);
    }, 60_000);
  });
}

/** Replaces the stored value of every key row (cache keys and latest-key hints), in the store's own table. */
async function overwriteRow(kind: string, path: string, store: string | undefined, keys: string, row: string) {
  if (kind === 'sqlite') {
    const db = await SqliteDb.open(join(path, 'meta.sqlite'));
    const changed = db.write(`UPDATE keyv SET value = ? WHERE key LIKE ?`, [row, `%${keys}%`]);
    await db.flush();
    await db.close();
    expect(await changed).toBeGreaterThan(0);
  } else if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: store!.replace(/\?.*$/, '') });
    await client.connect();
    const tables = await client.query(`SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'value' AND table_schema NOT IN ('pg_catalog','information_schema')`);
    let changed = 0;
    for (const t of tables.rows) {
      const r = await client.query(`UPDATE "${t.table_schema}"."${t.table_name}" SET value = $1 WHERE key LIKE $2`, [row, `%${keys}%`]).catch(() => ({ rowCount: 0 }));
      changed += r.rowCount ?? 0;
    }
    await client.end();
    expect(changed).toBeGreaterThan(0);
  } else {
    const port = new URL(store!).port;
    const found = execFileSync('redis-cli', ['-p', port, '--scan', '--pattern', `*${keys}*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(found.length).toBeGreaterThan(0);
    for (const k of found) execFileSync('redis-cli', ['-p', port, 'SET', k, row]);
  }
}
