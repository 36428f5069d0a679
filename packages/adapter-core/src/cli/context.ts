import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openCache, type Cache } from '../cache/cache.js';
import { DagcacheError } from '../errors.js';
import { makeOutput, type Output } from './output.js';

/** Options every command takes (given before or after the command name). */
export interface GlobalOptions {
  path: string;
  store?: string;
  metadataStore?: string;
  resultStore?: string;
  resultDir?: string;
  json: boolean;
  color: boolean;
}

export interface Context {
  options: GlobalOptions;
  output: Output;
  /** Opens the cache the options name; an existing folder is required unless a store URL is given. */
  withCache<T>(fn: (cache: Cache) => Promise<T>): Promise<T>;
}

/** Opens the cache the global options name; reading commands must not create an empty cache where the user mistyped a path. */
export async function openExistingCache(options: GlobalOptions): Promise<Cache> {
  const path = resolve(options.path);
  if (!options.metadataStore && !options.store && !existsSync(path)) {
    throw new DagcacheError(`no dagcache cache at ${path} (pass --path to point at one)`);
  }
  return openCache({
    path,
    // Maintenance and inspection never execute nodes: no leases to take.
    singleFlight: false,
    ...(options.store ? { store: options.store } : {}),
    ...(options.metadataStore ? { metadataStore: options.metadataStore } : {}),
    ...(options.resultStore ? { resultStore: options.resultStore } : {}),
    ...(options.resultDir ? { resultDir: options.resultDir } : {}),
  });
}

export function makeContext(options: GlobalOptions): Context {
  return {
    options,
    output: makeOutput(options),
    async withCache(fn) {
      const cache = await openExistingCache(options);
      try {
        return await fn(cache);
      } finally {
        await cache.close();
      }
    },
  };
}
