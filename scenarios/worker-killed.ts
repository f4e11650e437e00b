import { defineScenario } from 'tempest/chaos';

// The kill is aimed at the window that matters: the bank's answers are held back 2 s, so when the worker dies some
// of its calls have applied at the bank and their answers are still on the way. Their activities time out and run
// again on the other worker (or the restarted one), which must not apply them again: idempotency keys that only
// the dead worker's memory held would.
export default defineScenario({
  name: 'worker-killed',
  description:
    'A worker is killed (kill -9) while the bank holds its answers back, then restarted: calls it made applied, their answers never reached it, and the retries elsewhere must apply nothing twice.',
  workload: { transfers: 30, sagas: 8, concurrency: 8, mix: { sagaFailure: 0.25 }, spreadOver: '3s' },
  faults: [
    {
      action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', stream: 'downstream', attributes: { latency: 2000 } },
      at: '500ms',
      for: '5s',
    },
    { action: { kind: 'kill', process: 'worker' }, at: { between: ['1500ms', '3500ms'] }, for: { between: ['1s', '3s'] } },
  ],
});
