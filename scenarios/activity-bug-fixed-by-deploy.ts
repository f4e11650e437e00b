import { defineScenario } from 'tempest/chaos';

// The Temporal tutorial's second failure: a bug is deployed in an activity; the workflows keep retrying it instead
// of failing; a fixed worker is deployed and every workflow completes.
export default defineScenario({
  name: 'activity-bug-fixed-by-deploy',
  description:
    'Workers start with a broken deposit activity; transfers retry it until fixed workers are deployed, then all complete with money conserved.',
  workload: { transfers: 10, concurrency: 10 },
  code: { activities: 'scenarios/variants/deposit-bug-activities.ts' },
  faults: [{ action: { kind: 'deploy', activities: 'activities/worker.ts' }, at: { between: ['4s', '6s'] } }],
  settleWithin: '60s',
});
