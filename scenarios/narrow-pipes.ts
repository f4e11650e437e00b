import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'narrow-pipes',
  description:
    "Bandwidth to the server is throttled, the store's connections close slowly and the bank's are cut after a few bytes (limit_data): slow, broken transports, yet every invariant holds.",
  workload: { transfers: 16, sagas: 8, concurrency: 6, mix: { sagaFailure: 0.25 }, spreadOver: '2s' },
  faults: [
    {
      action: { kind: 'toxic', link: 'worker-temporal', toxic: 'bandwidth', stream: 'downstream', attributes: { rate: 32 } },
      at: '0ms',
      for: '4s',
    },
    {
      action: { kind: 'toxic', link: 'worker-store', toxic: 'slow_close', stream: 'downstream', attributes: { delay: 1500 } },
      at: '500ms',
      for: '4s',
    },
    {
      action: { kind: 'toxic', link: 'worker-bank', toxic: 'limit_data', stream: 'downstream', attributes: { bytes: 64 } },
      at: { between: ['1s', '2s'] },
      for: '2s',
    },
  ],
});
