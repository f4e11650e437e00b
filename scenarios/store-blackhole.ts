import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'store-blackhole',
  description:
    'Requests to the store vanish (timeout toxic: data dropped, connection held) so activities hang until their timeout, then retry; sagas still complete or compensate.',
  workload: { sagas: 12, orders: 6, concurrency: 8, mix: { sagaFailure: 0.3, cancel: 0.3 }, spreadOver: '2s' },
  faults: [
    {
      action: { kind: 'toxic', link: 'worker-store', toxic: 'timeout', stream: 'upstream', attributes: { timeout: 0 } },
      at: { between: ['500ms', '1.5s'] },
      for: { between: ['3s', '6s'] },
    },
  ],
});
