import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** A fresh cache folder per test. */
export function tempCachePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'dagcache-temporal-')), '.dagcache');
}

/** Info of an activity call inside a workflow execution (attempt 1 unless given). */
export function callInfo(activityType: string, overrides: Partial<Info> = {}): Partial<Info> {
  return {
    activityType,
    activityId: '1',
    attempt: 1,
    workflowType: 'pricePipeline',
    workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
    ...overrides,
  };
}

/** MockActivityEnvironment whose `run` keeps the activity's argument and result types. */
export class TypedActivityEnvironment extends MockActivityEnvironment {
  override run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
    return super.run(fn as (...args: unknown[]) => Promise<R>, ...args);
  }
}

/**
 * A MockActivityEnvironment (no Temporal server, nothing downloaded) with the given interceptors. One per
 * call: the environment's context stays cancelled once cancelled.
 */
export function activityEnv(
  interceptors: { activity?: ActivityInterceptorsFactory[] | undefined },
  info: Partial<Info>,
): TypedActivityEnvironment {
  return new TypedActivityEnvironment(info, {
    interceptors: interceptors.activity ?? [],
    logger: new DefaultLogger('ERROR'),
  });
}
