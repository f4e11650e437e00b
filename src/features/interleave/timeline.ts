/**
 * Orderings as people read them: what happened in which order, at which virtual time since the workflow started,
 * to the millisecond (the clock moves only when the explorer moves it, so the times are exact).
 *
 *   +0s       workflow called reserveInventory
 *   +0s       reserveInventory completed
 *   +1d       time moved: timer 1 fires
 */
import { formatOffset } from '../../base/duration.ts';
import type { WorkflowOutcome } from '../../base/history/progress.ts';
import type { InterleavingRun, Observed, Step, TimedStep } from './run-record.ts';

const callName = (activity: string, call: number, execution: string | undefined): string =>
  `${activity}${call > 1 ? ` (call ${call})` : ''}${execution ? ` of child ${execution}` : ''}`;

export function describeStep(step: Step | Observed): string {
  switch (step.kind) {
    case 'called':
      return `${step.execution ? `child ${step.execution}` : 'workflow'} called ${callName(step.activity, step.call, undefined)}`;
    case 'complete':
      return `${callName(step.activity, step.call, step.execution)} completed`;
    case 'fail':
      return `${callName(step.activity, step.call, step.execution)} failed: ${step.failure}`;
    case 'send':
      if (step.label === 'cancel request') return 'cancellation requested';
      return step.label.startsWith('update ') ? `${step.label} sent` : `signal ${step.label} sent`;
    case 'advance':
      return `time moved: ${step.reason}`;
    case 'together':
      return `${step.steps.map(describeStep).join(' + ')} (one workflow task)`;
    case 'continued':
      return `continued as new (run ${step.run})`;
    case 'update':
      return step.accepted ? `${step.label} accepted` : `${step.label} rejected: ${step.reason ?? ''}`;
  }
}

export function describeOutcome(outcome: WorkflowOutcome): string {
  switch (outcome.status) {
    case 'completed':
      return `completed: ${JSON.stringify(outcome.result)}`;
    case 'failed':
      return `failed: ${outcome.failureType ?? 'Error'}: ${outcome.failureMessage ?? ''}`;
    case 'terminated':
      return `terminated: ${outcome.reason}`;
    default:
      return outcome.status;
  }
}

export function timelineLines(timeline: readonly TimedStep[]): string[] {
  return timeline.map(({ atMs, step }) => `${formatOffset(atMs).padEnd(9)} ${describeStep(step)}`);
}

/** The run as a timeline, then how it ended. */
export function formatRun(run: InterleavingRun): string[] {
  const end = run.noProgress
    ? `stopped making progress: ${run.noProgress}`
    : run.stuck
      ? `stuck: ${run.stuck}`
      : `ended ${describeOutcome(run.outcome)}${run.runs.length > 1 ? ` (run ${run.runs.length})` : ''}`;
  return [...timelineLines(run.timeline), `${''.padEnd(10)}${end}`];
}
