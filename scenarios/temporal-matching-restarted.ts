import { defineScenario } from 'tempest/chaos';

// Matching holds task queue partitions in memory: killed under load, it loses them and the tasks in flight, which
// history must hand out again once matching is back.
export default defineScenario({
  name: 'temporal-matching-restarted',
  description:
    'The matching service is killed (kill -9) under load and restarted: its task queue partitions are lost and rebuilt, and every task still reaches a worker.',
  cluster: 'services',
  workload: {
    transfers: 30,
    sagas: 8,
    orders: 6,
    concurrency: 16,
    mix: { insufficientFunds: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '3s',
  },
  faults: [{ action: { kind: 'kill', process: 'temporal-matching' }, at: { between: ['1s', '2s'] }, for: { between: ['1s', '3s'] } }],
  settleWithin: '90s',
});
