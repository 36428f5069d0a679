import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Builder, FormatError, UnhashableValueError, node } from '../../src/index.js';
import { Calls, tempDir } from '../support/tmp.js';

// Hostile values through the direct API, as inputs, overrides and node results: a changed value must
// re-run what depends on it, a hit must give back what was computed (or the format refuses it when
// writing), and reading a value that throws is an error naming the node or input and the path.

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const calls = new Calls();

class Index<K, V> extends Map<K, V> {
  version = 1;
}
class Stamp extends Date {
  zone = 'UTC';
}

function throwingGetter(): object {
  return {
    ok: 1,
    inner: {
      get broken(): number {
        throw new Error('getter boom');
      },
    },
  };
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
  revoke();
  return { rows: [proxy] };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('wrong hits: a changed field of a built-in subclass re-runs the nodes downstream', () => {
  const downstream = () => ({
    version: node(({ idx }: { idx: Index<string, number> }) => (calls.hit('version'), idx.version)),
    zone: node(({ at }: { at: Stamp }) => (calls.hit('zone'), at.zone)),
  });

  it('as inputs', async () => {
    calls.reset();
    const dr = new Builder().withNodes(downstream()).withCache({ path: tempDir() }).build();
    const idx = new Index([['a', 1]]);
    const at = new Stamp(0);
    expect(await dr.execute(['version', 'zone'], { inputs: { idx, at } })).toEqual({ version: 1, zone: 'UTC' });
    expect(await dr.execute(['version', 'zone'], { inputs: { idx, at } })).toEqual({ version: 1, zone: 'UTC' });
    expect(calls.all).toEqual({ version: 1, zone: 1 });
    idx.version = 2;
    at.zone = 'CET';
    expect(await dr.execute(['version', 'zone'], { inputs: { idx, at } })).toEqual({ version: 2, zone: 'CET' });
    expect(calls.all).toEqual({ version: 2, zone: 2 });
    await dr.cache.close();
  });

  it('as overrides of a node', async () => {
    calls.reset();
    const dr = new Builder()
      .withNodes({ idx: node(() => new Map()), ...downstream() })
      .withCache({ path: tempDir() })
      .build();
    const idx = new Index([['a', 1]]);
    expect((await dr.execute(['version'], { overrides: { idx } })).version).toBe(1);
    idx.version = 3;
    expect((await dr.execute(['version'], { overrides: { idx } })).version).toBe(3);
    expect(calls.of('version')).toBe(2);
    await dr.cache.close();
  });

  it('an own property added to a plain Map counts too', async () => {
    calls.reset();
    const dr = new Builder()
      .withNodes({ tag: node(({ m }: { m: Map<string, number> & { tag?: string } }) => (calls.hit('tag'), m.tag)) })
      .withCache({ path: tempDir() })
      .build();
    const m = Object.assign(new Map([['a', 1]]), { tag: 'one' });
    expect((await dr.execute(['tag'], { inputs: { m } })).tag).toBe('one');
    m.tag = 'two';
    expect((await dr.execute(['tag'], { inputs: { m } })).tag).toBe('two');
    expect(calls.of('tag')).toBe(2);
    await dr.cache.close();
  });
});

describe('a hit gives back what was computed, or the format refuses the value when writing', () => {
  it('pickle refuses a Map subclass with a field, naming the node and the path; nothing is stored', async () => {
    calls.reset();
    const dr = new Builder()
      .withNodes({ index: node(() => (calls.hit('index'), { byName: new Index([['a', 1]]) })) })
      .withCache({ path: tempDir() })
      .build();
    for (let i = 0; i < 2; i++) {
      const err = await rejection(dr.execute(['index']));
      expect(err).toBeInstanceOf(FormatError);
      expect(err.message).toContain('node "index"');
      expect(err.message).toContain('index.byName');
      expect(err.message).toMatch(/Index.*Map/);
    }
    expect(calls.of('index')).toBe(2);
    await dr.cache.close();
  });

  it('pickle refuses a class instance (it would come back as a plain object)', async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const dr = new Builder()
      .withNodes({ p: node(() => [new Point(1, 2)]) })
      .withCache({ path: tempDir() })
      .build();
    const err = await rejection(dr.execute(['p']));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toMatch(/node "p".*p\[0\].*Point/);
    await dr.cache.close();
  });

  it('json refuses a sparse array (JSON would write null into the hole), naming the node and the index', async () => {
    const dr = new Builder()
      .withNodes({ rows: node(() => ({ list: [, 1] }), { cache: { format: 'json' } }) })
      .withCache({ path: tempDir() })
      .build();
    const err = await rejection(dr.execute(['rows']));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toContain('node "rows"');
    expect(err.message).toContain('rows.list[0]');
    await dr.cache.close();
  });

  it('what pickle keeps comes back with the data version it was stored under', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const shared = { big: Array.from({ length: 300 }, (_, i) => i) };
    const holey = [1, , 3];
    const values: Record<string, () => unknown> = {
      map: () => new Map<unknown, unknown>([[{ k: 1 }, new Set([1, 'a'])], ['d', new Date(7)]]),
      sparse: () => holey,
      shared: () => ({ a: shared, b: [shared] }),
      cyclic: () => cyclic,
      bare: () => Object.assign(Object.create(null) as object, { a: /x/gi, b: new Uint16Array([1, 2]), c: -0, d: 1n }),
    };
    const nodes = Object.fromEntries(Object.entries(values).map(([k, f]) => [k, node(() => (calls.hit(k), f()))]));
    calls.reset();
    const dr = new Builder().withNodes(nodes).withCache({ path: tempDir() }).build();
    await dr.execute(Object.keys(values));
    const stored = dr.cache.lastRunId;
    const again = await dr.execute(Object.keys(values));
    const warm = dr.cache.lastRunId;
    for (const name of Object.keys(values)) {
      expect(calls.of(name), name).toBe(1);
      expect(dr.cache.versionData(again[name]), name).toBe(await dr.cache.getDataVersion(stored, name));
      expect(await dr.cache.getDataVersion(warm, name), name).toBe(await dr.cache.getDataVersion(stored, name));
    }
    await dr.cache.close();
  });
});

describe('reading a value that throws is an UnhashableValueError naming the node or input and the path', () => {
  const consumer = () => ({ use: node(({ params }: { params: unknown }) => typeof params) });

  it('a throwing getter, as an input and as a result', async () => {
    const dr = new Builder()
      .withNodes({ ...consumer(), load: node(() => throwingGetter()) })
      .withCache({ path: tempDir() })
      .build();
    const asInput = await rejection(dr.execute(['use'], { inputs: { params: throwingGetter() } }));
    expect(asInput).toBeInstanceOf(UnhashableValueError);
    expect(asInput.message).toContain('params.inner.broken');
    expect(asInput.message).toContain('getter boom');
    expect((asInput as UnhashableValueError).path).toBe('params.inner.broken');
    const asResult = await rejection(dr.execute(['load']));
    expect(asResult).toBeInstanceOf(UnhashableValueError);
    expect((asResult as UnhashableValueError).path).toBe('load.inner.broken');
    await dr.cache.close();
  });

  it('a revoked Proxy, as an input and as a result', async () => {
    const dr = new Builder()
      .withNodes({ ...consumer(), load: node(() => revokedProxy()) })
      .withCache({ path: tempDir() })
      .build();
    const asInput = await rejection(dr.execute(['use'], { inputs: { params: revokedProxy() } }));
    expect(asInput).toBeInstanceOf(UnhashableValueError);
    expect((asInput as UnhashableValueError).path).toBe('params.rows[0]');
    expect((asInput as UnhashableValueError).typeName).toBe('Proxy');
    const asResult = await rejection(dr.execute(['load']));
    expect(asResult).toBeInstanceOf(UnhashableValueError);
    expect((asResult as UnhashableValueError).path).toBe('load.rows[0]');
    await dr.cache.close();
  });
});

// Each case runs in a child process with a time limit, so a regression fails instead of hanging the suite.
describe('hostile shapes through the driver finish (child process, time limit)', () => {
  const run = async (name: string) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@dagcache/source', join(here, 'fixtures', 'hostile-run.ts'), 'driver', name],
      { cwd: packageDir, timeout: 150_000, killSignal: 'SIGKILL' },
    );
    return JSON.parse(stdout) as Record<string, Record<string, unknown>>;
  };

  it('an array with length 2**32 - 1 and two elements: input, pickle result, json refusal', async () => {
    const out = await run('sparse');
    const expected = { length: 2 ** 32 - 1, first: 1, second: 2, own: 2 };
    expect(out.input).toEqual({ first: expected, second: expected, runs: 1 });
    expect(out.pickle).toEqual({ first: expected, second: expected, again: expected, runs: 1 });
    expect(out.json!.error).toBe('FormatError');
    expect(out.json!.message).toMatch(/node "make".*make\[2\]/);
  }, 180_000);

  it('v = [v, v] 40 levels deep: input, pickle result, json refusal', async () => {
    const out = await run('shared');
    expect(out.input).toEqual({ first: { depth: 40 }, second: { depth: 40 }, runs: 1 });
    expect(out.pickle).toEqual({ first: { depth: 40 }, second: { depth: 40 }, again: { depth: 40 }, runs: 1 });
    expect(out.json!.error).toBe('FormatError');
    expect(out.json!.message).toContain('node "make"');
  }, 180_000);

  it('a dense cyclic graph: an UnhashableValueError naming the input or node', async () => {
    const out = await run('cyclic');
    expect(out.input!.error).toBe('UnhashableValueError');
    expect(out.input!.message).toMatch(/cannot fingerprint v\./);
    expect(out.pickle!.error).toBe('UnhashableValueError');
    expect(out.pickle!.message).toMatch(/cannot fingerprint make\./);
  }, 180_000);
});
