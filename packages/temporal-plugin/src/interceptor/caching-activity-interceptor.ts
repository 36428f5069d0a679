import { NodeExecutionError, UNHASHABLE_VERSION } from '@dagcache/core';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { readLineage } from '../lineage/lineage-header.js';
import { findUnencodable } from '../payload/find-unencodable.js';
import { decodeValue, encodeValue, isStoredPayload } from '../payload/stored-payload.js';
import { runGroupOf } from '../runs/run-registry.js';
import { warn, type CachingRuntime } from './caching-runtime.js';

/** `ApplicationFailure.type` of the failure raised for an argument the payload converter cannot encode. */
export const UNHASHABLE_ARGUMENT = 'DagcacheUnhashableArgument';

/** Marks an argument the payload converter could not encode (internal). */
class UnencodableArgument {
  constructor(
    readonly path: string,
    readonly cause: unknown,
  ) {}
}

/**
 * Activity inbound interceptor that serves an activity call from the cache or runs it and stores the
 * result. It only translates: the key, the behavior, the store and the events are core's (`run.node`).
 *
 * The key is made of the activity type, its code version and one dependency per argument (`arg0`, `arg1`…,
 * fingerprints of the argument as the payload converter encodes it), plus upstream versions when lineage is
 * on. Attempt numbers, workflow ids and run ids are deliberately not part of it.
 */
export class CachingActivityInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly runtime: CachingRuntime,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const info = this.ctx.info;
    const name = info.activityType;
    const { cache, runs } = await this.runtime.ready();

    let dependencies: Record<string, string>;
    let unhashable: UnencodableArgument | undefined;
    try {
      dependencies = this.argumentVersions(cache, input.args);
    } catch (err) {
      if (!(err instanceof UnencodableArgument)) throw err;
      if (this.runtime.options.unhashable?.[name] !== 'recompute') {
        throw ApplicationFailure.create({
          type: UNHASHABLE_ARGUMENT,
          nonRetryable: true,
          message:
            `dagcache: activity "${name}": argument ${err.path} cannot be encoded by the payload converter, ` +
            `so it has no fingerprint (${err.cause instanceof Error ? err.cause.message : String(err.cause)}). ` +
            `Pass plain data, or set unhashable: { ${name}: 'recompute' } to always run it uncached.`,
          cause: err.cause instanceof Error ? err.cause : undefined,
        });
      }
      // Opted in to "always run": core's unhashable marker makes a key that is never looked up or stored,
      // while the call still gets a record and events like any other.
      unhashable = err;
      dependencies = { [err.path.replace(/[.[].*$/, '')]: UNHASHABLE_VERSION };
    }
    if (this.runtime.options.lineage) {
      // Named by the upstream activity type, as core names upstream nodes: the viewer draws the edge, and an
      // upstream activity that this run disabled or ignored is treated as core treats such a node.
      const lineage = readLineage(input.headers) ?? {};
      for (const [upstream, version] of Object.entries(lineage)) {
        if (upstream !== name && !(upstream in dependencies)) dependencies[upstream] = version;
      }
    }

    const format = this.runtime.format(name);
    const converter = this.runtime.converter;
    let produced: { value: unknown } | undefined;
    let flushed = false;
    const { run, release } = runs.acquire(runGroupOf(info), name);
    try {
      if (unhashable) {
        run.emit('adapter', 'UNHASHABLE_DATA_VERSION', name, {
          msg: `${unhashable.path} cannot be encoded by the payload converter`,
        });
      }
      // An activity nothing can version (or whose type names none) gets core's unhashable marker: its key
      // is never looked up or stored, so it always runs, while its call is recorded like any other.
      const uncached = this.runtime.uncachedBecause(cache, name);
      if (uncached) {
        run.emit('adapter', 'UNHASHABLE_DATA_VERSION', name, { msg: `not cached: ${uncached}` });
        this.ctx.log.warn('dagcache: activity runs uncached', { activityType: name, reason: uncached });
        dependencies = { ...dependencies, code: UNHASHABLE_VERSION };
      }
      const version = this.runtime.codeVersion(cache, name) ?? 'unversioned';
      const outcome = await run.node({
        name,
        // How the result is stored is part of what the node produces: switching an activity between the
        // payload and a core format must not serve a result written the other way.
        codeVersion: format === 'payload' ? version : `${version}+format:${format}`,
        dependencies,
        format: format === 'payload' ? 'pickle' : format,
        details: {
          activityId: info.activityId,
          attempt: info.attempt,
          ...(info.workflowExecution ? { workflowId: info.workflowExecution.workflowId } : {}),
          resultFormat: format,
        },
        execute: async () => {
          const value = await next(input);
          produced = { value };
          return format === 'payload' ? encodeValue(converter, value) : value;
        },
        // Not something this adapter wrote (a foreign writer under the same key): a miss, never served.
        ...(format === 'payload'
          ? { acceptResult: (v: unknown) => (isStoredPayload(v) ? undefined : 'the stored result is not a Temporal payload') }
          : {}),
      });
      if (produced) {
        // Commit the stored result (core writes it in the background) before Temporal records the
        // completion: the workflow's next step, or a re-run of it, can then be served from the cache.
        // A failed cache write costs a future hit, never this activity's result.
        await run.flush().catch((error: unknown) => {
          warn(`dagcache: activity "${name}": could not store the result`, error);
          this.ctx.log.warn('dagcache: could not store the result', { error: String(error) });
        });
        flushed = true;
        return produced.value;
      }
      if (format !== 'payload') return outcome.value;
      if (!isStoredPayload(outcome.value)) throw new Error(`dagcache: activity "${name}": stored result is not a payload`);
      return decodeValue(converter, outcome.value);
    } catch (err) {
      // Temporal must see the activity's own failure (ApplicationFailure, CancelledFailure…) unchanged.
      if (err instanceof NodeExecutionError) throw err.cause;
      throw err;
    } finally {
      release(flushed);
    }
  }

  private argumentVersions(cache: { versionData(value: unknown): string }, args: readonly unknown[]) {
    const dependencies: Record<string, string> = {};
    args.forEach((arg, i) => {
      let encoded;
      try {
        encoded = encodeValue(this.runtime.converter, arg);
      } catch (cause) {
        throw new UnencodableArgument(findUnencodable(this.runtime.converter, arg, `arg${i}`), cause);
      }
      dependencies[`arg${i}`] = cache.versionData(encoded);
    });
    return dependencies;
  }
}
