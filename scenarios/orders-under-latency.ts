import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'orders-under-latency',
  description:
    'Orders approved, rejected, cancelled or left to time out while the store link lags and a worker pauses: every order ends as it was decided (rejected automatically when nobody decided), holding exactly what that state implies.',
  workload: { orders: 12, sagas: 6, concurrency: 6, mix: { cancel: 0.3, autoReject: 0.25, sagaFailure: 0.3 }, spreadOver: '2s' },
  faults: [
    {
      action: { kind: 'toxic', link: 'worker-store', toxic: 'latency', stream: 'upstream', attributes: { latency: 800, jitter: 400 } },
      at: '0ms',
      for: '5s',
    },
    { action: { kind: 'pause', process: 'worker' }, at: { between: ['1s', '2s'] }, for: { between: ['2s', '3s'] } },
  ],
});
