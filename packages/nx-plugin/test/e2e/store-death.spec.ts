// End to end with the real `nx` binary: a shared Redis store SIGKILLed in the middle of `nx run-many`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCache, type NodeStatus } from '@dagcache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, startRedis, type KillableServer } from '../../../adapter-core/test/support/servers.js';
import { ALL, createWorkspace, type Workspace } from './nx-workspace.js';

const LIBS = ['leaf', 'strings', 'numbers', 'format', 'report'];

describe('a shared store that dies during nx run-many', () => {
  const skip = missing('redis');
  let redis: KillableServer | undefined;
  let ws: Workspace | undefined;
  let store = '';
  beforeAll(async () => {
    if (skip) return;
    redis = await startRedis();
    store = `${redis.url}?namespace=nx-death`;
    ws = createWorkspace();
    ws.editJson('nx.json', (nx) => {
      const options = nx['plugins'][0].options;
      options.store = store;
      options.connectTimeoutMs = 1_000;
      // The build of the project named by KILL_IN SIGKILLs the store's server once it has built.
      options.targets.build.command =
        'tsc -p tsconfig.lib.json && node -e "const e=process.env; if (e.KILL_IN && process.cwd().endsWith(e.KILL_IN)) process.kill(Number(e.REDIS_PID), 9)"';
    });
  }, 120_000);
  afterAll(async () => {
    ws?.dispose();
    await redis?.stop();
  });

  /** The status of every node in the runs of the last invocation, read from the Redis store. */
  const statuses = async (): Promise<Record<string, NodeStatus>> => {
    const cache = await openCache({ path: join(ws!.root, '.dagcache'), store });
    try {
      const runs = await cache.listRuns();
      const group = runs.at(-1)?.labels['group'];
      const out: Record<string, NodeStatus> = {};
      for (const s of runs.filter((r) => r.labels['group'] === group)) {
        for (const n of Object.values((await cache.getRun(s.runId))?.nodes ?? {})) out[n.nodeName] = n.status;
      }
      return out;
    } finally {
      await cache.close();
    }
  };

  it.skipIf(!!skip)(
    'every target whose command succeeded succeeds, with a warning naming the store; after a restart the same workspace caches again',
    async () => {
      const r = ws!.nx(['run-many', '-t', 'build'], {
        KILL_IN: 'libs/strings',
        REDIS_PID: String(redis!.pid()),
      });
      expect(r.status, r.output).toBe(0);
      for (const lib of LIBS)
        expect(existsSync(join(ws!.root, 'libs', lib, 'dist/index.js')), lib).toBe(true);
      expect(r.output).toMatch(/store unavailable: .*127\.0\.0\.1/);
      await redis!.kill(); // already dead: waits for the port to close
      await redis!.restart();
      // Redis came back empty: the next run stores everything, the one after retrieves everything.
      const again = ws!.nx(['run-many', '-t', 'build']);
      expect(again.status, again.output).toBe(0);
      const warm = ws!.nx(['run-many', '-t', 'build']);
      expect(warm.status, warm.output).toBe(0);
      expect(await statuses()).toEqual(Object.fromEntries(ALL.map((n) => [n, 'retrieved'])));
    },
    300_000,
  );
});
