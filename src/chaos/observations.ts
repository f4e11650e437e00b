/** What a chaos run observed once it settled: the input of every checker. Pure data. */
import type { temporal } from '@temporalio/proto';
import type { HistoryEntry } from './history.ts';
import type { Plan, PlannedOperation } from './plan.ts';

export type WorkflowStatus = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'running' | 'unknown';

export interface WorkflowOutcome {
  workflowId: string;
  /** The planned operation this workflow ran. */
  op: string;
  status: WorkflowStatus;
  /** The ApplicationFailure type the workflow failed with (e.g. DepositFailed), when it failed with one. */
  failureType?: string;
  /** The failure's message, when it failed. */
  failureMessage?: string;
  /** The workflow's result when it completed. */
  result?: unknown;
}

export interface ReplayObservation {
  workflowId: string;
  status: 'passed' | 'nondeterministic' | 'failed' | 'drifted' | 'not-recorded';
  detail?: string;
}

/** A workflow's history as the run recorded it from the cluster. */
export interface RecordedWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  events: temporal.api.history.v1.IHistoryEvent[];
  /**
   * Its activities still scheduled or running when it was recorded, as describe() showed them, for a workflow that
   * had not finished: an activity that keeps retrying leaves no event after ActivityTaskScheduled, and its attempt
   * and last failure are only here.
   */
  pendingActivities?: temporal.api.workflow.v1.IPendingActivityInfo[];
}

export interface RunObservations<Snapshot = unknown, Setup = unknown> {
  plan: Plan<Setup>;
  /** The operation history: every client invocation and its completion, every fault and heal. */
  history: readonly HistoryEntry[];
  /** How each operation's workflow ended, after settling. */
  outcomes: WorkflowOutcome[];
  /** The system's snapshot after `prepare` (before the workload) and after settling; undefined without a snapshot. */
  before: Snapshot;
  after: Snapshot;
  /** Every workflow's recorded history. */
  workflows: RecordedWorkflow[];
  /** The recorded histories replayed against the code the workers ended with (empty when histories-replay is not checked). */
  replay: ReplayObservation[];
  /** Workflows still not closed when the settle bound ran out. */
  unsettled: string[];
  settleWithinMs: number;
  /** The system's business error types (see SystemSpec.businessErrors). */
  businessErrors: readonly string[];
}

/** The outcome of an operation's workflow ('unknown' when the run has none). */
export function outcomeOf(run: Pick<RunObservations, 'outcomes'>, op: Pick<PlannedOperation, 'id' | 'workflowId'>): WorkflowOutcome {
  return run.outcomes.find((o) => o.workflowId === op.workflowId) ?? { workflowId: op.workflowId, op: op.id, status: 'unknown' };
}

/** "completed", or "failed (DepositFailed)". */
export function describeOutcome(outcome: WorkflowOutcome): string {
  return outcome.failureType ? `${outcome.status} (${outcome.failureType})` : outcome.status;
}
