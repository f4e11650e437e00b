/** What a chaos run observed once it settled: the input of every checker. Pure data. */
import type { temporal } from '@temporalio/proto';
import type { WorkflowOutcome } from '../../base/history/progress.ts';
import type { HistoryEntry } from './history.ts';
import type { Plan, PlannedOperation } from './plan.ts';

/** How the workflow of one planned operation ended: 'unknown' when its start never reached the server. */
export type OperationOutcome = { workflowId: string; /** The planned operation this workflow ran. */ op: string } & (
  | WorkflowOutcome
  | { status: 'unknown'; result?: undefined; failureType?: undefined; failureMessage?: undefined; reason?: undefined; newRunId?: undefined }
);

export type OperationStatus = OperationOutcome['status'];

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
  outcomes: OperationOutcome[];
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
export function outcomeOf(run: Pick<RunObservations, 'outcomes'>, op: Pick<PlannedOperation, 'id' | 'workflowId'>): OperationOutcome {
  return run.outcomes.find((o) => o.workflowId === op.workflowId) ?? { workflowId: op.workflowId, op: op.id, status: 'unknown' };
}

/** "completed", or "failed (DepositFailed)". */
export function describeOutcome(outcome: OperationOutcome): string {
  return outcome.failureType ? `${outcome.status} (${outcome.failureType})` : outcome.status;
}

/** How the client saw one operation, from the operation history. */
export interface ClientView {
  op: string;
  /**
   * How it ended for the client: ok (the workflow completed: it must have taken effect), fail (it ended with a
   * failure: it must have taken none), info (the client lost track of it: either may be true); undefined when no
   * completion was recorded.
   */
  type?: 'ok' | 'fail' | 'info';
  /** The completion's value: the workflow's result (ok), its failure (fail), the client's error (info). */
  value?: unknown;
  /** The failure types down the cause chain of a fail (['WithdrawalFailed', 'InsufficientFundsError']). */
  failureTypes: string[];
  /** The steps the client took (signals, updates, queries), in order, each acknowledged by the server or not. */
  steps: { name: string; acknowledged: boolean }[];
}

/** How the client saw an operation: its completion and its steps, from the run's operation history. */
export function clientView(run: Pick<RunObservations, 'history'>, op: Pick<PlannedOperation, 'id' | 'kind'>): ClientView {
  const view: ClientView = { op: op.id, failureTypes: [], steps: [] };
  for (const entry of run.history) {
    if (entry.op !== op.id || !entry.process.startsWith('client-')) continue;
    if (entry.f === op.kind) {
      if (entry.type === 'invoke') continue;
      view.type = entry.type;
      view.value = entry.value;
      const failure = entry.value as { failureType?: string; failureTypes?: string[] } | undefined;
      if (entry.type === 'fail') view.failureTypes = failure?.failureTypes ?? (failure?.failureType ? [failure.failureType] : []);
    } else if (entry.type === 'invoke') {
      view.steps.push({ name: entry.f, acknowledged: false });
    } else if (entry.type === 'ok') {
      const step = view.steps.findLast((s) => s.name === entry.f && !s.acknowledged);
      if (step) step.acknowledged = true;
    }
  }
  return view;
}

/** "ok", "fail (WithdrawalFailed: InsufficientFundsError)", "info", "no answer". */
export function describeClientView(view: ClientView): string {
  if (view.type === undefined) return 'no answer';
  return view.type === 'fail' && view.failureTypes.length > 0 ? `fail (${view.failureTypes.join(': ')})` : view.type;
}
