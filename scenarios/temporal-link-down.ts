import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'temporal-link-down',
  description:
    "The workers' link to the Temporal server goes down (every connection closed) and comes back: workers reconnect, tasks time out and are redelivered.",
  workload: { transfers: 20, sagas: 8, concurrency: 8, mix: { sagaFailure: 0.25 }, spreadOver: '3s' },
  faults: [{ action: { kind: 'link-down', link: 'worker-temporal' }, at: { between: ['1s', '2s'] }, for: { between: ['2s', '4s'] } }],
});
