import { defineScenario } from 'tempest/chaos';

// The failure a timeout hides: the write committed, but history is told it timed out (the server's own fault
// injection, ExecuteAndTimeout). History must treat the outcome as unknown, not as failed.
export default defineScenario({
  name: 'database-writes-time-out',
  description:
    "History's workflow writes commit but answer with a timeout (the server's persistence fault injection, ExecuteAndTimeout) for a window: no step is lost or applied twice, and every workflow ends as intended.",
  cluster: 'services',
  workload: {
    transfers: 20,
    sagas: 6,
    orders: 4,
    concurrency: 8,
    mix: { invalidAccount: 0.1, sagaFailure: 0.2, cancel: 0.25 },
    spreadOver: '4s',
  },
  faults: [
    {
      action: {
        kind: 'persistence',
        services: ['history'],
        errors: {
          ExecutionStore: {
            UpdateWorkflowExecution: { ExecuteAndTimeout: 0.1 },
            CreateWorkflowExecution: { ExecuteAndTimeout: 0.1 },
            AppendHistoryNodes: { ExecuteAndTimeout: 0.05 },
          },
        },
      },
      at: '500ms',
      for: { between: ['5s', '7s'] },
    },
  ],
  settleWithin: '120s',
});
