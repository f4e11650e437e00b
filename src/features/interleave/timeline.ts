/**
 * Orderings as people read them: what happened in which order, at which virtual time since the workflow started.
 *
 *   +0s       workflow called reserveInventory
 *   +0s       reserveInventory completed
 *   +24h      time moved: timer 1 fires
 */
import { formatOffset } from '../../base/duration.ts';
import type { WorkflowOutcome } from '../../base/history/progress.ts';
import type { CallMade, InterleavingRun, Step, TimedStep } from './run-record.ts';

const callName = (activity: string, call: number): string => (call > 1 ? `${activity} (call ${call})` : activity);

export function describeStep(step: Step | CallMade): string {
  switch (step.kind) {
    case 'called':
      return `workflow called ${callName(step.activity, step.call)}`;
    case 'complete':
      return `${callName(step.activity, step.call)} completed`;
    case 'fail':
      return `${callName(step.activity, step.call)} failed: ${step.failure}`;
    case 'send':
      return step.label === 'cancel request' ? 'cancellation requested' : `signal ${step.label} sent`;
    case 'advance':
      return `time moved: ${step.reason}`;
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
  // To the second: the time-skipping server's clock still runs in real time between steps, by milliseconds.
  return timeline.map(({ atMs, step }) => `${formatOffset(atMs, 1000).padEnd(10)}${describeStep(step)}`);
}

/** The run as a timeline, then how it ended. */
export function formatRun(run: InterleavingRun): string[] {
  return [...timelineLines(run.timeline), `${''.padEnd(10)}${run.stuck ? `stuck: ${run.stuck}` : `ended ${describeOutcome(run.outcome)}`}`];
}
