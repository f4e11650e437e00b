import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'steady-state',
  description: 'No faults: the baseline every other scenario is measured against; all invariants hold on a healthy cluster.',
  workload: { transfers: 30, sagas: 10, orders: 6, concurrency: 8, mix: { invalidAccount: 0.1, insufficientFunds: 0.1, sagaFailure: 0.3, cancel: 0.3 }, spreadOver: '2s' },
  faults: [],
  settleWithin: '30s',
});
