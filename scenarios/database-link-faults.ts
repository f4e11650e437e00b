import { defineScenario } from 'tempest/chaos';

// The network between Temporal and its database: history's link slows to a crawl, then matching's drops entirely.
export default defineScenario({
  name: 'database-link-faults',
  description:
    "History's link to PostgreSQL gets 300 ms of latency each way, then matching's link goes down for seconds: calls retry or fail cleanly, and nothing is lost or applied twice.",
  cluster: 'services',
  workload: {
    transfers: 20,
    sagas: 6,
    orders: 4,
    concurrency: 8,
    mix: { invalidAccount: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '3s',
  },
  faults: [
    {
      action: {
        kind: 'toxic',
        link: 'temporal-history-postgres',
        toxic: 'latency',
        stream: 'downstream',
        attributes: { latency: 300, jitter: 50 },
      },
      at: '500ms',
      for: { between: ['3s', '5s'] },
    },
    { action: { kind: 'link-down', link: 'temporal-matching-postgres' }, at: { between: ['2s', '3s'] }, for: { between: ['2s', '4s'] } },
  ],
  settleWithin: '90s',
});
