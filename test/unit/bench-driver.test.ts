import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runClosedLoop, warmUpUntilSteady } from '../../src/features/bench/driver';
import { loopBenchmarks } from '../../src/features/bench/end-to-end';
import { configuredBackoffMs, recordedRetryPolicy, staggeredStarts } from '../../src/features/bench/suites/retry-latency';
import { HarnessError } from '../../src/base/errors.ts';

/** A stand-in workflow call that records how many calls were in flight at once. */
function tracked(durationMs: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  const started: number[] = [];
  const execute = async (index: number): Promise<void> => {
    started.push(index);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(durationMs);
    inFlight--;
  };
  return { execute, started, maxInFlight: () => maxInFlight };
}

describe('runClosedLoop', () => {
  it('starts exactly maxCount calls, each index once, never more than `concurrency` at a time', async () => {
    const calls = tracked(2);
    const result = await runClosedLoop({ concurrency: 3, maxCount: 10, maxDurationMs: 60_000 }, calls.execute);
    expect(result.completed).toBe(10);
    expect(result.latenciesMs).toHaveLength(10);
    expect([...calls.started].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls.maxInFlight()).toBe(3);
    expect(result.throughputPerSec).toBeCloseTo(10 / (result.elapsedMs / 1000), 10);
  });

  it('starts nothing new once the time bound has passed; the calls in flight finish', async () => {
    const calls = tracked(30);
    const result = await runClosedLoop({ concurrency: 2, maxCount: 1_000_000, maxDurationMs: 100 }, calls.execute);
    expect(result.completed).toBe(calls.started.length);
    expect(result.completed).toBeGreaterThanOrEqual(2);
    expect(result.completed).toBeLessThan(1_000_000);
  });

  it('starts no more calls once aborted, lets those in flight finish, and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const calls = tracked(5);
    const loop = runClosedLoop({ concurrency: 2, maxCount: 1_000, maxDurationMs: 60_000, signal: controller.signal }, calls.execute);
    await sleep(20);
    controller.abort(new Error('interrupted by SIGINT'));
    await expect(loop).rejects.toThrow('interrupted by SIGINT');
    const startedWhenAborted = calls.started.length;
    await sleep(20);
    expect(calls.started.length).toBe(startedWhenAborted);
    expect(startedWhenAborted).toBeLessThan(1_000);
  });

  it('fails with the first failing call after the others settle, and starts no more', async () => {
    const started: number[] = [];
    const loop = runClosedLoop({ concurrency: 2, maxCount: 100, maxDurationMs: 60_000 }, async (index) => {
      started.push(index);
      await sleep(1);
      if (index === 3) throw new Error('WorkflowFailedError: deposit refused');
    });
    await expect(loop).rejects.toThrow(HarnessError);
    await expect(loop).rejects.toThrow('workflow #3 of the loop failed: WorkflowFailedError: deposit refused');
    expect(started.length).toBeLessThanOrEqual(5);
  });

  it('refuses a concurrency or count that is not a positive integer', async () => {
    await expect(runClosedLoop({ concurrency: 0, maxCount: 1, maxDurationMs: 1 }, async () => undefined)).rejects.toThrow(
      'concurrency must be a positive integer, got 0',
    );
    await expect(runClosedLoop({ concurrency: 1, maxCount: 1.5, maxDurationMs: 1 }, async () => undefined)).rejects.toThrow(
      'maxCount must be a positive integer, got 1.5',
    );
  });
});

describe('warmUpUntilSteady', () => {
  it('runs windows until their rates agree, with every call index used once', async () => {
    const calls = tracked(3);
    const result = await warmUpUntilSteady({ concurrency: 2, windowMs: 60, windows: 3, tolerance: 0.5, maxMs: 10_000 }, calls.execute);
    expect(result.steady).toBe(true);
    expect(result.rates.length).toBeGreaterThanOrEqual(3);
    expect([...calls.started].sort((a, b) => a - b)).toEqual(calls.started.map((_, i) => i));
  });

  it('stops at its bound and says it never got steady when every window is slower than the last', async () => {
    const result = await warmUpUntilSteady({ concurrency: 1, windowMs: 40, windows: 3, tolerance: 0.1, maxMs: 300 }, (index) =>
      sleep(2 * index),
    );
    expect(result.steady).toBe(false);
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(result.rates[0]!).toBeGreaterThan(result.rates.at(-1)!);
  });
});

describe('configuredBackoffMs and recordedRetryPolicy', () => {
  it('read the retry policy the server recorded for the activity, and follow it: 1 s doubling, capped at 10 s', () => {
    const history = {
      events: [
        {
          activityTaskScheduledEventAttributes: {
            activityType: { name: 'withdraw' },
            retryPolicy: { initialInterval: { seconds: 9 }, backoffCoefficient: 3, maximumInterval: { seconds: 90 } },
          },
        },
        {
          activityTaskScheduledEventAttributes: {
            activityType: { name: 'deposit' },
            retryPolicy: { initialInterval: { seconds: 1 }, backoffCoefficient: 2, maximumInterval: { seconds: 10, nanos: 0 } },
          },
        },
      ],
    };
    const policy = recordedRetryPolicy(history as never, 'deposit')!;
    expect(policy).toEqual({ initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 10_000 });
    expect([1, 2, 3, 4, 5].map((retry) => configuredBackoffMs(policy, retry))).toEqual([1000, 2000, 4000, 8000, 10000]);
    expect(recordedRetryPolicy(history as never, 'refund')).toBeUndefined();
  });
});

describe('staggeredStarts', () => {
  it('keeps every attempt of one workflow 250 ms from every attempt of another (attempts at 0, 1, 3 and 7 s)', () => {
    const offsets = [0, 1000, 3000, 7000];
    const starts = staggeredStarts(offsets, 20, 250);
    expect(starts[0]).toBe(0);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const moments = starts.flatMap((start, workflow) => offsets.map((offset) => ({ workflow, at: start + offset })));
    for (const a of moments)
      for (const b of moments) if (a.workflow !== b.workflow) expect(Math.abs(a.at - b.at)).toBeGreaterThanOrEqual(250);
    expect(starts.at(-1)! + 7000).toBeLessThan(30_000); // twenty workflows in under half a minute
  });
});

describe('loopBenchmarks', () => {
  const run = (completed: number) => ({
    latenciesMs: Array.from({ length: completed }, (_, i) => 50 + i),
    completed,
    elapsedMs: completed * 50,
    throughputPerSec: 20,
  });

  it('reports p50 and p95 of runs of 40 workflows, and omits p99 saying why', () => {
    const { benchmarks, omitted } = loopBenchmarks([run(40), run(40), run(41)], {
      suite: 'throughput',
      workflow: 'moneyTransfer',
      concurrency: 1,
      bounds: { maxCount: 40, maxDurationMs: 6000 },
    });
    expect(benchmarks.map((b) => b.id)).toEqual([
      'throughput/moneyTransfer/c1/throughput',
      'throughput/moneyTransfer/c1/latency-p50',
      'throughput/moneyTransfer/c1/latency-p95',
    ]);
    expect(omitted).toEqual([
      { id: 'throughput/moneyTransfer/c1/latency-p99', reason: "a run's p99 needs at least 200 workflows, and these runs closed 40 to 41" },
    ]);
  });

  it('goes by the shortest run: one run of 20 leaves p95 out', () => {
    const { omitted } = loopBenchmarks([run(40), run(20)], {
      suite: 'baseline',
      workflow: 'w',
      concurrency: 4,
      bounds: { maxCount: 40, maxDurationMs: 6000 },
      extraParams: { driver: 'raw' },
      namePrefix: 'raw/',
    });
    expect(omitted.map((o) => o.id)).toEqual(['baseline/w/c4/raw/latency-p95', 'baseline/w/c4/raw/latency-p99']);
  });
});
