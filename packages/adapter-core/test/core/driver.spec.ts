import { describe, expect, it } from 'vitest';
import { Builder, ConfigError, extractFields, node } from '../../src/index.js';
import { Calls, tempDir } from '../support/tmp.js';

const calls = new Calls();

describe('dependencies', () => {
  it('come from the destructured first parameter, or from explicit deps', async () => {
    const dr = new Builder()
      .withNodes({
        a: node(() => 2),
        b: node(async function ({ a }: { a: number }) {
          return a * 3;
        }),
        c: node((d: any) => d.a + d.b, { deps: ['a', 'b'] }),
        d: ({ c }: { c: number }) => c + 1,
      })
      .withCache({ path: tempDir() })
      .build();
    expect(await dr.execute(['b', 'c', 'd'])).toEqual({ b: 6, c: 8, d: 9 });
    await dr.cache.close();
  });

  it('a non-destructured parameter without deps is a clear error at build time', () => {
    expect(() => new Builder().withNodes({ x: node((deps: any) => deps.a) }).build()).toThrow(
      /node "x".*destructuring pattern/,
    );
  });

  it('missing inputs, unknown final vars, inputs that name nodes, cycles: errors before anything runs', async () => {
    calls.reset();
    const dr = new Builder()
      .withNodes({ a: node(({ x }) => (calls.hit('a'), x)) })
      .withCache({ path: tempDir() })
      .build();
    await expect(dr.execute(['a'])).rejects.toThrow(/missing inputs: x \(needed by a\)/);
    await expect(dr.execute(['zzz'])).rejects.toThrow(/unknown final var "zzz"/);
    await expect(dr.execute(['a'], { inputs: { a: 1 } })).rejects.toThrow(/"a" is a node.*overrides/);
    await expect(dr.execute(['a'], { inputs: { x: 1 }, overrides: { nope: 1 } })).rejects.toThrow(/unknown node "nope"/);
    expect(calls.all).toEqual({});
    expect(() => new Builder().withNodes({ p: node(({ q }) => q), q: node(({ p }) => p) }).build()).toThrow(/cycle/);
    await dr.cache.close();
  });
});

describe('execution', () => {
  it('runs independent nodes concurrently, up to maxConcurrency', async () => {
    let active = 0;
    let peak = 0;
    const slow = () =>
      node(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return Math.random();
      });
    const nodes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`n${i}`, slow()]));
    const dr = new Builder().withNodes(nodes).withCache({ path: tempDir(), recompute: true }).withMaxConcurrency(3).build();
    await dr.execute(Object.keys(nodes));
    expect(peak).toBe(3);
    peak = 0;
    await dr.execute(Object.keys(nodes), { maxConcurrency: 1 });
    expect(peak).toBe(1);
    await dr.cache.close();
  });

  it('a 10,000-node graph and a 5,000-deep chain run without stack overflow, then hit', async () => {
    const wide: Record<string, any> = { root: node(() => 1) };
    for (let i = 0; i < 9_999; i++) wide[`w${i}`] = node((d: any) => d.root + 1, { deps: ['root'], version: 'w' });
    const chain: Record<string, any> = { c0: node(() => 0) };
    for (let i = 1; i < 5_000; i++) chain[`c${i}`] = node((d: any) => d[`c${i - 1}`] + 1, { deps: [`c${i - 1}`], version: 'c' });
    const path = tempDir();
    const dw = new Builder().withNodes(wide).withCache({ path }).build();
    const out = await dw.execute(Object.keys(wide).slice(1));
    expect(Object.keys(out)).toHaveLength(9_999);
    const dc = new Builder().withNodes(chain).withCache({ path }).build();
    expect(await dc.execute(['c4999'])).toEqual({ c4999: 4_999 });
    expect(await dc.execute(['c4999'])).toEqual({ c4999: 4_999 });
    const rec = await dc.cache.getRun(dc.cache.lastRunId);
    expect(Object.values(rec!.nodes).every((n) => n.status === 'retrieved')).toBe(true);
    await dw.cache.close();
    await dc.cache.close();
  }, 180_000);

  it('extractFields makes one node per field, and target chooses which get the cache options', async () => {
    calls.reset();
    const dr = new Builder()
      .withNodes({
        training: extractFields(({ data }) => (calls.hit('training'), { model: data * 2, performance: { rmse: 0.1 } }), ['model', 'performance'], {
          cache: { behavior: 'recompute' },
          target: 'performance',
        }),
      })
      .withCache({ path: tempDir() })
      .build();
    expect(await dr.execute(['model', 'performance'], { inputs: { data: 4 } })).toEqual({ model: 8, performance: { rmse: 0.1 } });
    expect(await dr.cache.resolveBehaviors()).toEqual({ training: 'default', model: 'default', performance: 'recompute' });
    await dr.execute(['model'], { inputs: { data: 4 } });
    expect(calls.of('training')).toBe(1);
    expect(() =>
      new Builder().withNodes({ t: extractFields(() => ({}), ['a'], { target: 'zz' }) }).build(),
    ).toThrow(/target "zz"/);
    await dr.cache.close();
  });

  it('resolveCodeVersions prunes to the execution path', async () => {
    const dr = new Builder()
      .withNodes({ a: node(() => 1), b: node(({ a }) => a), c: node(({ b }) => b), other: node(() => 0) })
      .withCache({ path: tempDir() })
      .build();
    expect(Object.keys(dr.cache.resolveCodeVersions())).toEqual(['a', 'other', 'b', 'c'].filter(Boolean).sort((x, y) => ['a', 'other', 'b', 'c'].indexOf(x) - ['a', 'other', 'b', 'c'].indexOf(y)));
    expect(Object.keys(dr.cache.resolveCodeVersions(undefined, ['c']))).toEqual(['a', 'b', 'c']);
    expect(Object.keys(dr.cache.resolveCodeVersions(undefined, ['c'], {}, { b: 5 }))).toEqual(['c']);
    await dr.cache.close();
  });

  it('explicit version and helpers decide the code version', () => {
    const helper1 = (x: number) => x + 1;
    const helper2 = (x: number) => x + 2;
    const b = (h: any) => new Builder().withNodes({ f: node(() => h(1), { helpers: [h] }) }).build();
    expect(b(helper1).cache.versionCode('f')).not.toBe(b(helper2).cache.versionCode('f'));
    const v = new Builder().withNodes({ f: node(() => 1, { version: 'v7' }) }).build();
    expect(v.cache.versionCode('f')).toBe('v7');
  });
});

describe('configuration errors (one clear ConfigError before anything runs)', () => {
  const nodes = { a: node(() => 1), b: node(({ a }) => a) };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['node in two lists', { recompute: ['a'], disable: ['a'] }, /node "a" is listed under both "recompute" and "disable"/],
    ['unknown node in a list', { ignore: ['zz'] }, /ignore: unknown node "zz"/],
    ['two lists true', { recompute: true, disable: true }, /only one behavior list may be true/],
    ['unknown behavior', { defaultBehavior: 'sometimes' }, /defaultBehavior: unknown caching behavior "sometimes"/],
    ['unknown format', { formats: { a: 'xml' } }, /formats\.a: unknown format "xml"/],
    ['unknown option', { recompte: ['a'] }, /unknown cache option "recompte"/],
    ['bad list', { recompute: 'a' }, /recompute: expected true or a list/],
  ];
  for (const [what, opts, re] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        new Builder().withNodes(nodes).withCache(opts as any).build();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(re);
    });
  }
  it('unknown node behavior and format in node options', () => {
    expect(() => new Builder().withNodes({ a: node(() => 1, { cache: { behavior: 'x' as any } }) }).build()).toThrow(
      /node "a" cache.behavior: unknown caching behavior "x"/,
    );
    expect(() => new Builder().withNodes({ a: node(() => 1, { cache: { format: 'xml' as any } }) }).build()).toThrow(
      /node "a" cache.format: unknown format "xml"/,
    );
  });
  it('withCache twice', () => {
    expect(() => new Builder().withCache().withCache()).toThrow(/already called/);
  });
});
