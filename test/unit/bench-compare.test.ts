import { describe, expect, it } from 'vitest';
import { compareReports, compareSamples } from '../../src/bench/compare';
import { harnessOverhead } from '../../src/bench/overhead';
import { latencySpec, lognormalSamples, seededRandom, syntheticReport, throughputSpec } from '../support/bench-reports';

const OPTIONS = { thresholdPercent: 10, alpha: 0.05 };
const LATENCY = { id: 'throughput/x/latency', suite: 'throughput', name: 'x/latency', unit: 'ms', direction: 'lower-is-better' } as const;
const THROUGHPUT = { id: 'throughput/x/throughput', suite: 'throughput', name: 'x/throughput', unit: 'workflows/s', direction: 'higher-is-better' } as const;

/** Base and head of `n` samples each, with lognormal noise `sigma`, head's median `factor` times base's. */
function trial(seed: number, n: number, sigma: number, factor: number): { base: number[]; head: number[] } {
  const random = seededRandom(seed);
  return { base: lognormalSamples(random, n, 100, sigma), head: lognormalSamples(random, n, 100 * factor, sigma) };
}

describe('a synthetic 15% slowdown on noisy samples', () => {
  it('is a significant regression beyond a 10% threshold and fails the comparison', () => {
    const { base, head } = trial(42, 10, 0.07, 1.15);
    const base_ = syntheticReport([latencySpec('x/latency', base)]);
    const head_ = syntheticReport([latencySpec('x/latency', head)]);

    const comparison = compareReports(base_, head_, OPTIONS);

    const [row] = comparison.rows;
    expect(row!.status).toBe('regression');
    expect(row!.p).toBeLessThan(0.05);
    expect(row!.changePercent).toBeGreaterThan(10);
    expect(row!.exceedsThreshold).toBe(true);
    expect(comparison.verdict).toBe('fail');
    expect(comparison.failures).toEqual(['throughput/x/latency']);
  });

  it('is detected in nearly every one of 200 seeded trials (n = 10, 7% lognormal noise)', () => {
    let significant = 0;
    let beyondThreshold = 0;
    for (let t = 0; t < 200; t++) {
      const { base, head } = trial(1_000 + t, 10, 0.07, 1.15);
      const row = compareSamples(LATENCY, base, head, OPTIONS);
      if (row.status === 'regression') significant++;
      if (row.exceedsThreshold) beyondThreshold++;
    }
    // Measured: 196/200 significant, 171/200 with a median change beyond 10% (the point estimate of a 15% change
    // lands below 10% in some trials; more samples tighten it).
    expect(significant / 200).toBeGreaterThanOrEqual(0.95);
    expect(beyondThreshold / 200).toBeGreaterThanOrEqual(0.8);
  });

  it('is a regression of a higher-is-better benchmark too: the same runs seen as throughput (1000 / latency)', () => {
    const { base, head } = trial(42, 10, 0.07, 1.15);
    const perSecond = (latencies: number[]) => latencies.map((ms) => 1000 / ms);
    const row = compareSamples(THROUGHPUT, perSecond(base), perSecond(head), OPTIONS);
    expect(row.status).toBe('regression');
    expect(row.changePercent).toBeLessThan(-10);
    expect(row.exceedsThreshold).toBe(true);
  });

  it('a 15% speed-up is an improvement, never a failure', () => {
    const { base, head } = trial(42, 10, 0.07, 1 / 1.15);
    const row = compareSamples(LATENCY, base, head, OPTIONS);
    expect(row.status).toBe('improvement');
    expect(row.exceedsThreshold).toBe(false);
  });
});

describe('two runs of the same code (A/A)', () => {
  it('are judged significant in about alpha of 200 seeded trials (n = 10, 10% noise), and rarely fail', () => {
    let significant = 0;
    let failed = 0;
    for (let t = 0; t < 200; t++) {
      const { base, head } = trial(5_000 + t, 10, 0.1, 1);
      const row = compareSamples(LATENCY, base, head, OPTIONS);
      if (row.status !== 'unchanged') significant++;
      if (row.exceedsThreshold) failed++;
    }
    // Measured: 10/200 significant (5%; the exact test's true rate at n = 10 is below alpha, and 200 trials
    // estimate it within about 1.5 points), 4/200 also beyond the 10% threshold.
    expect(significant / 200).toBeLessThanOrEqual(0.07);
    expect(failed / 200).toBeLessThanOrEqual(0.03);
  });

  it('identical reports show `~` everywhere, a geomean of exactly 0% and pass', () => {
    const report = syntheticReport([latencySpec('x/latency', [10, 11, 12, 13, 14]), throughputSpec('x/throughput', [50, 51, 49, 52, 48])]);
    const comparison = compareReports(report, report, OPTIONS);
    expect(comparison.rows.map((r) => [r.status, r.p, r.changePercent])).toEqual([
      ['unchanged', 1, 0],
      ['unchanged', 1, 0],
    ]);
    expect(comparison.geomean).toEqual({ costRatio: 1, changePercent: 0, count: 2 });
    expect(comparison.verdict).toBe('pass');
  });
});

describe('compareReports', () => {
  it('a significant regression within the threshold is reported but does not fail', () => {
    const { base, head } = trial(3, 30, 0.02, 1.05);
    const row = compareSamples(LATENCY, base, head, OPTIONS);
    expect(row.status).toBe('regression');
    expect(row.exceedsThreshold).toBe(false);
    expect(compareSamples(LATENCY, base, head, { thresholdPercent: 3, alpha: 0.05 }).exceedsThreshold).toBe(true);
  });

  it('lists benchmarks only one report has, and refuses to compare a changed unit', () => {
    const base = syntheticReport([latencySpec('a', [1, 2, 3]), latencySpec('gone', [1, 2, 3]), latencySpec('unit', [1, 2, 3])]);
    const head = syntheticReport([latencySpec('a', [1, 2, 3]), latencySpec('new', [1, 2, 3]), { ...latencySpec('unit', [1, 2, 3]), unit: 's' }]);
    const comparison = compareReports(base, head, OPTIONS);
    expect(comparison.rows.map((r) => [r.id, r.status])).toEqual([
      ['throughput/a', 'unchanged'],
      ['throughput/gone', 'only-in-base'],
      ['throughput/unit', 'incomparable'],
      ['throughput/new', 'only-in-head'],
    ]);
    expect(comparison.rows[2]!.note).toBe('unit or direction changed (ms, lower-is-better -> s, lower-is-better)');
    expect(comparison.geomean?.count).toBe(1);
  });

  it('notes when the samples are too few for any change to be significant', () => {
    const row = compareSamples(LATENCY, [1, 2, 3], [10, 20, 30], OPTIONS);
    expect(row.status).toBe('unchanged');
    expect(row.note).toBe('too few samples (3 vs 3) for any change to be significant at alpha 0.05');
  });

  it('the geometric mean counts throughput inverted, so a slower latency and a lower throughput both count as worse', () => {
    const base = syntheticReport([latencySpec('lat', [100, 100, 100]), throughputSpec('tp', [50, 50, 50])]);
    const head = syntheticReport([latencySpec('lat', [121, 121, 121]), throughputSpec('tp', [50 / 1.21, 50 / 1.21, 50 / 1.21])]);
    const { geomean } = compareReports(base, head, OPTIONS);
    expect(geomean!.costRatio).toBeCloseTo(1.21, 12);
    expect(geomean!.changePercent).toBeCloseTo(21, 10);
  });

  it('names the environment fields that differ between the reports', () => {
    const base = syntheticReport([latencySpec('a', [1, 2, 3])]);
    const head = syntheticReport([latencySpec('a', [1, 2, 3])], { cpuModel: 'Other CPU', nodeVersion: 'v22.12.0' });
    expect(compareReports(base, head, OPTIONS).environmentDifferences).toEqual([
      { field: 'cpuModel', base: 'Test CPU', head: 'Other CPU' },
      { field: 'nodeVersion', base: 'v20.20.2', head: 'v22.12.0' },
    ]);
  });
});

describe('a busy machine', () => {
  it('is named when a run’s load average went above 1.5 times its cores (a 2-core run at 5.96)', () => {
    const base = syntheticReport([latencySpec('a', [1, 2, 3])]);
    const quiet = syntheticReport([latencySpec('a', [1, 2, 3])]);
    const busy = { ...quiet, run: { ...quiet.run, loadAverageMax: 5.96 } };
    expect(compareReports(base, quiet, OPTIONS).busyMachine).toEqual([]);
    expect(compareReports(base, busy, OPTIONS).busyMachine).toEqual([{ report: 'head', loadAverageMax: 5.96, cpuCores: 2 }]);
  });
});

describe('harnessOverhead', () => {
  it('pairs the baseline suite’s harness and raw benchmarks and gives the overhead in percent', () => {
    const spec = (driver: string, metric: string, samples: number[]) => ({
      ...(metric === 'throughput' ? throughputSpec(`moneyTransfer/c4/${driver}/${metric}`, samples, 'baseline') : latencySpec(`moneyTransfer/c4/${driver}/${metric}`, samples, 'baseline')),
      params: { workflow: 'moneyTransfer', concurrency: 4, driver, metric },
    });
    const report = syntheticReport([
      spec('harness', 'throughput', [18, 18, 18]),
      spec('raw', 'throughput', [20, 20, 20]),
      spec('harness', 'latency-p50', [110, 110, 110]),
      spec('raw', 'latency-p50', [100, 100, 100]),
    ]);
    const rows = harnessOverhead(report);
    expect(rows.map((r) => [r.metric, r.harnessMedian, r.rawMedian, Math.round(r.overheadPercent * 1000) / 1000])).toEqual([
      ['throughput', 18, 20, 11.111],
      ['latency-p50', 110, 100, 10],
    ]);
  });
});
