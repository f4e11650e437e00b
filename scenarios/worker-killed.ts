import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'worker-killed',
  description: 'A worker is killed (kill -9) mid-step and restarted; its activities time out and retry on the other worker, applied once thanks to idempotency keys.',
  workload: { transfers: 30, sagas: 8, concurrency: 8, mix: { sagaFailure: 0.25 }, spreadOver: '3s' },
  faults: [{ action: { kind: 'kill', process: 'worker' }, at: { between: ['1s', '3s'] }, for: { between: ['1s', '3s'] } }],
});
