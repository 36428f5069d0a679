import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: its named exports are only reachable through the default import under ESM.
const { temporal } = proto;

/** One activity call of a built history: its type, arguments and the result the server recorded. */
export interface ActivityStep {
  activityType: string;
  args: unknown[];
  result: unknown;
}

/** What a built history describes: a workflow run that calls activities one after another. */
export interface HistorySpec {
  workflowType: string;
  args: unknown[];
  activities: ActivityStep[];
  result: unknown;
  taskQueue?: string;
}

function payloads(values: unknown[]): { payloads: Payload[] } {
  return { payloads: values.map((v) => defaultPayloadConverter.toPayload(v)) };
}

const seconds = (s: number) => ({ seconds: s, nanos: 0 });

/**
 * Builds the history the server would record for a workflow that schedules its activities one at a time
 * (each awaited before the next), with payloads encoded by the default payload converter. This is what
 * the TS SDK's workflow code produces: activity ids are the sequence numbers "1", "2", …
 */
export function buildHistory(spec: HistorySpec): proto.temporal.api.history.v1.History {
  const taskQueue = {
    name: spec.taskQueue ?? 'dagcache-test',
    kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
  };
  const events: Record<string, unknown>[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  const push = (eventType: string, attrsName: string, attrs: Record<string, unknown>): number => {
    const eventId = events.length + 1;
    events.push({
      eventId,
      eventTime: { seconds: Math.floor(t0 / 1000) + eventId, nanos: 0 },
      eventType: temporal.api.enums.v1.EventType[eventType as keyof typeof temporal.api.enums.v1.EventType],
      [attrsName]: attrs,
    });
    return eventId;
  };
  const workflowTask = (): number => {
    const scheduled = push('EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'workflowTaskScheduledEventAttributes', {
      taskQueue,
      startToCloseTimeout: seconds(10),
      attempt: 1,
    });
    const started = push('EVENT_TYPE_WORKFLOW_TASK_STARTED', 'workflowTaskStartedEventAttributes', {
      scheduledEventId: scheduled,
      identity: 'test',
      requestId: `req-${scheduled}`,
    });
    return push('EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'workflowTaskCompletedEventAttributes', {
      scheduledEventId: scheduled,
      startedEventId: started,
      identity: 'test',
    });
  };

  push('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'workflowExecutionStartedEventAttributes', {
    workflowType: { name: spec.workflowType },
    taskQueue,
    input: payloads(spec.args),
    workflowTaskTimeout: seconds(10),
    originalExecutionRunId: '11111111-1111-1111-1111-111111111111',
    firstExecutionRunId: '11111111-1111-1111-1111-111111111111',
    identity: 'test',
    attempt: 1,
  });
  let completed = workflowTask();
  spec.activities.forEach((step, i) => {
    const scheduled = push('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', 'activityTaskScheduledEventAttributes', {
      activityId: String(i + 1),
      activityType: { name: step.activityType },
      taskQueue,
      input: payloads(step.args),
      startToCloseTimeout: seconds(60),
      heartbeatTimeout: seconds(30),
      workflowTaskCompletedEventId: completed,
    });
    const started = push('EVENT_TYPE_ACTIVITY_TASK_STARTED', 'activityTaskStartedEventAttributes', {
      scheduledEventId: scheduled,
      identity: 'test',
      requestId: `act-${scheduled}`,
      attempt: 1,
    });
    push('EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 'activityTaskCompletedEventAttributes', {
      result: payloads([step.result]),
      scheduledEventId: scheduled,
      startedEventId: started,
      identity: 'test',
    });
    completed = workflowTask();
  });
  push('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'workflowExecutionCompletedEventAttributes', {
    result: payloads([spec.result]),
    workflowTaskCompletedEventId: completed,
  });
  return temporal.api.history.v1.History.fromObject({ events });
}
