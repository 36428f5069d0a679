/**
 * Zstandard through the WebAssembly build of the reference library shipped by `@bokuweb/zstd-wasm`.
 * That package only offers an async `init()`; ORC reading and writing here are synchronous, so the module is
 * compiled and instantiated synchronously (allowed in Node for any size) with the five imports it needs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The WebAssembly global is not in the ES lib nor in @types/node 20: type the little we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

interface ZstdExports {
  memory: WasmMemory;
  isError(code: number): number;
  compressBound(n: number): number;
  compress(dst: number, cap: number, src: number, n: number, level: number): number;
  decompress(dst: number, cap: number, src: number, n: number): number;
  malloc(n: number): number;
  free(p: number): void;
}

let instance: ZstdExports | undefined;

function load(): ZstdExports {
  if (instance) return instance;
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'zstd.wasm');
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const holder: { memory?: WasmMemory } = {};
  const imports = {
    a: {
      a: (code: number) => {
        throw new Error(`zstd exited with ${code}`);
      },
      b: () => {},
      c: () => {
        throw new Error('zstd aborted');
      },
      d: () => 0,
      e: (requested: number) => {
        // emscripten_resize_heap: grow the memory to at least `requested` bytes.
        const m = holder.memory!;
        const needed = (requested >>> 0) - m.buffer.byteLength;
        if (needed <= 0) return 1;
        try {
          m.grow(Math.ceil(needed / 65536));
          return 1;
        } catch {
          return 0;
        }
      },
    },
  };
  const inst = new WebAssembly.Instance(module, imports);
  const e = inst.exports as Record<string, unknown>;
  const memory = e['f'] as WasmMemory;
  holder.memory = memory;
  (e['g'] as () => void)();
  instance = {
    memory,
    isError: e['h'] as ZstdExports['isError'],
    compressBound: e['i'] as ZstdExports['compressBound'],
    compress: e['m'] as ZstdExports['compress'],
    decompress: e['r'] as ZstdExports['decompress'],
    malloc: e['s'] as ZstdExports['malloc'],
    free: e['t'] as ZstdExports['free'],
  };
  return instance;
}

/** Compresses `src` into one zstd frame. */
export function zstdCompress(src: Uint8Array, level = 3): Uint8Array {
  const z = load();
  const bound = z.compressBound(src.length);
  const s = z.malloc(Math.max(1, src.length));
  const d = z.malloc(bound);
  try {
    new Uint8Array(z.memory.buffer).set(src, s);
    const n = z.compress(d, bound, s, src.length, level);
    if (z.isError(n)) throw new Error(`zstd compression failed (code ${n})`);
    return new Uint8Array(z.memory.buffer, d, n >>> 0).slice();
  } finally {
    z.free(s);
    z.free(d);
  }
}

/** Decompresses zstd frames holding at most `maxOutput` bytes; throws on corrupt input or overflow. */
export function zstdDecompress(src: Uint8Array, maxOutput: number): Uint8Array {
  const z = load();
  const s = z.malloc(Math.max(1, src.length));
  const d = z.malloc(Math.max(1, maxOutput));
  try {
    new Uint8Array(z.memory.buffer).set(src, s);
    const n = z.decompress(d, maxOutput, s, src.length);
    if (z.isError(n)) throw new Error('corrupt zstd data (or larger than the compression block size)');
    return new Uint8Array(z.memory.buffer, d, n >>> 0).slice();
  } finally {
    z.free(s);
    z.free(d);
  }
}
