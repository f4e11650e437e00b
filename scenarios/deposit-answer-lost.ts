import { defineScenario } from 'tempest/chaos';

// Placed at a point, not a time: the gate in front of the workers' link to the bank holds the bank's answer to the
// second deposit (the bank has applied it) and resets the worker's connection instead of passing it on. The deposit
// is retried; its idempotency key must keep it applied once. Whatever the machine's speed, the fault lands there.
export default defineScenario({
  name: 'deposit-answer-lost',
  description: "The bank's answer to the 2nd deposit is lost after the bank applied it; the retried deposit must not apply twice.",
  workload: { transfers: 6, concurrency: 3 },
  faults: [{ action: { kind: 'drop' }, at: { request: 'worker-bank', kind: 'POST /deposit', on: 'answered', nth: 2 } }],
  settleWithin: '30s',
});
