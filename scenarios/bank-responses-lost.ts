import { defineScenario, type FaultSpec } from 'tempest/chaos';

// The bank applies each call, but its answers are cut off (TCP reset on the way back) in short pulses spread over
// the run: calls between pulses succeed, so every step of a transfer (withdraw, deposit, refund) meets lost
// answers at some point, and every retry repeats a call that already happened. Idempotency keys must keep each
// one applied exactly once.
const pulse = (fromMs: number): FaultSpec => ({
  action: { kind: 'toxic', link: 'worker-bank', toxic: 'reset_peer', stream: 'downstream', attributes: { timeout: 0 } },
  at: { between: [fromMs, fromMs + 600] },
  for: { between: ['300ms', '700ms'] },
});

export default defineScenario({
  name: 'bank-responses-lost',
  description:
    "The bank's answers are lost in short pulses (TCP reset on the way back) after it applied the calls; retries must never apply money twice.",
  workload: { transfers: 40, concurrency: 10, mix: { invalidAccount: 0.1 }, spreadOver: '6s' },
  faults: [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000].map(pulse),
});
