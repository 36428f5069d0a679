import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import { context, tempDir } from './helpers.js';

describe('file format', () => {
  it('stores the bytes of a returned path and restores a copy in fileDir, named by its hash', async () => {
    const fmt = await getFormat('file');
    const src = join(tempDir(), 'model.onnx');
    writeFileSync(src, 'weights \u0000\u00ff bytes');
    const ctx = context();
    const { bytes, meta } = await fmt.encode(src, ctx);
    expect(Buffer.from(bytes).toString()).toBe('weights \u0000\u00ff bytes');

    const restored = (await fmt.decode(bytes, meta ?? {}, ctx)) as string;
    expect(typeof restored).toBe('string');
    expect(dirname(restored)).toBe(ctx.fileDir);
    expect(restored).not.toBe(src);
    expect(readFileSync(restored, 'utf8')).toBe('weights \u0000\u00ff bytes');
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(basename(restored)).toBe(`${hash}.onnx`);
    expect(restored).not.toContain('my_node');
    // atomic write: only the final file, no temp files left behind
    expect(readdirSync(ctx.fileDir)).toEqual([`${hash}.onnx`]);
  });

  it('restoring the same result twice (even concurrently) gives the same path', async () => {
    const fmt = await getFormat('file');
    const ctx = context();
    const src = join(tempDir(), 'a.txt');
    writeFileSync(src, 'same');
    const { bytes, meta } = await fmt.encode(src, ctx);
    const paths = await Promise.all([1, 2, 3].map(() => fmt.decode(bytes, meta ?? {}, ctx)));
    expect(new Set(paths).size).toBe(1);
    expect(readdirSync(ctx.fileDir)).toHaveLength(1);
  });

  it('a Buffer comes back as a Buffer, a Uint8Array as a Uint8Array, without writing files', async () => {
    const fmt = await getFormat('file');
    const ctx = context();
    const buf = Buffer.from([1, 2, 3, 255]);
    const enc = await fmt.encode(buf, ctx);
    const back = await fmt.decode(enc.bytes, enc.meta ?? {}, ctx);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect([...(back as Buffer)]).toEqual([1, 2, 3, 255]);

    const u8 = new Uint8Array([9, 8]);
    const enc2 = await fmt.encode(u8, ctx);
    const back2 = await fmt.decode(enc2.bytes, enc2.meta ?? {}, ctx);
    expect(Buffer.isBuffer(back2)).toBe(false);
    expect(back2).toBeInstanceOf(Uint8Array);
    expect([...(back2 as Uint8Array)]).toEqual([9, 8]);
    expect(readdirSync(ctx.fileDir)).toEqual([]);
  });

  it('a missing path is a FormatError naming the path and the node', async () => {
    const fmt = await getFormat('file');
    const missing = join(tempDir(), 'nope.csv');
    const err = await fmt.encode(missing, context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toContain(missing);
    expect((err as Error).message).toContain('my_node');
  });

  it('a directory or a non-file value is a FormatError', async () => {
    const fmt = await getFormat('file');
    await expect(fmt.encode(tempDir(), context())).rejects.toThrow(/not a file/);
    await expect(fmt.encode(42, context())).rejects.toBeInstanceOf(FormatError);
  });
});
