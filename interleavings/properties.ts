/** What the packaged interleavings' properties ask of a run. */
import type { InterleavingCall, InterleavingRun } from 'tempest/interleave';

export function activityCalls(run: InterleavingRun, activity: string): InterleavingCall[] {
  return run.calls.filter((c) => c.activity === activity);
}

/** A call answered with success applied; one never answered may have (its answer may only have been lost). */
export const mayHaveApplied = (call: InterleavingCall): boolean => call.answer?.kind !== 'failed';

/** The order's final state, when it completed with one. */
export function resultState(run: InterleavingRun): string | undefined {
  return run.outcome.status === 'completed' ? (run.outcome.result as { state?: string } | undefined)?.state : undefined;
}
