/**
 * Open-loop load: starts at a rate whatever the earlier workflows do, bounded in count and in what is open; a level
 * is kept up with only when every start closed at the rate and latency did not grow while the rate held; the knee
 * is where p95 leaves the plateau of the lowest rates.
 */
import { describe, expect, it } from 'vitest';
import { kneeOf, type OpenLoopResult, runOpenLoop, summarizeLevel, windows } from '../../src/features/bench/open-loop';
import type { OpenLoopLevel } from '../../src/features/bench/report';

/** A level of `n` starts evenly due over `durationMs`, each closing after `latency(i)` ms. */
function level(rate: number, durationMs: number, latency: (i: number) => number | undefined, skipped = 0): OpenLoopResult {
  const n = Math.round((rate * durationMs) / 1000);
  return {
    rate,
    durationMs,
    skipped,
    starts: Array.from({ length: n }, (_, i) => {
      const ms = latency(i);
      return { dueMs: (i * 1000) / rate, lagMs: 0, ...(ms === undefined ? {} : { latencyMs: ms }) };
    }),
  };
}

describe('summarizeLevel', () => {
  it('keeps up when every start closed at the rate with steady latency', () => {
    const summary = summarizeLevel(level(10, 20_000, (i) => 50 + (i % 5)));
    expect(summary).toMatchObject({
      rate: 10,
      started: 200,
      completed: 200,
      startRate: 10,
      completionRate: 10,
      p50: 52,
      growth: 1,
      keptUp: true,
    });
    expect(summary.reason).toBeUndefined();
  });

  it('does not keep up when latency runs away while the rate holds', () => {
    const summary = summarizeLevel(level(40, 20_000, (i) => 50 + i * 4));
    expect(summary.keptUp).toBe(false);
    expect(summary.reason).toMatch(/^p95 grew \d+\.\d\dx while the rate held$/);
  });

  it('does not keep up when starts were skipped or workflows never closed, and says how many', () => {
    const summary = summarizeLevel(level(10, 10_000, (i) => (i >= 90 ? undefined : 60), 5));
    expect(summary.keptUp).toBe(false);
    expect(summary.reason).toBe('5 starts skipped (too many open); 10 still open after the drain; closed 9.0/s of 10/s');
  });
});

describe('kneeOf', () => {
  const at = (rate: number, p95: number, keptUp = true): OpenLoopLevel => ({
    rate,
    durationMs: 20_000,
    started: rate * 20,
    completed: rate * 20,
    startRate: rate,
    completionRate: rate,
    p50: p95 / 2,
    p95,
    growth: 1,
    maxStartLagMs: 0,
    keptUp,
  });

  it('is the first rate whose p95 leaves the plateau of the two lowest rates by more than half', () => {
    expect(kneeOf([at(5, 100), at(10, 104), at(20, 120), at(40, 180), at(80, 900, false)])).toEqual({ keptUpTo: 40, knee: 40 });
  });

  it('is the first rate not kept up with when p95 stays on its plateau until then', () => {
    expect(kneeOf([at(5, 100), at(10, 100), at(20, 110, false)])).toEqual({ keptUpTo: 10, knee: 20 });
  });

  it('has no knee while every rate kept up on the plateau, and no kept-up rate when none was', () => {
    expect(kneeOf([at(5, 100), at(10, 101)])).toEqual({ keptUpTo: 10 });
    expect(kneeOf([at(5, 100, false)])).toEqual({ knee: 5 });
  });
});

describe('runOpenLoop', () => {
  it('starts rate x duration workflows whatever the earlier ones do, and skips starts beyond maxInFlight', async () => {
    const never = new Promise<never>(() => undefined);
    const result = await runOpenLoop({ rate: 500, durationMs: 40, maxInFlight: 5, drainMs: 10 }, () => never);
    expect(result.starts).toHaveLength(5);
    expect(result.skipped).toBe(15);
    expect(result.starts.every((s) => s.latencyMs === undefined)).toBe(true);
  });

  it('records each closed workflow’s latency and each failure', async () => {
    const result = await runOpenLoop({ rate: 1000, durationMs: 10, maxInFlight: 100, drainMs: 1000 }, async (i) => {
      if (i === 3) throw new Error('declined\nstack');
    });
    expect(result.starts).toHaveLength(10);
    expect(result.starts.filter((s) => s.latencyMs !== undefined)).toHaveLength(9);
    expect(result.starts[3]!.failed).toBe('declined');
  });
});

describe('windows', () => {
  it('cuts the closed workflows into windows of a size, by when they were due, dropping a short last one', () => {
    const result = level(10, 10_000, (i) => (i === 4 ? undefined : i));
    expect(windows(result, 40).map((w) => w.length)).toEqual([40, 40]);
    expect(windows(result, 40)[0]!.slice(0, 5)).toEqual([0, 1, 2, 3, 5]);
  });
});
