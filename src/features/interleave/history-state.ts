/**
 * What a workflow's history says about where it stands, read without I/O: whether a workflow task is outstanding,
 * which activities are scheduled and unanswered, which timers are running and when they fire, and how it ended.
 * The explorer decides its next step from this once the workflow has settled.
 */
import { defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { eventTypeName, type History } from '../../base/history/history-file.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

/** How a run ended, as its history's last event says. */
export type Outcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; type: string; message: string }
  | { status: 'cancelled' }
  | { status: 'terminated'; reason: string }
  | { status: 'timed-out' }
  | { status: 'continued-as-new' }
  | { status: 'running' };

export interface UnansweredActivity {
  scheduledEventId: number;
  activityType: string;
  /** The workflow asked for its cancellation (it may have moved on without waiting). */
  cancelRequested: boolean;
}

export interface RunningTimer {
  timerId: string;
  /** Virtual epoch milliseconds at which it fires. */
  firesAtMs: number;
}

export interface HistoryState {
  outcome: Outcome;
  /** A workflow task is scheduled or running: the workflow has not yet reacted to everything that happened. */
  workflowTaskOutstanding: boolean;
  /** The message of the first failed workflow task, if any (non-determinism, an error thrown in workflow code). */
  workflowTaskFailure?: string;
  unanswered: UnansweredActivity[];
  timers: RunningTimer[];
}

const WORKFLOW_TASK_ENDS = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);
const ACTIVITY_ENDS = new Map<number, keyof HistoryEvent>([
  [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 'activityTaskCompletedEventAttributes'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, 'activityTaskFailedEventAttributes'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, 'activityTaskTimedOutEventAttributes'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, 'activityTaskCanceledEventAttributes'],
]);

type Seconds = number | string | { toNumber(): number } | null | undefined;

/** A timestamp or duration in milliseconds, whether its seconds came as a Long (from the server) or a number (from JSON). */
export function protoMs(value: { seconds?: Seconds; nanos?: number | null } | null | undefined): number {
  const seconds = value?.seconds;
  return (
    (typeof seconds === 'object' && seconds !== null ? seconds.toNumber() : Number(seconds ?? 0)) * 1000 +
    Math.floor((value?.nanos ?? 0) / 1e6)
  );
}

function eventType(event: HistoryEvent): number {
  const type = event.eventType;
  return typeof type === 'number' ? type : (EventType[type as unknown as keyof typeof EventType] ?? -1);
}

function outcomeOf(event: HistoryEvent | undefined): Outcome {
  switch (event && eventType(event)) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      const payload = event!.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
      return { status: 'completed', result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined };
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      const failure = event!.workflowExecutionFailedEventAttributes?.failure;
      return { status: 'failed', type: failure?.applicationFailureInfo?.type ?? 'Error', message: failure?.message ?? '' };
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return { status: 'cancelled' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return { status: 'terminated', reason: event!.workflowExecutionTerminatedEventAttributes?.reason ?? '' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return { status: 'timed-out' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return { status: 'continued-as-new' };
    default:
      return { status: 'running' };
  }
}

export function readHistoryState(history: History): HistoryState {
  const events = history.events ?? [];
  let scheduledTasks = 0;
  let endedTasks = 0;
  let workflowTaskFailure: string | undefined;
  const activities = new Map<number, UnansweredActivity>();
  const timers = new Map<string, RunningTimer>();
  for (const event of events) {
    const type = eventType(event);
    const id = Number(event.eventId);
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduledTasks++;
    else if (WORKFLOW_TASK_ENDS.has(type)) {
      endedTasks++;
      if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        const failure = event.workflowTaskFailedEventAttributes?.failure;
        workflowTaskFailure ??= failure
          ? defaultFailureConverter.failureToError(failure, defaultPayloadConverter).message
          : 'workflow task failed';
      }
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      activities.set(id, {
        scheduledEventId: id,
        activityType: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
        cancelRequested: false,
      });
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED) {
      const activity = activities.get(Number(event.activityTaskCancelRequestedEventAttributes?.scheduledEventId));
      if (activity) activity.cancelRequested = true;
    } else if (ACTIVITY_ENDS.has(type)) {
      const attributes = event[ACTIVITY_ENDS.get(type)!] as { scheduledEventId?: unknown } | null | undefined;
      activities.delete(Number(attributes?.scheduledEventId));
    } else if (type === EventType.EVENT_TYPE_TIMER_STARTED) {
      const attributes = event.timerStartedEventAttributes;
      const timerId = attributes?.timerId ?? '';
      timers.set(timerId, { timerId, firesAtMs: protoMs(event.eventTime) + protoMs(attributes?.startToFireTimeout) });
    } else if (type === EventType.EVENT_TYPE_TIMER_FIRED) timers.delete(event.timerFiredEventAttributes?.timerId ?? '');
    else if (type === EventType.EVENT_TYPE_TIMER_CANCELED) timers.delete(event.timerCanceledEventAttributes?.timerId ?? '');
  }
  return {
    outcome: outcomeOf(events.at(-1)),
    workflowTaskOutstanding: scheduledTasks > endedTasks,
    ...(workflowTaskFailure === undefined ? {} : { workflowTaskFailure }),
    unanswered: [...activities.values()],
    timers: [...timers.values()].sort((a, b) => a.firesAtMs - b.firesAtMs),
  };
}

/**
 * The shape of a history: its events in order, by type, with the name of each activity scheduled, signal received
 * and timer started. The events whose place depends on the server rather than the code (a workflow task being
 * scheduled or started, an activity task being picked up) are left out, so the same path through the code has the
 * same shape on the time-skipping server and on a real cluster.
 */
export function historyShape(history: History): string {
  const parts: string[] = [];
  for (const event of history.events ?? []) {
    const type = eventType(event);
    if (
      type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
      type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ||
      type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    )
      continue;
    const name =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      event.workflowExecutionSignaledEventAttributes?.signalName ??
      event.markerRecordedEventAttributes?.markerName ??
      undefined;
    parts.push(name ? `${eventTypeName(type)}(${name})` : eventTypeName(type));
  }
  return parts.join(' ');
}
