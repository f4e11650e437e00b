import { defineScenario } from 'tempest/chaos';

// A history host of a production cluster dies mid-transaction: its shards move to the next history process that
// comes up (here the same one, restarted), which must resume every transfer from the database.
export default defineScenario({
  name: 'temporal-history-killed',
  description:
    'The history service is killed (kill -9) mid-transfer and restarted: its shards are acquired again from PostgreSQL and every workflow continues where it was.',
  cluster: 'services',
  workload: {
    transfers: 20,
    sagas: 6,
    orders: 4,
    concurrency: 8,
    mix: { invalidAccount: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '3s',
  },
  faults: [{ action: { kind: 'kill', process: 'temporal-history' }, at: { between: ['1s', '2.5s'] }, for: { between: ['2s', '4s'] } }],
  settleWithin: '90s',
});
