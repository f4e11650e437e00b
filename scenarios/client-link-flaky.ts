import { defineScenario } from 'tempest/chaos';

// The client (the caller starting workflows) loses its link: some starts and results go unknown (info in the
// history). The invariants are about what the server and services did, which must still be right.
export default defineScenario({
  name: 'client-link-flaky',
  description:
    "The client's link to Temporal is sliced into tiny delayed packets, then cut for a moment: some client calls end unknown, yet every workflow that started ends validly.",
  workload: { transfers: 20, orders: 6, concurrency: 6, mix: { cancel: 0.3 }, spreadOver: '3s' },
  faults: [
    {
      action: {
        kind: 'toxic',
        link: 'client-temporal',
        toxic: 'slicer',
        stream: 'downstream',
        attributes: { average_size: 16, size_variation: 8, delay: 2000 },
      },
      at: '0ms',
      for: '3s',
    },
    { action: { kind: 'link-down', link: 'client-temporal' }, at: { between: ['3.5s', '4.5s'] }, for: '1s' },
  ],
  settleWithin: '60s',
});
