/**
 * What a workflow test's listeners hear: the workflow's own history, read as events in the order the workflow saw
 * them (activity scheduled/started/completed/failed, timer started/fired, signal received, update accepted and
 * completed, cancel requested, and how the workflow closed).
 */
import type { temporal } from '@temporalio/proto';
import { protoMs } from '../../base/history/time.ts';
import { formatOffset } from '../../base/duration.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export type WorkflowTestEventType =
  | 'activityScheduled'
  | 'activityStarted'
  | 'activityCompleted'
  | 'activityFailed'
  | 'activityTimedOut'
  | 'activityCancelled'
  | 'timerStarted'
  | 'timerFired'
  | 'timerCancelled'
  | 'signalReceived'
  | 'updateAccepted'
  | 'updateCompleted'
  | 'cancelRequested'
  | 'workflowCompleted'
  | 'workflowFailed'
  | 'workflowCancelled'
  | 'workflowTerminated'
  | 'workflowTimedOut';

export interface WorkflowTestEvent {
  type: WorkflowTestEventType;
  /** The activity type, the timer's id, the signal's or the update's name; absent for the workflow's own events. */
  name?: string;
  /** Activities: the attempt the history recorded. */
  attempt?: number;
  /** Timers: how long it was started for, in milliseconds. */
  durationMs?: number;
  /** Milliseconds on the workflow clock after the workflow started. */
  at: number;
  eventId: number;
}

/** `activityStarted chargePayment #1 at +0s`: how an event reads in a log or a message. */
export function describeEvent(event: WorkflowTestEvent): string {
  const name = event.name === undefined ? '' : ` ${event.name}`;
  const attempt = event.attempt === undefined ? '' : ` #${event.attempt}`;
  return `${event.type}${name}${attempt} at ${formatOffset(event.at)}`;
}

/** Reads a history's events in order; keeps what it needs to name later events (the activity a completion belongs to). */
export class HistoryReader {
  private startMs: number | undefined;
  private readonly activities = new Map<string, string>();
  private readonly updates = new Map<string, string>();

  /** Workflow-clock time of the start, once the first event was read. */
  get startedAt(): number | undefined {
    return this.startMs;
  }

  /** The events these history events stand for (most history events stand for none). */
  read(event: HistoryEvent): WorkflowTestEvent[] {
    const time = protoMs(event.eventTime);
    this.startMs ??= time;
    const base = { at: time - this.startMs, eventId: Number(event.eventId) };
    const named = (type: WorkflowTestEventType, name?: string, extra: Partial<WorkflowTestEvent> = {}): WorkflowTestEvent[] => [
      { type, ...(name === undefined ? {} : { name }), ...extra, ...base },
    ];
    const activity = (scheduledEventId: unknown): string => this.activities.get(String(scheduledEventId)) ?? '?';

    if (event.activityTaskScheduledEventAttributes) {
      const name = event.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
      this.activities.set(String(event.eventId), name);
      return named('activityScheduled', name);
    }
    if (event.activityTaskStartedEventAttributes) {
      return named('activityStarted', activity(event.activityTaskStartedEventAttributes.scheduledEventId), {
        attempt: event.activityTaskStartedEventAttributes.attempt ?? undefined,
      });
    }
    if (event.activityTaskCompletedEventAttributes)
      return named('activityCompleted', activity(event.activityTaskCompletedEventAttributes.scheduledEventId));
    if (event.activityTaskFailedEventAttributes)
      return named('activityFailed', activity(event.activityTaskFailedEventAttributes.scheduledEventId));
    if (event.activityTaskTimedOutEventAttributes)
      return named('activityTimedOut', activity(event.activityTaskTimedOutEventAttributes.scheduledEventId));
    if (event.activityTaskCanceledEventAttributes)
      return named('activityCancelled', activity(event.activityTaskCanceledEventAttributes.scheduledEventId));
    if (event.timerStartedEventAttributes) {
      return named('timerStarted', event.timerStartedEventAttributes.timerId ?? undefined, {
        durationMs: protoMs(event.timerStartedEventAttributes.startToFireTimeout),
      });
    }
    if (event.timerFiredEventAttributes) return named('timerFired', event.timerFiredEventAttributes.timerId ?? undefined);
    if (event.timerCanceledEventAttributes) return named('timerCancelled', event.timerCanceledEventAttributes.timerId ?? undefined);
    if (event.workflowExecutionSignaledEventAttributes)
      return named('signalReceived', event.workflowExecutionSignaledEventAttributes.signalName ?? undefined);
    if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const attributes = event.workflowExecutionUpdateAcceptedEventAttributes;
      const name = attributes.acceptedRequest?.input?.name ?? '?';
      this.updates.set(attributes.protocolInstanceId ?? '', name);
      return named('updateAccepted', name);
    }
    if (event.workflowExecutionUpdateCompletedEventAttributes) {
      return named('updateCompleted', this.updates.get(event.workflowExecutionUpdateCompletedEventAttributes.meta?.updateId ?? '') ?? '?');
    }
    if (event.workflowExecutionCancelRequestedEventAttributes) return named('cancelRequested');
    if (event.workflowExecutionCompletedEventAttributes) return named('workflowCompleted');
    if (event.workflowExecutionFailedEventAttributes) return named('workflowFailed');
    if (event.workflowExecutionCanceledEventAttributes) return named('workflowCancelled');
    if (event.workflowExecutionTerminatedEventAttributes) return named('workflowTerminated');
    if (event.workflowExecutionTimedOutEventAttributes) return named('workflowTimedOut');
    return [];
  }
}
