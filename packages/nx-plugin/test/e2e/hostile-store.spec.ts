// A store anyone can write to (a shared Redis/Postgres, a copied SQLite cache) hands `nx run` crafted
// output bundles under a target's real key. The real `nx` must run the target and change nothing outside
// its configured outputs, on every kind of store.
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCache } from '@dagcache/core';
import { missing, startPostgres, startRedis } from '../../../adapter-core/test/support/servers.js';
import { createWorkspace, lastInvocation, type Workspace } from './nx-workspace.js';

const NODE = 'leaf:build';
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined);
});

/** What an attacker stores under leaf:build's key, and what the old restore did with it. */
const crafted: [string, (outputs: string[]) => Record<string, unknown>][] = [
  ['outputs ["."] with no files (used to delete the whole workspace)', () => ({ outputs: ['.'], files: [] })],
  ['a file path with ".." (used to write outside the workspace)', (outputs) => ({
    outputs,
    files: [{ path: 'libs/leaf/dist/../../../../outside/pwned.txt', executable: false, data: new Uint8Array([112]) }],
  })],
  ['outputs naming the sources (used to replace libs/leaf/src)', () => ({ outputs: ['libs/leaf/src'], files: [] })],
];

const stores: [string, () => Promise<string | undefined>][] = [
  ['SQLite', async () => undefined],
  ['Postgres', async () => {
    const pg = await startPostgres();
    stops.push(pg.stop);
    return `${pg.url}?namespace=hostile`;
  }],
  ['Redis', async () => {
    const redis = await startRedis();
    stops.push(redis.stop);
    return `${redis.url}?namespace=hostile`;
  }],
];

for (const [kind, start] of stores) {
  const unavailable = kind === 'Postgres' ? missing('postgres') : kind === 'Redis' ? missing('redis') : undefined;
  describe.skipIf(unavailable)(`crafted bundles on ${kind}`, () => {
    let ws: Workspace;
    let store: string | undefined;
    const parent = mkdtempSync(join(tmpdir(), 'dagcache-nx-hostile-'));
    afterAll(() => rmSync(parent, { recursive: true, force: true }));

    it('first run stores the real bundle', async () => {
      store = await start();
      ws = createWorkspace(parent);
      mkdirSync(join(parent, 'outside'), { recursive: true });
      writeFileSync(join(parent, 'outside/keep.txt'), 'outside the workspace');
      if (store) ws.editJson('nx.json', (nx) => (nx['plugins'][0].options.store = store));
      const r = ws.nx(['run', NODE, '--skip-nx-cache']);
      expect(r.status, r.output).toBe(0);
      expect((await lastInvocation(ws, store)).statuses[NODE]).toBe('executed');
    });

    for (const [what, bundle] of crafted) {
      it(`${what}: the target runs, one warning, nothing outside its outputs changes`, async () => {
        await plant(ws, store, bundle);
        const before = treeHash(parent, ws);
        const r = ws.nx(['run', NODE, '--skip-nx-cache']);
        expect(r.status, r.output).toBe(0);
        expect(r.output.match(/ignoring a corrupt cache entry/g) ?? [], r.output).toHaveLength(1);
        expect(r.output).not.toMatch(/outputs restored/);
        expect((await lastInvocation(ws, store)).statuses[NODE]).toBe('executed');
        expect(treeHash(parent, ws)).toBe(before);
        // The corrupt entry was overwritten: the next run is a hit again.
        const again = ws.nx(['run', NODE, '--skip-nx-cache']);
        expect(again.status, again.output).toBe(0);
        expect((await lastInvocation(ws, store)).statuses[NODE]).toBe('retrieved');
      });
    }
  });
}

/** Writes a crafted bundle and points leaf:build's latest key at it, as a hostile store writer would. */
async function plant(
  ws: Workspace,
  store: string | undefined,
  shape: (outputs: string[]) => Record<string, unknown>,
): Promise<void> {
  const cache = await openCache({ path: join(ws.root, '.dagcache'), ...(store ? { store } : {}) });
  try {
    const { runIds } = await lastInvocation(ws, store);
    const record = (await cache.getRun(runIds[NODE]!))!.nodes;
    const node = Object.values(record).find((n) => n.nodeName === NODE)!;
    const entry = await cache.metadataStore.get(node.cacheKey!);
    expect(entry, 'the real run stored a key entry').toBeDefined();
    const value = {
      kind: 'dagcache-nx-outputs',
      version: 1,
      terminal: [{ stream: 'stdout', text: 'crafted\n' }],
      exitCode: 0,
      ...shape(['libs/leaf/dist']),
    };
    const dataVersion = `nxrun_${createHash('sha256').update(JSON.stringify(shape(['x']))).digest('hex')}`;
    const { written } = await cache.resultStore.set(dataVersion, value, entry!.format, {
      nodeName: NODE,
      fileDir: cache.fileDir,
    });
    await written;
    await cache.metadataStore.set(node.cacheKey!, { ...entry!, dataVersion, createdAt: Date.now() });
    await cache.metadataStore.flush();
  } finally {
    await cache.close();
  }
}

/**
 * SHA-256 of every path, link target, mode and byte below `dir` (links not followed), leaving out what a
 * run of leaf:build may change: its configured output, the caches and Nx's workspace data.
 */
function treeHash(dir: string, ws: Workspace): string {
  const skip = new Set(
    ['libs/leaf/dist', '.dagcache', '.nx', 'node_modules'].map((p) => join(ws.root, p)),
  );
  const h = createHash('sha256');
  const visit = (abs: string) => {
    if (skip.has(abs)) return;
    const info = lstatSync(abs);
    if (info.isSymbolicLink()) h.update(`L ${abs} ${readlinkSync(abs)}\n`);
    else if (info.isDirectory()) {
      h.update(`D ${abs}\n`);
      for (const e of readdirSync(abs).sort()) visit(join(abs, e));
    } else h.update(`F ${abs} ${info.mode} `).update(readFileSync(abs)).update('\n');
  };
  visit(dir);
  return h.digest('hex');
}
