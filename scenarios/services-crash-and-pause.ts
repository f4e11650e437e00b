import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'services-crash-and-pause',
  description:
    'The bank is killed (kill -9) and restarted on its database while the store is paused (SIGSTOP) then resumed: no committed operation is lost, none applied twice.',
  workload: { transfers: 20, sagas: 8, concurrency: 8, mix: { sagaFailure: 0.25 }, spreadOver: '3s' },
  faults: [
    { action: { kind: 'kill', process: 'bank' }, at: { between: ['1s', '2s'] }, for: { between: ['1s', '3s'] } },
    { action: { kind: 'pause', process: 'store' }, at: { between: ['1s', '3s'] }, for: { between: ['2s', '4s'] } },
  ],
});
