/**
 * tempest's own workflow, which every `tempest bench worker` runs on a control task queue of its own: the driver
 * reads a worker's meter by executing it (the cluster is the only channel between the hosts of a run). Deterministic
 * workflow code: it only calls the worker's `readMeter` activity once.
 */
import { proxyActivities } from '@temporalio/workflow';

const { readMeter } = proxyActivities<{ readMeter(): Promise<unknown> }>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export async function tempestBenchMeter(): Promise<unknown> {
  return readMeter();
}
