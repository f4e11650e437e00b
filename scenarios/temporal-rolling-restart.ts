import { defineScenario } from 'tempest/chaos';

// What every upgrade does: each service restarted gracefully in turn, the database last, while work is in flight.
export default defineScenario({
  name: 'temporal-rolling-restart',
  description:
    'A rolling restart of every Temporal service (frontend, history, matching, internal worker) and then PostgreSQL, one after the other under load: every workflow ends as intended.',
  cluster: 'services',
  workload: {
    transfers: 24,
    sagas: 6,
    orders: 6,
    concurrency: 8,
    mix: { insufficientFunds: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '6s',
  },
  faults: [
    { action: { kind: 'restart', process: 'temporal-frontend' }, at: '1s' },
    { action: { kind: 'restart', process: 'temporal-history' }, at: '3s' },
    { action: { kind: 'restart', process: 'temporal-matching' }, at: '5s' },
    { action: { kind: 'restart', process: 'temporal-worker' }, at: '7s' },
    { action: { kind: 'restart', process: 'postgres' }, at: '9s' },
  ],
  settleWithin: '90s',
});
