/**
 * The invariants that need nothing from the user: each is derived from the Temporal histories the run recorded,
 * from when the workflows settled and from the operation history, so every system gets them. A system adds its own (system.ts checkers).
 */
import proto, { type temporal } from '@temporalio/proto';
import type { CheckerSpec } from '../system.ts';
import {
  clientView,
  describeClientView,
  describeOutcome,
  outcomeOf,
  type RecordedWorkflow,
  type RunObservations,
  type OperationStatus,
} from '../observations.ts';

type Event = temporal.api.history.v1.IHistoryEvent;

/** An activity attempt that started (or waits to start) after a failed attempt, with what the retry policy said about it. */
export interface ActivityRetry {
  workflowId: string;
  activity: string;
  /** The attempt that started after the failure. */
  attempt: number;
  /** The failure type of the attempt before it (an ApplicationFailure type, 'Timeout', or the message). */
  afterFailure: string;
  /** The failure was marked non-retryable, or its type is one the retry policy lists as non-retryable. */
  nonRetryable: boolean;
  /** The retry policy's maximum attempts (0: unlimited). */
  maximumAttempts: number;
  /**
   * The activity was still retrying when the run recorded its workflow: its history ends at ActivityTaskScheduled,
   * and the attempt and failure come from the pending activity (describe).
   */
  pending?: true;
}

type Failure = temporal.api.failure.v1.IFailure;

/** What a failure was: its ApplicationFailure type, 'Timeout', or its message. */
function failureType(failure: Failure): string {
  return failure.applicationFailureInfo?.type || (failure.timeoutFailureInfo ? 'Timeout' : failure.message || 'unknown');
}

/**
 * Every activity attempt of a workflow that followed a failed attempt (pure): those its history shows
 * (ActivityTaskStarted after a failure) and, for an activity still retrying, the attempt its pending state shows
 * (a retrying activity's history ends at ActivityTaskScheduled; its failures are only in its pending state).
 */
export function activityRetries(workflow: Pick<RecordedWorkflow, 'workflowId' | 'events' | 'pendingActivities'>): ActivityRetry[] {
  const scheduled = new Map<string, temporal.api.history.v1.IActivityTaskScheduledEventAttributes>();
  const byActivityId = new Map<string, temporal.api.history.v1.IActivityTaskScheduledEventAttributes>();
  const retries: ActivityRetry[] = [];
  const seen = new Set<string>();
  const retry = (
    schedule: temporal.api.history.v1.IActivityTaskScheduledEventAttributes | undefined,
    attempt: number,
    failure: Failure,
    pending: boolean,
  ): void => {
    const type = failureType(failure);
    seen.add(`${schedule?.activityId ?? '?'}#${attempt}`);
    retries.push({
      workflowId: workflow.workflowId,
      activity: schedule?.activityType?.name ?? '?',
      attempt,
      afterFailure: type,
      nonRetryable:
        Boolean(failure.applicationFailureInfo?.nonRetryable) || (schedule?.retryPolicy?.nonRetryableErrorTypes ?? []).includes(type),
      maximumAttempts: schedule?.retryPolicy?.maximumAttempts ?? 0,
      ...(pending ? { pending: true as const } : {}),
    });
  };
  for (const event of workflow.events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) {
      scheduled.set(String(event.eventId), attributes);
      if (attributes.activityId) byActivityId.set(attributes.activityId, attributes);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started?.lastFailure && (started.attempt ?? 1) > 1)
      retry(scheduled.get(String(started.scheduledEventId)), started.attempt ?? 0, started.lastFailure, false);
  }
  for (const pending of workflow.pendingActivities ?? []) {
    const attempt = pending.attempt ?? 1;
    if (!pending.lastFailure || attempt <= 1 || seen.has(`${pending.activityId}#${attempt}`)) continue;
    const schedule = byActivityId.get(pending.activityId ?? '') ?? { activityId: pending.activityId, activityType: pending.activityType };
    retry(schedule, attempt, pending.lastFailure, true);
  }
  return retries;
}

/** Workflow task failures that mean a bug in the workflow code, not the ordinary life of a worker. */
const BENIGN_TASK_FAILURES = new Set([
  'UNHANDLED_COMMAND',
  'RESET_STICKY_TASK_QUEUE',
  'RESET_WORKFLOW',
  'FORCE_CLOSE_COMMAND',
  'FAILOVER_CLOSE_COMMAND',
]);

/** The workflow task failures in a history that are not benign (a thrown error, non-determinism, a bad command). */
export function workflowTaskFailures(
  workflow: Pick<RecordedWorkflow, 'workflowId' | 'events'>,
): { eventId: number; cause: string; message: string }[] {
  return workflow.events.flatMap((event: Event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    if (!failed) return [];
    const cause = (proto.temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0] ?? String(failed.cause)).replace(
      /^WORKFLOW_TASK_FAILED_CAUSE_/,
      '',
    );
    if (BENIGN_TASK_FAILURES.has(cause)) return [];
    return [{ eventId: Number(event.eventId), cause, message: (failed.failure?.message ?? '').split('\n')[0]! }];
  });
}

export const allFinished: CheckerSpec = {
  name: 'all-finished',
  description: 'every workflow closed within the settle bound after the faults healed',
  check: (run) =>
    run.unsettled.map((workflowId) => `${workflowId} had not finished ${run.settleWithinMs / 1000} s after the faults healed`),
};

export const historiesReplay: CheckerSpec = {
  name: 'histories-replay',
  description: "the run's recorded histories replay clean against the code the workers ended with",
  check: (run) =>
    run.replay.filter((r) => r.status !== 'passed').map((r) => `${r.workflowId}: ${r.status}${r.detail ? `: ${r.detail}` : ''}`),
};

/** The workflow sandbox's limit on one activation (its deadlock detection), as the SDK words it. */
const SANDBOX_TIMEOUT = /^Script execution timed out after \d+ms/;

/** True when the run paused a worker process: its activations in flight then outlast the sandbox's limit. */
function pausedAWorker(run: Pick<RunObservations, 'history'>): boolean {
  return run.history.some((e) => {
    const action = e.value as { kind?: string; process?: string } | undefined;
    return e.process === 'nemesis' && e.f === 'fault' && action?.kind === 'pause' && /^worker(-\d+)?$/.test(action.process ?? '');
  });
}

export const noWorkflowTaskFailures: CheckerSpec = {
  name: 'no-workflow-task-failures',
  description: 'no workflow task failed (an error thrown in workflow code, non-determinism, a bad command)',
  check: (run) => {
    // A worker paused mid-activation (SIGSTOP) makes that activation outlast the sandbox's limit: the fault, not a
    // deadlock in the workflow (which, in such a run only, this cannot tell apart).
    const paused = pausedAWorker(run);
    return run.workflows.flatMap((workflow) =>
      workflowTaskFailures(workflow)
        .filter((f) => !(paused && SANDBOX_TIMEOUT.test(f.message)))
        .map((f) => `${workflow.workflowId}: workflow task failed at event ${f.eventId} (${f.cause})${f.message ? `: ${f.message}` : ''}`),
    );
  },
};

export const businessErrorsNotRetried: CheckerSpec = {
  name: 'business-errors-not-retried',
  description: "no activity was retried after a non-retryable failure or one of the system's business errors",
  check: (run: RunObservations) =>
    run.workflows
      .flatMap(activityRetries)
      .filter((r) => r.nonRetryable || run.businessErrors.includes(r.afterFailure))
      .map(
        (r) =>
          `${r.workflowId}: activity ${r.activity} was retried after ${r.afterFailure} (attempt ${r.attempt}${r.pending ? ', still retrying when the run ended' : ''})`,
      ),
};

export const retriesWithinPolicy: CheckerSpec = {
  name: 'retries-within-policy',
  description: "no activity ran more attempts than its retry policy's maximum",
  check: (run) =>
    run.workflows
      .flatMap(activityRetries)
      .filter((r) => r.maximumAttempts > 0 && r.attempt > r.maximumAttempts)
      .map((r) => `${r.workflowId}: activity ${r.activity} ran attempt ${r.attempt}, its retry policy allows ${r.maximumAttempts}`),
};

/** How a workflow may have ended when its client saw it fail: WorkflowFailedError covers each. */
const FAILED_ENDINGS: readonly OperationStatus[] = ['failed', 'cancelled', 'terminated', 'timed-out'];

export const clientAgreesWithOutcome: CheckerSpec = {
  name: 'client-agrees-with-outcome',
  description:
    'every operation the client saw complete completed, and every one it saw fail ended failed with the failure the client saw (from the operation history)',
  check: (run) =>
    run.plan.operations.flatMap((op) => {
      const view = clientView(run, op);
      const outcome = outcomeOf(run, op);
      const disagrees =
        view.type === 'ok'
          ? outcome.status !== 'completed'
          : view.type === 'fail' &&
            (!FAILED_ENDINGS.includes(outcome.status) ||
              (outcome.status === 'failed' &&
                outcome.failureType !== undefined &&
                view.failureTypes[0] !== undefined &&
                view.failureTypes[0] !== outcome.failureType));
      return disagrees
        ? [
            `${op.kind} ${op.id} (${op.workflowId}): the client saw ${describeClientView(view)}, but the workflow ended ${describeOutcome(outcome)}`,
          ]
        : [];
    }),
};

/** In the order reports list them. */
export const BUILT_IN_CHECKERS: readonly CheckerSpec[] = [
  allFinished,
  historiesReplay,
  noWorkflowTaskFailures,
  businessErrorsNotRetried,
  retriesWithinPolicy,
  clientAgreesWithOutcome,
];
