/**
 * Workflow code the explorer adds to the explored bundle: its barrier. Each `hold` signal gives the worker one
 * workflow task, whose activation the explorer's worker keeps until the explorer lets go (worker.ts); with every
 * workflow-task slot of the worker taken that way, the worker polls nothing, so the events the explorer sends in the
 * meantime (a signal, an update, a timer that fires, an activity's answer) all land in one workflow task of the
 * explored workflow. Deterministic: it only waits.
 */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const TEMPEST_BARRIER_WORKFLOW = 'tempestBarrier';

export async function tempestBarrier(): Promise<void> {
  setHandler(defineSignal('hold'), () => undefined);
  await condition(() => false);
}
