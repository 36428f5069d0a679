// The contract adapters build on: openCache / startRun / run.node / finish.
import { describe, expect, it } from 'vitest';
import { DISABLED_VERSION, NodeExecutionError, openCache } from '../../src/index.js';
import { tempDir } from '../support/tmp.js';

describe('the core contract (openCache, startRun, run.node, finish)', () => {
  it('misses, then hits across runs; outcome carries status, key and data version', async () => {
    const cache = await openCache({ path: tempDir() });
    let executed = 0;
    const call = (dep: string) => ({
      name: 'build-lib',
      codeVersion: 'v1',
      dependencies: { 'lib-a': dep },
      execute: async () => (executed++, { out: dep }),
    });
    const r1 = cache.startRun({ tool: 'nx' });
    const a = await r1.node(call('dv-aaaaaaaaaaaaaaaa'));
    await r1.finish();
    const r2 = cache.startRun({ tool: 'nx' });
    const b = await r2.node(call('dv-aaaaaaaaaaaaaaaa'));
    const c = await r2.node({ ...call('dv-bbbbbbbbbbbbbbbb'), taskId: 't1' });
    await r2.finish();
    expect([a.status, b.status, c.status]).toEqual(['executed', 'retrieved', 'executed']);
    expect(b.value).toEqual({ out: 'dv-aaaaaaaaaaaaaaaa' });
    expect(b.cacheKey).toBe(a.cacheKey);
    expect(b.dataVersion).toBe(a.dataVersion);
    expect(executed).toBe(2);
    expect((await cache.listRuns()).map((r) => r.tool)).toEqual(['nx', 'nx']);
    await cache.close();
  });

  it('a throwing execute rejects with NodeExecutionError and stores nothing', async () => {
    const cache = await openCache({ path: tempDir() });
    const run = cache.startRun();
    const err = await run
      .node({ name: 'x', codeVersion: 'v', dependencies: {}, execute: () => Promise.reject(new Error('nope')) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NodeExecutionError);
    expect(err.message).toMatch(/node "x" failed: nope/);
    expect((await run.finish()).nodes.x!.status).toBe('failed');
    let n = 0;
    for await (const _ of cache.metadataStore.entries()) n++;
    expect(n).toBe(0);
    await cache.close();
  });

  it('disable and ignore as seen by downstream keys', async () => {
    const cache = await openCache({ path: tempDir(), disable: ['d'], ignore: ['i'] });
    const run = cache.startRun();
    const d = await run.node({ name: 'd', codeVersion: 'v', dependencies: {}, execute: () => 1 });
    const i = await run.node({ name: 'i', codeVersion: 'v', dependencies: {}, execute: () => 2 });
    expect([d.status, d.dataVersion, d.cacheKey]).toEqual(['disabled', DISABLED_VERSION, null]);
    expect([i.status, i.dataVersion, i.cacheKey]).toEqual(['ignored', null, null]);
    const down = await run.node({ name: 'down', codeVersion: 'v', dependencies: { d: d.dataVersion, i: i.dataVersion }, execute: () => 3 });
    const rec = await run.finish();
    expect(rec.nodes.down!.keyParts!.dependencies).toEqual({ d: DISABLED_VERSION });
    expect(down.status).toBe('executed');
    let n = 0;
    for await (const _ of cache.metadataStore.entries()) n++;
    expect(n).toBe(0); // a key with a disabled dependency can never hit, so it is not stored
    await cache.close();
  });

  it('a custom versionResult that is not a data version is hashed into one', async () => {
    const cache = await openCache({ path: tempDir() });
    const run = cache.startRun();
    const out = await run.node({ name: 'x', codeVersion: 'v', dependencies: {}, execute: () => 1, versionResult: () => 'files:a/b c' });
    expect(out.dataVersion).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await run.finish();
    await cache.close();
  });

  it('codeParts are part of the key, and why names the part that changed', async () => {
    const cache = await openCache({ path: tempDir() });
    const node = (hash: string) => ({
      name: 'lib:build',
      codeVersion: 'options-v1',
      codeParts: { 'file:src/index.ts': hash, 'file:src/util.ts': 'u1' },
      dependencies: {},
      execute: () => hash,
    });
    for (const h of ['h1', 'h1', 'h2']) {
      const run = cache.startRun({ tool: 'nx' });
      await run.node(node(h));
      await run.finish();
    }
    // A later run of another node does not hide this node from why().
    const other = cache.startRun({ tool: 'nx' });
    await other.node({ name: 'app:build', codeVersion: 'v', dependencies: {}, execute: () => 0 });
    await other.finish();
    const why = await cache.why(undefined, 'lib:build');
    expect(why.status).toBe('executed');
    expect(why.reasons).toEqual(['code changed: file:src/index.ts (h1 → h2)']);
    await cache.close();
  });

  it('unknown node names in behavior lists are a ConfigError when the run names its nodes', async () => {
    const cache = await openCache({ path: tempDir(), recompute: ['nope'] });
    expect(() => cache.startRun({ nodeNames: ['a', 'b'] })).toThrow(/recompute: unknown node "nope"/);
    await cache.close();
  });
});
