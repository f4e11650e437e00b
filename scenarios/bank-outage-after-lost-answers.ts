import { defineScenario } from 'tempest/chaos';

// The bank's answers slow past the activities' 5 s timeout, so withdrawals it applied look failed to the workers;
// then the bank is unreachable for 30 s, longer than the withdraw's retry budget (its six attempts take about 25 s
// of backoff). A transfer whose withdraw gave up must still end with its money back at the source: the Temporal
// tutorial's workflow reports "no money was moved" here while the money has left the source and arrives nowhere.
export default defineScenario({
  name: 'bank-outage-after-lost-answers',
  description:
    "The bank's answers come back after the 5 s timeout, then the bank is away for 30 s, past the withdraw's retry budget: a withdraw that gave up must not keep the money.",
  workload: { transfers: 12, concurrency: 6, spreadOver: '2s' },
  faults: [
    // Held answers are released when a latency toxic goes: it stays until the link is down, so they are lost.
    {
      action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', stream: 'downstream', attributes: { latency: 6000 } },
      at: '0ms',
      for: '6s',
    },
    { action: { kind: 'link-down', link: 'worker-bank' }, at: '4s', for: '30s' },
  ],
  settleWithin: '90s',
});
