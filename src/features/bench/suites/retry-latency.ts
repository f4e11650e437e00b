/**
 * Retry latency: a workload's activity (its `retry.activity`) fails k times with a retryable error, then runs; the
 * workflow's own retry policy retries it. The activity is wrapped to fail and to record, on the activity side,
 * when each attempt started and failed, and when the server scheduled it (currentAttemptScheduledTimestampMs).
 * Per retry r: observed delay = start of attempt r+1 - failure of attempt r, against the configured backoff
 * min(initialInterval * backoffCoefficient^(r-1), maximumInterval), read from the retry policy the history
 * recorded; the overhead is the difference. The workflows are staggered so that no attempt of one comes within
 * `gapMs` of an attempt of another (staggeredStarts): each retry is timed on a server and worker with nothing else to
 * do, so the figure is the retry's own cost, not queueing behind the others. One workflow runs alone first, to warm up
 * and to read the retry policy the schedule follows.
 */
import { protoMs } from '../../../base/history/time.ts';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { harnessWorkers, prepareWorkloads } from '../end-to-end.ts';
import { type Benchmark, benchmark } from '../report.ts';
import { median, medianInterval } from '../stats.ts';
import type { BenchSuite } from '../suite.ts';
import type { Workload } from '../workload.ts';

interface Plan {
  /** Failures before the activity runs: k retries per workflow. */
  failures: number;
  /** Workflows measured (after one alone to warm up); each gives one sample per retry. */
  workflows: number;
  /** No attempt of one workflow within this long of an attempt of another. */
  gapMs: number;
}

const FULL: Plan = { failures: 3, workflows: 20, gapMs: 250 };
const QUICK: Plan = { failures: 2, workflows: 3, gapMs: 250 };

/**
 * When to start each of `count` workflows (ms from the first) whose busy moments come at `offsetsMs` after their start
 * (here each attempt of the retried activity), so that no busy moment of one is within `gapMs` of another's: the
 * earliest start after the previous one, in steps of 10 ms, that keeps the gap. Pure, so the schedule is tested.
 */
export function staggeredStarts(offsetsMs: readonly number[], count: number, gapMs: number): number[] {
  const step = 10;
  const starts: number[] = [];
  const busy: number[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    while (offsetsMs.some((offset) => busy.some((moment) => Math.abs(start + offset - moment) < gapMs))) start += step;
    starts.push(start);
    busy.push(...offsetsMs.map((offset) => start + offset));
    start += step;
  }
  return starts;
}

interface Attempt {
  attempt: number;
  /** Epoch milliseconds (sub-millisecond resolution), the worker's clock: the same machine as the server. */
  scheduledAtMs: number;
  startedAtMs: number;
  endedAtMs: number;
  failed: boolean;
}

interface RetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** The configured delay before retry `retry` (1-based: the delay after the retry-th failure), in ms. */
export function configuredBackoffMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.initialIntervalMs * policy.backoffCoefficient ** (retry - 1), policy.maximumIntervalMs);
}

/** The retry policy the server recorded for the first scheduling of `activity` in a history. */
export function recordedRetryPolicy(history: temporal.api.history.v1.IHistory, activity: string): RetryPolicy | undefined {
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== activity || !scheduled.retryPolicy) continue;
    const policy = scheduled.retryPolicy;
    return {
      initialIntervalMs: protoMs(policy.initialInterval),
      backoffCoefficient: policy.backoffCoefficient ?? 2,
      maximumIntervalMs: protoMs(policy.maximumInterval),
    };
  }
  return undefined;
}

const nowMs = (): number => performance.timeOrigin + performance.now();

export const retryLatencySuite: BenchSuite = {
  name: 'retry-latency',
  description:
    "a workload's activity fails k times (retryably): observed delay between attempts vs the backoff its retry policy configures",
  async run(context, { quick, progress }) {
    const plan = quick ? QUICK : FULL;
    const benchmarks: Benchmark[] = [];
    for (const workload of context.workloadsFor('retry-latency')) benchmarks.push(...(await measure(context, workload, plan, progress)));
    return { benchmarks };
  },
};

async function measure(
  context: Parameters<BenchSuite['run']>[0],
  workload: Workload,
  plan: Plan,
  progress: (line: string) => void,
): Promise<Benchmark[]> {
  const activity = workload.retry!.activity;
  const attempts = new Map<string, Attempt[]>();
  const timed = failingFirst(activity, plan.failures, attempts);
  const harness = await harnessWorkers(context, `retry-latency-${workload.name}`, (system) => {
    const run = system[activity];
    if (typeof run !== 'function')
      throw new Error(
        `workload ${workload.name}: retry.activity ${activity} is not one of the system's activities (${Object.keys(system).join(', ')})`,
      );
    return { ...system, [activity]: timed(run) };
  });
  try {
    const call = (await prepareWorkloads(context, [workload], 'retry')).get(workload.name)!;
    const first = call('retry-warmup', 0);
    progress(
      `retry-latency: one ${workload.name} workflow alone, whose ${activity} fails ${plan.failures} times (warm-up, and its retry policy)`,
    );
    await harness.run(workload, first);
    const history = await harness.client.workflow.getHandle(first.workflowId).fetchHistory();
    const policy = recordedRetryPolicy(history, activity);
    if (!policy) throw new Error(`retry-latency: ${workload.name}'s history records no retry policy for ${activity}`);
    const schedule = Array.from({ length: plan.failures }, (_, r) => configuredBackoffMs(policy, r + 1));
    const attemptOffsets = schedule.reduce<number[]>((offsets, backoff) => [...offsets, offsets.at(-1)! + backoff], [0]);
    const starts = staggeredStarts(attemptOffsets, plan.workflows, plan.gapMs);
    const calls = Array.from({ length: plan.workflows }, (_, i) => call('retry', i));
    progress(
      `retry-latency: ${plan.workflows} ${workload.name} workflows staggered over ${((starts.at(-1)! + attemptOffsets.at(-1)!) / 1000).toFixed(0)} s, no two ${activity} attempts within ${plan.gapMs} ms`,
    );
    const begun = performance.now();
    await Promise.all(
      calls.map(async (c, i) => {
        await sleep(Math.max(0, starts[i]! - (performance.now() - begun)), undefined, { signal: context.signal });
        await harness.run(workload, c);
      }),
    );

    const gaps = retryGaps(
      calls.map((c) => c.workflowId),
      attempts,
      { activity, failures: plan.failures, schedule },
    );
    return schedule.map((backoff, r): Benchmark => {
      const gap = gaps[r]!;
      const interval = medianInterval(gap.overhead);
      progress(
        `retry-latency: ${workload.name}.${activity} retry ${r + 1}: configured ${backoff} ms, observed median ${median(gap.observed).toFixed(1)} ms, ` +
          `overhead median ${median(gap.overhead).toFixed(1)} ms (${Math.round(interval.level * 100)}% interval ${interval.low.toFixed(1)} to ${interval.high.toFixed(1)} ms, n=${gap.overhead.length})`,
      );
      return benchmark({
        suite: 'retry-latency',
        name: `${workload.name}.${activity}/retry-${r + 1}/overhead`,
        unit: 'ms',
        direction: 'lower-is-better',
        samples: gap.overhead,
        params: {
          workflow: workload.workflowType,
          activity,
          retry: r + 1,
          configuredBackoffMs: backoff,
          failuresBeforeSuccess: plan.failures,
          workflows: plan.workflows,
          // Staggered: the retries of different workflows never overlap, so none queues behind another.
          minGapBetweenWorkflowsMs: plan.gapMs,
          retryPolicy: `initialInterval ${policy.initialIntervalMs} ms, backoffCoefficient ${policy.backoffCoefficient}, maximumInterval ${policy.maximumIntervalMs} ms`,
        },
        // observed = failure reported to the next attempt starting; server = failure to the time the server
        // scheduled the next attempt; dispatch = scheduled to started on the worker.
        raw: { observedDelayMs: gap.observed, serverScheduledAfterMs: gap.server, dispatchMs: gap.dispatch },
      });
    });
  } finally {
    await harness.stop();
  }
}

/** An activity wrapper that fails the first `failures` attempts (retryably) and records each attempt's timing in `attempts`. */
function failingFirst(
  activity: string,
  failures: number,
  attempts: Map<string, Attempt[]>,
): (run: (...args: never[]) => unknown) => (...args: never[]) => Promise<unknown> {
  return (run: (...args: never[]) => unknown) =>
    async (...args: never[]): Promise<unknown> => {
      const info = activityInfo();
      const startedAtMs = nowMs();
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const record = (failed: boolean): void => {
        const list = attempts.get(workflowId) ?? [];
        list.push({
          attempt: info.attempt,
          scheduledAtMs: info.currentAttemptScheduledTimestampMs,
          startedAtMs,
          endedAtMs: nowMs(),
          failed,
        });
        attempts.set(workflowId, list);
      };
      if (info.attempt <= failures) {
        record(true);
        throw ApplicationFailure.retryable(`tempest bench: attempt ${info.attempt} of ${activity} fails on purpose`, 'TempestBenchFailure');
      }
      const result = await run(...args);
      record(false);
      return result;
    };
}

/** Each retry's gaps, over the workflows: observed, its overhead over the backoff, the server's and the dispatch's share. */
function retryGaps(
  workflowIds: readonly string[],
  attempts: Map<string, Attempt[]>,
  { activity, failures, schedule }: { activity: string; failures: number; schedule: readonly number[] },
): { observed: number[]; overhead: number[]; server: number[]; dispatch: number[] }[] {
  const gaps = schedule.map(() => ({
    observed: [] as number[],
    overhead: [] as number[],
    server: [] as number[],
    dispatch: [] as number[],
  }));
  for (const workflowId of workflowIds) {
    const list = (attempts.get(workflowId) ?? []).sort((a, b) => a.attempt - b.attempt);
    if (list.length !== failures + 1 || list.slice(0, -1).some((a) => !a.failed) || list.at(-1)!.failed) {
      throw new Error(
        `retry-latency: ${workflowId} made ${list.length} ${activity} attempts (${list.map((a) => (a.failed ? 'failed' : 'ok')).join(', ')}); expected ${failures} failures then a success`,
      );
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
  return gaps;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
