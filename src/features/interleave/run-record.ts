/**
 * What one run under one ordering did, as properties see it: the steps the explorer took (the ordering), the
 * activity calls the workflow made (and its children, and the runs it continued as) and how each was answered,
 * the updates it was sent and how it took them, how it ended, and its histories.
 */
import type { History } from '../../base/history/history-file.ts';
import type { WorkflowOutcome } from '../../base/history/progress.ts';

/**
 * One decision of the explorer. Activities are named by type and call number (the 2nd chargePayment is call 2),
 * and `execution` names a child workflow's call (its type and number: 'childWork-2'); absent, the explored
 * workflow's.
 */
export type Step =
  | { kind: 'complete'; activity: string; call: number; execution?: string }
  | { kind: 'fail'; activity: string; call: number; failure: string; execution?: string }
  | { kind: 'send'; event: number; label: string }
  | { kind: 'advance'; toMs: number; reason: string }
  /** Several of the above delivered while one workflow task of the explored workflow runs: its next task sees them all. */
  | { kind: 'together'; steps: SingleStep[] };

/** A decision that is not several at once. */
export type SingleStep = Exclude<Step, { kind: 'together' }>;

/** What the timeline shows besides the decisions. */
export type Observed =
  /** The workflow (or a child of it) called an activity. */
  | { kind: 'called'; activity: string; call: number; execution?: string }
  /** The workflow continued as a new run (the 2nd run of its chain is run 2). */
  | { kind: 'continued'; run: number }
  /** How an update the explorer sent was taken: accepted, or rejected (by its validator, or because the workflow had closed). */
  | { kind: 'update'; label: string; accepted: boolean; reason?: string };

/** @deprecated the 'called' member of Observed; kept as a name for properties written against it. */
export type CallMade = Extract<Observed, { kind: 'called' }>;

export interface TimedStep {
  /** Virtual time since the workflow started, in milliseconds, when the step was taken or the thing observed. */
  atMs: number;
  step: Step | Observed;
}

export interface InterleavingCall {
  activity: string;
  /** 1 for the first call of this activity type by its workflow (across a continue-as-new chain), 2 for the second, ... */
  call: number;
  args: unknown[];
  /** Position of this call among all calls of the run (the explored workflow's, its runs' and its children's). */
  index: number;
  /** The child workflow that made it ('childWork-2': its type and number); absent for the explored workflow. */
  execution?: string;
  /** The run of a continue-as-new chain that made it, when not the first. */
  run?: number;
  /** How the explorer answered it; absent when it was never answered (the workflow ended or moved on first). */
  answer?: { kind: 'completed'; result: unknown; step: number } | { kind: 'failed'; type: string; step: number };
}

/** One run of a workflow execution: the explored one's continue-as-new chain, or a child's. */
export interface ExecutionRun {
  runId: string;
  outcome: WorkflowOutcome;
  history: History;
}

export interface ChildRecord {
  /** Its type and number among the children of that type ('childWork-1'). */
  label: string;
  workflowId: string;
  workflowType: string;
  /** How its last run ended ('running' when the run ended first). */
  outcome: WorkflowOutcome;
  runs: ExecutionRun[];
}

export interface UpdateRecord {
  label: string;
  /** Accepted, or rejected (by its validator, or because the workflow had closed) with why. */
  result: 'accepted' | { rejected: string };
  /** For an accepted update: how its handler ended; 'unfinished' when the workflow ended first. */
  outcome?: { completed: unknown } | { failed: string } | 'unfinished';
}

export interface InterleavingRun {
  workflowId: string;
  /** How the chain of runs ended: its last run's outcome ('continued-as-new' only when `maxRuns` stopped it). */
  outcome: WorkflowOutcome;
  /** Every call, in order: the explored workflow's across its continue-as-new chain, and its children's. */
  calls: InterleavingCall[];
  timeline: TimedStep[];
  /** The events sent, in the order they were sent: a signal by its name (however many times it is listed), `update approve(60)`, `cancel request`. */
  sent: string[];
  /** The last run's history (the only one, unless it continued as new). */
  history: History;
  /** The chain of runs, first to last: more than one when the workflow continued as new. */
  runs: ExecutionRun[];
  /** Child workflows it started, in the order it started them. */
  children: ChildRecord[];
  /** Updates the explorer sent, in the order it sent them. */
  updates: UpdateRecord[];
  /** The run stopped before the workflow ended: nothing was left to happen, or the time, step or run bound was reached. */
  stuck?: string;
  /** The run stopped making progress (a workflow task never done, the clock held): a finding, with what was seen. */
  noProgress?: string;
  /** The first workflow task failure the history shows. */
  workflowTaskFailure?: string;
}
