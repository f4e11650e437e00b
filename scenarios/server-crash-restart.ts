import { defineScenario } from 'tempest/chaos';

// The Temporal tutorial's first failure: the server crashes mid-workflow and comes back; workflows continue from
// where they were, because their state is in the server's database, not in the workers.
export default defineScenario({
  name: 'server-crash-restart',
  description:
    'The Temporal server is killed (kill -9) mid-workflow and restarted on the same database; every workflow continues where it was.',
  workload: {
    transfers: 20,
    sagas: 6,
    orders: 4,
    concurrency: 8,
    mix: { invalidAccount: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '3s',
  },
  faults: [{ action: { kind: 'kill', process: 'temporal' }, at: { between: ['1s', '2.5s'] }, for: { between: ['2s', '4s'] } }],
  settleWithin: '60s',
});
