import { defineScenario } from '../chaos/scenario';

// The bank applies each call, but its answers are cut off (reset_peer on the way back): every activity retries a
// call that already happened. Idempotency keys must keep each one applied exactly once.
export default defineScenario({
  name: 'bank-responses-lost',
  description: "The bank's responses are lost (TCP reset on the way back) after it applied the calls; retries must not apply money twice.",
  workload: { transfers: 30, concurrency: 8, mix: { invalidAccount: 0.1 }, spreadOver: '2s' },
  faults: [
    { action: { kind: 'toxic', link: 'worker-bank', toxic: 'reset_peer', stream: 'downstream', attributes: { timeout: 0 } }, at: { between: ['0ms', '1s'] }, for: { between: ['3s', '5s'] } },
  ],
});
