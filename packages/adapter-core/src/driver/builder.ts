import { openCache, validateCacheOptions } from '../cache/cache.js';
import type { CacheOptions } from '../cache/types.js';
import { ConfigError } from '../errors.js';
import { Driver } from './driver.js';
import { Graph, type NodeInput } from './graph.js';

/**
 * Builds a `Driver` (Hamilton's `driver.Builder`). Configuration is checked in `build()`: unknown
 * behaviors or formats, a node in two behavior lists, unknown node names, cycles — before anything runs.
 *
 * @example
 * ```ts
 * import { Builder, node } from '@dagcache/core';
 * const dr = new Builder()
 *   .withNodes({ raw: node(() => [3, 1, 2]), sorted: node(({ raw }) => [...raw].sort()) })
 *   .withCache({ path: '.dagcache', recompute: ['raw'] })
 *   .build();
 * const { sorted } = await dr.execute(['sorted']);
 * ```
 */
export class Builder {
  private nodes: Record<string, NodeInput> = {};
  private cacheOptions: CacheOptions | undefined;
  private concurrency = 16;

  /** Adds nodes (`node()`, `extractFields()` or plain functions), by name. Can be called more than once. */
  withNodes(nodes: Record<string, NodeInput>): this {
    for (const name of Object.keys(nodes)) {
      if (name in this.nodes) throw new ConfigError(`node "${name}" is defined twice`);
    }
    this.nodes = { ...this.nodes, ...nodes };
    return this;
  }

  /** Turns caching on. Calling it twice is an error (as in Hamilton), so one place holds the settings. */
  withCache(options: CacheOptions = {}): this {
    if (this.cacheOptions) throw new ConfigError('withCache() was already called on this builder');
    this.cacheOptions = options;
    return this;
  }

  /** How many independent nodes may run at once (default 16). */
  withMaxConcurrency(n: number): this {
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError(`maxConcurrency must be a positive integer, got ${n}`);
    this.concurrency = n;
    return this;
  }

  build(): Driver {
    const graph = new Graph(this.nodes);
    const options = this.cacheOptions ?? { path: '.dagcache' };
    validateCacheOptions(options, new Set([...graph.nodes.keys(), ...graph.dependencyNames]));
    return new Driver(graph, openCache(options), options, this.concurrency);
  }
}
