/**
 * Where a workflow stands and how it ended, read from its history without I/O: the one reader testWorkflow, the
 * interleaving explorer, chaos runs and corpus synthesis share. It reads incrementally (`read` each event as it
 * arrives, or `WorkflowProgress.of(history)` at once): whether a workflow task is outstanding, which activities are
 * scheduled and not yet ended, which timers are running and when they fire, and the outcome once it closed.
 */
import { defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import type { History } from './history-file.ts';
import { protoMs } from './time.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

/**
 * How a workflow ended, as its history's close event says ('running' until it closed). Every member names the
 * optional fields of the others as undefined, so `outcome.failureType` reads without narrowing first.
 */
export type WorkflowOutcome =
  | (Unset<'result' | 'failureType' | 'failureMessage' | 'reason' | 'newRunId'> & { status: 'running' | 'cancelled' | 'timed-out' })
  | (Unset<'failureType' | 'failureMessage' | 'reason' | 'newRunId'> & { status: 'completed'; result?: unknown })
  | (Unset<'result' | 'reason' | 'newRunId'> & {
      status: 'failed';
      /** The ApplicationFailure type it failed with, when it failed with one (e.g. DepositFailed). */
      failureType?: string;
      failureMessage?: string;
    })
  | (Unset<'result' | 'failureType' | 'failureMessage' | 'newRunId'> & { status: 'terminated'; reason: string })
  | (Unset<'result' | 'failureType' | 'failureMessage' | 'reason'> & { status: 'continued-as-new'; newRunId: string });

type Unset<Keys extends string> = { [Key in Keys]?: undefined };

export type WorkflowStatus = WorkflowOutcome['status'];

export interface OpenActivity {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  /** The workflow asked for its cancellation (it may have moved on without waiting). */
  cancelRequested: boolean;
  retryPolicy?: temporal.api.common.v1.IRetryPolicy;
}

export interface RunningTimer {
  timerId: string;
  /** Workflow-clock epoch milliseconds at which it fires. */
  firesAtMs: number;
}

export interface WorkflowTaskFailure {
  message: string;
  /** The WorkflowTaskFailedCause the history recorded. */
  cause: number;
}

const WORKFLOW_TASK_ENDS = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** The numeric type of an event, whether it came as a number (from a server) or a name (from some JSON). */
export function eventTypeOf(event: HistoryEvent): number {
  const type = event.eventType;
  return typeof type === 'number' ? type : (EventType[type as unknown as keyof typeof EventType] ?? -1);
}

/** The attributes of an activity's end (completed, failed, timed out, cancelled), if `event` is one. */
function activityEnd(event: HistoryEvent): { scheduledEventId?: unknown } | null | undefined {
  return (
    event.activityTaskCompletedEventAttributes ??
    event.activityTaskFailedEventAttributes ??
    event.activityTaskTimedOutEventAttributes ??
    event.activityTaskCanceledEventAttributes
  );
}

/** The outcome a close event stands for; undefined for any other event. */
export function outcomeOfEvent(event: HistoryEvent): WorkflowOutcome | undefined {
  switch (eventTypeOf(event)) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      const payload = event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
      return { status: 'completed', result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined };
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      const failure = event.workflowExecutionFailedEventAttributes?.failure;
      const failureType = failure?.applicationFailureInfo?.type ?? undefined;
      return { status: 'failed', ...(failureType ? { failureType } : {}), failureMessage: failure?.message ?? '' };
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return { status: 'cancelled' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return { status: 'terminated', reason: event.workflowExecutionTerminatedEventAttributes?.reason ?? '' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return { status: 'timed-out' };
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return { status: 'continued-as-new', newRunId: event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '' };
    default:
      return undefined;
  }
}

/** Where one workflow run stands, as far as the events read so far tell. */
export class WorkflowProgress {
  /** Workflow-clock epoch milliseconds of its first event, once read. */
  startedAtMs: number | undefined;
  outcome: WorkflowOutcome = { status: 'running' };
  /** The first workflow task that failed (non-determinism, an error thrown in workflow code), if any. */
  workflowTaskFailure: WorkflowTaskFailure | undefined;
  eventsRead = 0;
  private scheduledTasks = 0;
  private endedTasks = 0;
  private readonly activities = new Map<number, OpenActivity>();
  private readonly timers = new Map<string, RunningTimer>();

  /** Everything a whole history says. */
  static of(history: History): WorkflowProgress {
    const progress = new WorkflowProgress();
    for (const event of history.events ?? []) progress.read(event);
    return progress;
  }

  /** A workflow task is scheduled or running: the workflow has not yet reacted to everything that happened. */
  get workflowTaskOutstanding(): boolean {
    return this.scheduledTasks > this.endedTasks;
  }

  get closed(): boolean {
    return this.outcome.status !== 'running';
  }

  /** Activities scheduled and not yet ended, in the order they were scheduled. */
  openActivities(): OpenActivity[] {
    return [...this.activities.values()];
  }

  /** Timers started and neither fired nor cancelled, soonest first. */
  runningTimers(): RunningTimer[] {
    return [...this.timers.values()].sort((a, b) => a.firesAtMs - b.firesAtMs);
  }

  read(event: HistoryEvent): void {
    this.eventsRead++;
    const time = protoMs(event.eventTime);
    this.startedAtMs ??= time;
    const type = eventTypeOf(event);
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) this.scheduledTasks++;
    else if (WORKFLOW_TASK_ENDS.has(type)) this.endedTasks++;
    const taskFailure = event.workflowTaskFailedEventAttributes;
    if (taskFailure && !this.workflowTaskFailure) {
      const failure = taskFailure.failure;
      this.workflowTaskFailure = {
        message: failure ? defaultFailureConverter.failureToError(failure, defaultPayloadConverter).message : 'workflow task failed',
        cause: taskFailure.cause ?? 0,
      };
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const id = Number(event.eventId);
      this.activities.set(id, {
        scheduledEventId: id,
        activityId: scheduled.activityId ?? '',
        activityType: scheduled.activityType?.name ?? '',
        cancelRequested: false,
        ...(scheduled.retryPolicy ? { retryPolicy: scheduled.retryPolicy } : {}),
      });
    }
    const cancelRequested = event.activityTaskCancelRequestedEventAttributes;
    if (cancelRequested) {
      const activity = this.activities.get(Number(cancelRequested.scheduledEventId));
      if (activity) activity.cancelRequested = true;
    }
    const ended = activityEnd(event);
    if (ended) this.activities.delete(Number(ended.scheduledEventId));
    const timer = event.timerStartedEventAttributes;
    if (timer) this.timers.set(timer.timerId ?? '', { timerId: timer.timerId ?? '', firesAtMs: time + protoMs(timer.startToFireTimeout) });
    const timerEnded = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (timerEnded) this.timers.delete(timerEnded.timerId ?? '');
    this.outcome = outcomeOfEvent(event) ?? this.outcome;
  }
}
