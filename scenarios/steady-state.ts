import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'steady-state',
  description:
    'No faults: the baseline every other scenario is measured against; every way each workflow ends is reached, and all invariants hold on a healthy cluster.',
  workload: {
    transfers: 30,
    sagas: 10,
    orders: 8,
    concurrency: 8,
    mix: {
      invalidAccount: 0.1,
      insufficientFunds: 0.1,
      invalidTransfer: 0.05,
      sagaFailure: 0.2,
      outOfStock: 0.1,
      paymentDeclined: 0.1,
      cancel: 0.25,
      autoReject: 0.2,
      orderFailure: 0.1,
    },
    spreadOver: '2s',
  },
  faults: [],
  settleWithin: '30s',
});
