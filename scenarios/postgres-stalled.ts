import { defineScenario } from 'tempest/chaos';

// The database stops answering (SIGSTOP of the server and every backend) while every Temporal service holds open
// connections and transactions: calls time out, then the database comes back with everything it committed.
export default defineScenario({
  name: 'postgres-stalled',
  description:
    'PostgreSQL is stalled (SIGSTOP of every backend) for seconds mid-workload, then resumed: no committed step is lost or applied twice.',
  cluster: 'services',
  workload: {
    transfers: 20,
    sagas: 6,
    orders: 4,
    concurrency: 8,
    mix: { invalidAccount: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '3s',
  },
  faults: [{ action: { kind: 'pause', process: 'postgres' }, at: { between: ['1s', '2s'] }, for: { between: ['3s', '6s'] } }],
  settleWithin: '90s',
});
