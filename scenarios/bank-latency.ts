import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'bank-latency',
  description:
    'The link to the bank slows to 2 s ± 1 s each way for a while: activities approach their 5 s timeout, some time out and retry.',
  workload: { transfers: 25, concurrency: 8, mix: { insufficientFunds: 0.1 }, spreadOver: '3s' },
  faults: [
    {
      action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', stream: 'downstream', attributes: { latency: 2000, jitter: 1000 } },
      at: '500ms',
      for: { between: ['4s', '6s'] },
    },
    {
      action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', stream: 'upstream', attributes: { latency: 1000, jitter: 500 } },
      at: '500ms',
      for: '4s',
    },
  ],
});
