/**
 * Retry latency: moneyTransfer's deposit fails k times at the bank (the bank's `fail` fault switch, a 503 each
 * time), then succeeds; the workflow's own retry policy (TRANSFER_RETRY_POLICY) retries it. The deposit activity
 * is wrapped to record, on the activity side, when each attempt started and failed, and when the server scheduled
 * it (activityInfo().currentAttemptScheduledTimestampMs). Per retry r: observed delay = start of attempt r+1 -
 * failure of attempt r, against the configured backoff min(initialInterval * backoffCoefficient^(r-1),
 * maximumInterval); the overhead is the difference. Several transfers run at once (they mostly wait on timers).
 */
import { performance } from 'node:perf_hooks';
import { activityInfo } from '@temporalio/activity';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../../activities/index.ts';
import { TRANSFER_RETRY_POLICY } from '../../../workflows/money-transfer.ts';
import type { TransferDetails } from '../../../workflows/types.ts';
import { harnessWorkers } from '../end-to-end.ts';
import { type Benchmark, benchmark } from '../report.ts';
import { median } from '../stats.ts';
import type { BenchSuite } from '../suite.ts';
import { moneyTransferWorkload } from '../workload.ts';

interface Plan {
  /** Failures before the deposit succeeds: k retries per transfer. */
  failures: number;
  /** Transfers run at once; each gives one sample per retry. */
  transfers: number;
}

const FULL: Plan = { failures: 3, transfers: 10 };
const QUICK: Plan = { failures: 2, transfers: 3 };

interface Attempt {
  attempt: number;
  /** Epoch milliseconds (sub-millisecond resolution), the worker's clock: the same machine as the server. */
  scheduledAtMs: number;
  startedAtMs: number;
  endedAtMs: number;
  failed: boolean;
}

/** The configured delay before retry `retry` (1-based: the delay after the retry-th failure), in ms. */
export function configuredBackoffMs(
  policy: { initialInterval: string | number; backoffCoefficient: number; maximumInterval: string | number },
  retry: number,
): number {
  const initial = msToNumber(policy.initialInterval);
  return Math.min(initial * policy.backoffCoefficient ** (retry - 1), msToNumber(policy.maximumInterval));
}

const nowMs = (): number => performance.timeOrigin + performance.now();

export const retryLatencySuite: BenchSuite = {
  name: 'retry-latency',
  description: "moneyTransfer's deposit fails k times (bank fault switch): observed delay between attempts vs the configured backoff",
  async run(context, { quick, progress }) {
    const plan = quick ? QUICK : FULL;
    const attempts = new Map<string, Attempt[]>();
    /** The packaged deposit, recording each attempt's timing on the activity side. */
    const timed = (deposit: Activities['deposit']) => async (transfer: TransferDetails): Promise<string> => {
      const info = activityInfo();
      const startedAtMs = nowMs();
      const record = (failed: boolean): void => {
        const list = attempts.get(transfer.referenceId) ?? [];
        list.push({ attempt: info.attempt, scheduledAtMs: info.currentAttemptScheduledTimestampMs, startedAtMs, endedAtMs: nowMs(), failed });
        attempts.set(transfer.referenceId, list);
      };
      try {
        const id = await deposit(transfer);
        record(false);
        return id;
      } catch (error) {
        record(true);
        throw error;
      }
    };
    const [harness, services] = await Promise.all([
      harnessWorkers(context, 'retry-latency', (packaged) => ({ ...packaged, deposit: timed(packaged.deposit) })),
      context.services(),
    ]);
    try {
      const call = await moneyTransferWorkload.prepare(services.clients, `bench-${context.runId}-retry`);
      const calls = Array.from({ length: plan.transfers }, (_, i) => call('retry', i));
      for (const { args } of calls) {
        await services.clients.bank.addFault({ operation: 'deposit', effect: 'fail', count: plan.failures, match: { referenceId: args[0].referenceId } });
      }
      const schedule = Array.from({ length: plan.failures }, (_, r) => configuredBackoffMs(TRANSFER_RETRY_POLICY, r + 1));
      progress(`retry-latency: ${plan.transfers} transfers whose deposit fails ${plan.failures} times (backoff ${schedule.join(' + ')} ms)`);
      await Promise.all(calls.map((call) => harness.run(call)));

      const gaps = schedule.map(() => ({ observed: [] as number[], overhead: [] as number[], server: [] as number[], dispatch: [] as number[] }));
      for (const { args } of calls) {
        const referenceId = args[0].referenceId;
        const list = (attempts.get(referenceId) ?? []).sort((a, b) => a.attempt - b.attempt);
        if (list.length !== plan.failures + 1 || list.slice(0, -1).some((a) => !a.failed) || list.at(-1)!.failed) {
          throw new Error(`retry-latency: transfer ${referenceId} made ${list.length} deposit attempts (${list.map((a) => (a.failed ? 'failed' : 'ok')).join(', ')}); expected ${plan.failures} failures then a success`);
        }
        schedule.forEach((backoff, r) => {
          const failedAttempt = list[r]!;
          const retry = list[r + 1]!;
          const observed = retry.startedAtMs - failedAttempt.endedAtMs;
          gaps[r]!.observed.push(round(observed));
          gaps[r]!.overhead.push(round(observed - backoff));
          gaps[r]!.server.push(round(retry.scheduledAtMs - failedAttempt.endedAtMs));
          gaps[r]!.dispatch.push(round(retry.startedAtMs - retry.scheduledAtMs));
        });
      }
      return schedule.map((backoff, r): Benchmark => {
        const gap = gaps[r]!;
        progress(`retry-latency: retry ${r + 1}: configured ${backoff} ms, observed median ${median(gap.observed).toFixed(1)} ms, overhead median ${median(gap.overhead).toFixed(1)} ms`);
        return benchmark({
          suite: 'retry-latency',
          name: `moneyTransfer.deposit/retry-${r + 1}/overhead`,
          unit: 'ms',
          direction: 'lower-is-better',
          samples: gap.overhead,
          params: {
            workflow: 'moneyTransfer',
            activity: 'deposit',
            retry: r + 1,
            configuredBackoffMs: backoff,
            failuresBeforeSuccess: plan.failures,
            transfers: plan.transfers,
            retryPolicy: `initialInterval ${TRANSFER_RETRY_POLICY.initialInterval}, backoffCoefficient ${TRANSFER_RETRY_POLICY.backoffCoefficient}, maximumInterval ${TRANSFER_RETRY_POLICY.maximumInterval}`,
          },
          // observed = failure reported to the next attempt starting; server = failure to the time the server
          // scheduled the next attempt; dispatch = scheduled to started on the worker.
          raw: { observedDelayMs: gap.observed, serverScheduledAfterMs: gap.server, dispatchMs: gap.dispatch },
        });
      });
    } finally {
      await harness.stop();
    }
  },
};

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
