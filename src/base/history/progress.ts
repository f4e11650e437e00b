/**
 * Where a workflow stands and how it ended, read from its history without I/O: the one reader testWorkflow, the
 * interleaving explorer, chaos runs and corpus synthesis share. It reads incrementally (`read` each event as it
 * arrives, or `WorkflowProgress.of(history)` at once): whether a workflow task is outstanding, which activities are
 * scheduled and not yet ended (and when their attempt times out), which timers are running and when they fire,
 * which child workflows and signals to other workflows are on their way, which updates were accepted and how they
 * ended, and the outcome once it closed (the run it continued as, when it did).
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
  /** The task queue it was scheduled on. */
  taskQueue: string;
  /** The workflow asked for its cancellation (it may have moved on without waiting). */
  cancelRequested: boolean;
  retryPolicy?: temporal.api.common.v1.IRetryPolicy;
  /** Workflow-clock epoch ms it was scheduled at. */
  scheduledAtMs: number;
  /**
   * When its first attempt times out if nobody answers (the soonest of start-to-close, heartbeat and
   * schedule-to-close after the scheduling, for an attempt that starts at once), epoch ms; undefined without any.
   */
  firstAttemptDeadlineMs?: number;
}

/** A child workflow the workflow started (or is starting), in the order it asked for them. */
export interface ChildWorkflow {
  initiatedEventId: number;
  workflowId: string;
  workflowType: string;
  /** The task queue its workflow tasks go to. */
  taskQueue: string;
  /** Set once the server started it. */
  runId?: string;
  /** How it ended, once the parent's history recorded it; 'failed-to-start' when the server refused to start it. */
  ended?: 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'failed-to-start';
}

/** An update the workflow accepted (a validator's rejection leaves no event), and how it ended. */
export interface AcceptedUpdate {
  updateId: string;
  name: string;
  /** Absent while its handler still runs. */
  outcome?: { completed: unknown } | { failed: string };
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

/**
 * Workflow task failures that mean the code threw, or did something else than its history: a bug. The others
 * (say UNHANDLED_COMMAND: new events arrived while the task completed the workflow) are the server's normal retry.
 */
export const CODE_FAILURES: ReadonlySet<number> = new Set([
  proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
  proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
]);

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
  /** The first workflow task that failed because of the code (non-determinism, an error thrown in workflow code), if any. */
  workflowTaskFailure: WorkflowTaskFailure | undefined;
  eventsRead = 0;
  /** Workflow-clock epoch ms of the last event read. */
  lastEventAtMs: number | undefined;
  /** The outstanding workflow task: the id of its scheduled event, and of its started event once a worker took it. */
  workflowTask: { scheduledEventId: number; startedEventId?: number } | undefined;
  /** Every child workflow it started or is starting, in the order it asked for them. */
  readonly children: ChildWorkflow[] = [];
  /** Updates it accepted, in the order it accepted them. */
  readonly updates: AcceptedUpdate[] = [];
  /** The longest timer it started, in milliseconds (0 without any). */
  longestTimerMs = 0;
  private scheduledTasks = 0;
  private endedTasks = 0;
  private signalsToOthers = 0;
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

  /** Children asked for and not started yet (the server holds time still until it starts or refuses them). */
  startingChildren(): ChildWorkflow[] {
    return this.children.filter((child) => child.runId === undefined && child.ended === undefined);
  }

  /** Signals to other workflows sent and not yet delivered or refused. */
  get signalsOnTheirWay(): number {
    return this.signalsToOthers;
  }

  read(event: HistoryEvent): void {
    this.eventsRead++;
    const time = protoMs(event.eventTime);
    this.startedAtMs ??= time;
    this.lastEventAtMs = time;
    const type = eventTypeOf(event);
    const eventId = Number(event.eventId);
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
      this.scheduledTasks++;
      this.workflowTask = { scheduledEventId: eventId };
    } else if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && this.workflowTask) this.workflowTask.startedEventId = eventId;
    else if (WORKFLOW_TASK_ENDS.has(type)) {
      this.endedTasks++;
      this.workflowTask = undefined;
    }
    const taskFailure = event.workflowTaskFailedEventAttributes;
    if (taskFailure && !this.workflowTaskFailure && CODE_FAILURES.has(taskFailure.cause ?? 0)) {
      const failure = taskFailure.failure;
      this.workflowTaskFailure = {
        message: failure ? defaultFailureConverter.failureToError(failure, defaultPayloadConverter).message : 'workflow task failed',
        cause: taskFailure.cause ?? 0,
      };
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const limits = [scheduled.startToCloseTimeout, scheduled.heartbeatTimeout, scheduled.scheduleToCloseTimeout]
        .map((timeout) => protoMs(timeout))
        .filter((ms) => ms > 0);
      this.activities.set(eventId, {
        scheduledEventId: eventId,
        activityId: scheduled.activityId ?? '',
        activityType: scheduled.activityType?.name ?? '',
        taskQueue: scheduled.taskQueue?.name ?? '',
        cancelRequested: false,
        ...(scheduled.retryPolicy ? { retryPolicy: scheduled.retryPolicy } : {}),
        scheduledAtMs: time,
        ...(limits.length > 0 ? { firstAttemptDeadlineMs: time + Math.min(...limits) } : {}),
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
    if (timer) {
      const length = protoMs(timer.startToFireTimeout);
      this.timers.set(timer.timerId ?? '', { timerId: timer.timerId ?? '', firesAtMs: time + length });
      this.longestTimerMs = Math.max(this.longestTimerMs, length);
    }
    const timerEnded = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (timerEnded) this.timers.delete(timerEnded.timerId ?? '');
    this.readChildren(event, eventId);
    this.readUpdates(event);
    if (event.signalExternalWorkflowExecutionInitiatedEventAttributes) this.signalsToOthers++;
    if (event.externalWorkflowExecutionSignaledEventAttributes || event.signalExternalWorkflowExecutionFailedEventAttributes)
      this.signalsToOthers--;
    this.outcome = outcomeOfEvent(event) ?? this.outcome;
  }

  private readChildren(event: HistoryEvent, eventId: number): void {
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated)
      this.children.push({
        initiatedEventId: eventId,
        workflowId: initiated.workflowId ?? '',
        workflowType: initiated.workflowType?.name ?? '',
        taskQueue: initiated.taskQueue?.name ?? '',
      });
    const child = (attributes: { initiatedEventId?: unknown } | null | undefined) =>
      attributes ? this.children.find((c) => c.initiatedEventId === Number(attributes.initiatedEventId)) : undefined;
    const started = event.childWorkflowExecutionStartedEventAttributes;
    const startedChild = child(started);
    if (startedChild) startedChild.runId = started?.workflowExecution?.runId ?? '';
    const ends: [unknown, NonNullable<ChildWorkflow['ended']>][] = [
      [event.childWorkflowExecutionCompletedEventAttributes, 'completed'],
      [event.childWorkflowExecutionFailedEventAttributes, 'failed'],
      [event.childWorkflowExecutionCanceledEventAttributes, 'cancelled'],
      [event.childWorkflowExecutionTerminatedEventAttributes, 'terminated'],
      [event.childWorkflowExecutionTimedOutEventAttributes, 'timed-out'],
      [event.startChildWorkflowExecutionFailedEventAttributes, 'failed-to-start'],
    ];
    for (const [attributes, ended] of ends) {
      const endedChild = child(attributes as { initiatedEventId?: unknown } | undefined);
      if (endedChild) endedChild.ended = ended;
    }
  }

  private readUpdates(event: HistoryEvent): void {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted)
      this.updates.push({
        updateId: accepted.acceptedRequest?.meta?.updateId ?? accepted.protocolInstanceId ?? '',
        name: accepted.acceptedRequest?.input?.name ?? '',
      });
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) {
      const update = this.updates.find((u) => u.updateId === completed.meta?.updateId);
      const outcome = completed.outcome;
      if (update && outcome) {
        const payload = outcome.success?.payloads?.[0];
        update.outcome = outcome.failure
          ? { failed: defaultFailureConverter.failureToError(outcome.failure, defaultPayloadConverter).message }
          : { completed: payload ? defaultPayloadConverter.fromPayload(payload) : undefined };
      }
    }
  }
}
