/** Event types, with Hamilton's names. */
export const CachingEventType = {
  GET_DATA_VERSION: 'GET_DATA_VERSION',
  SET_DATA_VERSION: 'SET_DATA_VERSION',
  GET_CACHE_KEY: 'GET_CACHE_KEY',
  SET_CACHE_KEY: 'SET_CACHE_KEY',
  GET_RESULT: 'GET_RESULT',
  SET_RESULT: 'SET_RESULT',
  MISSING_RESULT: 'MISSING_RESULT',
  FAILED_RETRIEVAL: 'FAILED_RETRIEVAL',
  EXECUTE_NODE: 'EXECUTE_NODE',
  FAILED_EXECUTION: 'FAILED_EXECUTION',
  RESOLVED_BEHAVIOR: 'RESOLVED_BEHAVIOR',
  UNHASHABLE_DATA_VERSION: 'UNHASHABLE_DATA_VERSION',
  IS_OVERRIDE: 'IS_OVERRIDE',
  IS_INPUT: 'IS_INPUT',
  IS_FINAL_VAR: 'IS_FINAL_VAR',
  IS_DEFAULT_PARAMETER_VALUE: 'IS_DEFAULT_PARAMETER_VALUE',
} as const;
export type CachingEventType = (typeof CachingEventType)[keyof typeof CachingEventType];

/** Who made the decision an event records. */
export type EventActor = 'adapter' | 'metadata_store' | 'result_store';

/** One caching decision (Hamilton's `CachingEvent`). `msg` is `hit`/`miss` for lookups. */
export interface CachingEvent {
  runId: string;
  actor: EventActor;
  eventType: CachingEventType;
  nodeName: string;
  taskId?: string | undefined;
  msg?: string | undefined;
  /** A small JSON value: a data version, a behavior, a cache key. Never a node's result. */
  value?: unknown;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** `info` keeps only "retrieved from cache" (GET_RESULT) and EXECUTE_NODE events; `debug` keeps all. */
export type LogLevel = 'info' | 'debug';

/** Hamilton's printed form: `node::task::actor::event::msg`, leaving out empty parts. */
export function formatEvent(e: CachingEvent): string {
  return [e.nodeName, e.taskId, e.actor, e.eventType.toLowerCase(), e.msg].filter((p) => p).join('::');
}
