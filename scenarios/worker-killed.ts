import { defineScenario } from 'tempest/chaos';

// Placed at a point, not a time: the worker that ran the second deposit is killed (kill -9) right after the deposit
// returned, while the activity probe holds its completion, so the bank applied it and Temporal never heard. The
// deposit times out and runs again on the other worker (or the restarted one), which must not apply it again:
// idempotency keys that only the dead worker's memory held would.
export default defineScenario({
  name: 'worker-killed',
  description:
    'A worker is killed (kill -9) right after the 2nd deposit returned, before its completion reached Temporal, then restarted: the retry elsewhere must apply nothing twice.',
  workload: { transfers: 6, sagas: 4, concurrency: 4, mix: { sagaFailure: 0.25 } },
  faults: [{ action: { kind: 'kill', process: 'worker' }, at: { activity: 'deposit', on: 'returned', nth: 2 }, for: '1s' }],
  settleWithin: '40s',
});
