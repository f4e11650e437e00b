import { defineScenario } from 'tempest/chaos';

// The bank applies the first withdraw but its answer is lost (the gate resets the worker's connection); from the
// moment that withdraw is tried again, the bank is unreachable until the withdraw's sixth and last attempt failed
// (its retry budget, about 25 s of backoff). A transfer whose withdraw gave up must still end with its money back at
// the source: the Temporal tutorial's workflow reports "no money was moved" here while the money has left the source
// and arrives nowhere. Every fault is placed at a point: the outage ends with the budget, whatever the machine's speed.
export default defineScenario({
  name: 'bank-outage-after-lost-answers',
  description:
    "The bank's answer to the 1st withdraw is lost, then the bank is away from its retry until its last attempt failed: a withdraw that gave up must not keep the money.",
  workload: { transfers: 6, concurrency: 3 },
  faults: [
    { action: { kind: 'drop' }, at: { request: 'worker-bank', kind: 'POST /withdraw', on: 'answered', nth: 1 } },
    {
      action: { kind: 'link-down', link: 'worker-bank' },
      at: { activity: 'withdraw', on: 'started', attempt: 2 },
      for: { until: { activity: 'withdraw', on: 'failed', attempt: 6, op: '$point' } },
    },
  ],
  settleWithin: '60s',
});
