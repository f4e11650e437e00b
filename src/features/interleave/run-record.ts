/**
 * What one run under one ordering did, as properties see it: the steps the explorer took (the ordering), the
 * activity calls the workflow made and how each was answered, how the workflow ended, and its history.
 */
import type { History } from '../../base/history/history-file.ts';
import type { WorkflowOutcome } from '../../base/history/progress.ts';

/** One decision of the explorer. Activities are named by type and call number (the 2nd chargePayment is call 2). */
export type Step =
  | { kind: 'complete'; activity: string; call: number }
  | { kind: 'fail'; activity: string; call: number; failure: string }
  | { kind: 'send'; event: number; label: string }
  | { kind: 'advance'; toMs: number; reason: string };

/** What the timeline shows besides the decisions: the workflow calling an activity. */
export interface CallMade {
  kind: 'called';
  activity: string;
  call: number;
}

export interface TimedStep {
  /** Virtual time since the workflow started, when the step was taken or the call made. */
  atMs: number;
  step: Step | CallMade;
}

export interface InterleavingCall {
  activity: string;
  /** 1 for the first call of this activity type in the run, 2 for the second, ... */
  call: number;
  args: unknown[];
  /** Position of this call among all calls of the run. */
  index: number;
  /** How the explorer answered it; absent when it was never answered (the workflow ended or moved on first). */
  answer?: { kind: 'completed'; result: unknown; step: number } | { kind: 'failed'; type: string; step: number };
}

export interface InterleavingRun {
  workflowId: string;
  outcome: WorkflowOutcome;
  calls: InterleavingCall[];
  timeline: TimedStep[];
  /** Labels of the events sent, in the order they were sent. */
  sent: string[];
  history: History;
  /** The run stopped before the workflow ended: nothing was left to happen, or the time or step bound was reached. */
  stuck?: string;
  /** The first workflow task failure the history shows. */
  workflowTaskFailure?: string;
}
