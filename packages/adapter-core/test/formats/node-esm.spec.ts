import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('parquet-wasm under plain Node ESM (no bundler, no network)', () => {
  it('imports, writes and reads a table in a fresh node process', () => {
    const script = `
      import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
      import * as pw from 'parquet-wasm';
      const t = tableFromArrays({ a: Float64Array.from([1, 2, 3]) });
      const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream')));
      const back = tableFromIPC(pw.readParquet(bytes).intoIPCStream());
      console.log(JSON.stringify([...back.getChild('a')]));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      encoding: 'utf8',
      // A proxy that refuses everything: loading must not touch the network.
      env: { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' },
    });
    expect(out.trim()).toBe('[1,2,3]');
  });
});
