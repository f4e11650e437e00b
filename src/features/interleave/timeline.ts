/**
 * Orderings as people read them: what happened in which order, at which virtual time since the workflow started.
 *
 *   +0s       workflow called reserveInventory
 *   +0s       reserveInventory completed
 *   +24h      time moved: timer 1 fires
 */
import type { Outcome } from './history-state.ts';
import type { CallMade, InterleavingRun, Step, TimedStep } from './run-record.ts';

/** `+0s`, `+1.5s`, `+23h 59m`, `+24h`: virtual time since the start, to the second. */
export function formatOffset(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const [d, h, m, s] = [Math.floor(seconds / 86_400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60];
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean);
  return `+${parts.length === 0 ? '0s' : parts.join(' ')}`;
}

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

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.status) {
    case 'completed':
      return `completed: ${JSON.stringify(outcome.result)}`;
    case 'failed':
      return `failed: ${outcome.type}: ${outcome.message}`;
    case 'terminated':
      return `terminated: ${outcome.reason}`;
    default:
      return outcome.status;
  }
}

export function timelineLines(timeline: readonly TimedStep[]): string[] {
  return timeline.map(({ atMs, step }) => `${formatOffset(atMs).padEnd(10)}${describeStep(step)}`);
}

/** The run as a timeline, then how it ended. */
export function formatRun(run: InterleavingRun): string[] {
  return [...timelineLines(run.timeline), `${''.padEnd(10)}${run.stuck ? `stuck: ${run.stuck}` : `ended ${describeOutcome(run.outcome)}`}`];
}
