import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DagcacheError } from '../errors.js';
import { openExistingCache, type Context } from './context.js';

/**
 * `dagcache serve`: the viewer's run browser on 127.0.0.1 only (run records name files, commands and
 * environments; they are not for the network). Runs until SIGINT/SIGTERM, reading the store on every
 * request, so runs finished meanwhile show up on reload.
 */
export async function serve(ctx: Context, port: number): Promise<void> {
  const { options, output } = ctx;
  const path = resolve(options.path);
  const cache = await openExistingCache(options);
  const { createViewerHandler } = await import('@dagcache/viewer');
  const server = createServer(createViewerHandler(cache, { title: `dagcache · ${path}` }));
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok());
    });
  } catch (err) {
    await cache.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new DagcacheError(
      code === 'EADDRINUSE'
        ? `port ${port} is in use (pick another with --port, or --port 0)`
        : (err as Error).message,
    );
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // One line, so a script can read the URL as soon as it is printed.
  if (output.json) output.out(JSON.stringify({ url, path }));
  else output.out(`dagcache viewer on ${output.colors.cyan(url)} (Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => done());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await cache.close();
}
