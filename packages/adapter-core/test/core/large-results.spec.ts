// Results over 2 GiB: stored and read back through the default store without being held twice in
// memory (each side runs in a child process so its peak memory can be read).
import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';

const SIZE = 2 ** 31 + 64 * 2 ** 20; // 2 GiB + 64 MiB: past Node's 2 GiB readFile and v8 limits
const script = join(__dirname, 'fixtures', 'large-result.ts');

function child(mode: 'write' | 'read', path: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--conditions=@dagcache/source', '--import', 'tsx', script, mode], {
    encoding: 'utf8',
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, LARGE_PATH: path, LARGE_BYTES: String(SIZE) },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`large-result ${mode} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('a 2 GiB+ result', () => {
  it('is stored and retrieved whole, and neither side holds it twice', () => {
    const path = tempDir('dagcache-large-');
    const free = statfsSync(path);
    if (free.bavail * free.bsize < 3 * SIZE) {
      const reason = `needs ${3 * SIZE} bytes free under ${path}`;
      if (process.env.CI) throw new Error(`CI: ${reason}`);
      console.warn(`skipping the 2 GiB result test: ${reason}`);
      return;
    }
    const wrote = child('write', path);
    expect(wrote).toMatchObject({ executed: 1, status: 'executed', byteLength: SIZE, isBuffer: true });
    const read = child('read', path);
    expect(read).toMatchObject({ executed: 0, status: 'retrieved', byteLength: SIZE, isBuffer: true });
    expect(read.sha256).toBe(wrote.sha256);
    expect(read.head).toBe(wrote.head);
    // Held once: the value plus the runtime, never value + copy (which would be over 2 × SIZE).
    const once = SIZE * 1.3 + 512 * 2 ** 20;
    console.log(
      `[large] ${SIZE} bytes: write ${wrote.ms} ms, peak ${Math.round(Number(wrote.maxRssBytes) / 2 ** 20)} MiB; ` +
        `read ${read.ms} ms, peak ${Math.round(Number(read.maxRssBytes) / 2 ** 20)} MiB`,
    );
    expect(Number(wrote.maxRssBytes)).toBeLessThan(once);
    expect(Number(read.maxRssBytes)).toBeLessThan(once);
  }, 300_000);
});
