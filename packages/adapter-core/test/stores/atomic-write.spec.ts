import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
vi.mock('node:fs/promises', async (orig) => {
  const real = await orig<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => { calls.push(`sync:${String(args[0]).endsWith('.tmp') ? 'tmp' : 'dir'}`); return sync(); };
      return fh;
    },
    rename: async (...args: Parameters<typeof real.rename>) => { calls.push('rename'); return real.rename(...args); },
  };
});

describe('writeFileAtomic durability', () => {
  it('fsyncs the temp file before the rename and the folder after it', async () => {
    const { writeFileAtomic } = await import('../../src/stores/atomic-write.js');
    const dir = await mkdtemp(join(tmpdir(), 'dagcache-aw-'));
    await writeFileAtomic(join(dir, 'r.bin'), 'hello');
    expect(await readFile(join(dir, 'r.bin'), 'utf8')).toBe('hello');
    expect(calls).toEqual(['sync:tmp', 'rename', 'sync:dir']);
  });
});
