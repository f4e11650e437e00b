import { describe, expect, it } from 'vitest';
import { compareReports, compareSamples } from '../../src/features/bench/compare';
import { harnessOverhead } from '../../src/features/bench/overhead';
import { mannWhitneyU } from '../../src/features/bench/stats';
import { latencySpec, lognormalSamples, seededRandom, syntheticReport, throughputSpec } from '../support/bench-reports';
import { UsageError } from '../../src/base/errors.ts';

const OPTIONS = { thresholdPercent: 10, alpha: 0.05 };
const FILES = { base: 'base.json', head: 'head.json' };
/** Five samples: enough for a change to be significant at alpha 0.05 (the smallest possible p is 2/252). */
const FIVE = [10, 11, 12, 13, 14];
/** Five samples within 4% of each other: quiet enough that 5 against 5 could see a 10% change. */
const QUIET = [100, 101, 102, 103, 104];
const LATENCY = { id: 'throughput/x/latency', suite: 'throughput', name: 'x/latency', unit: 'ms', direction: 'lower-is-better' } as const;
const THROUGHPUT = {
  id: 'throughput/x/throughput',
  suite: 'throughput',
  name: 'x/throughput',
  unit: 'workflows/s',
  direction: 'higher-is-better',
} as const;

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
    const report = syntheticReport([latencySpec('x/latency', QUIET), throughputSpec('x/throughput', [50, 50.5, 49.5, 51, 49])]);
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

  it('lists a benchmark only the head has as new, which neither fails nor counts in the geomean', () => {
    const base = syntheticReport([latencySpec('a', QUIET)]);
    const head = syntheticReport([latencySpec('a', QUIET), latencySpec('new', QUIET)]);
    const comparison = compareReports(base, head, OPTIONS);
    expect(comparison.rows.map((r) => [r.id, r.status])).toEqual([
      ['throughput/a', 'unchanged'],
      ['throughput/new', 'only-in-head'],
    ]);
    expect(comparison.geomean?.count).toBe(1);
    expect(comparison.verdict).toBe('pass');
  });

  it('refuses a head that lacks a benchmark of the base, naming the file and the benchmark', () => {
    const base = syntheticReport([latencySpec('a', FIVE), latencySpec('gone', FIVE)]);
    const head = syntheticReport([latencySpec('a', FIVE), latencySpec('new', FIVE)]);
    expect(() => compareReports(base, head, OPTIONS, FILES)).toThrow(
      new UsageError(
        'head.json: 1 benchmark of base.json is missing (throughput/gone); a gate cannot pass what was not measured: run the same suites for both reports, or remove a retired benchmark from base.json',
      ),
    );
  });

  it('refuses a head that has none of the base’s benchmarks', () => {
    const base = syntheticReport([latencySpec('a', FIVE), latencySpec('b', FIVE)]);
    const head = syntheticReport([latencySpec('renamed', FIVE)]);
    expect(() => compareReports(base, head, OPTIONS, FILES)).toThrow(
      'head.json: all 2 benchmarks of base.json are missing (throughput/a, throughput/b); a gate cannot pass what was not measured',
    );
  });

  it('lists the first five missing benchmarks and counts the rest', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const base = syntheticReport([...ids.map((id) => latencySpec(id, FIVE)), latencySpec('kept', FIVE)]);
    const head = syntheticReport([latencySpec('kept', FIVE)]);
    expect(() => compareReports(base, head, OPTIONS, FILES)).toThrow(
      'head.json: 7 benchmarks of base.json are missing (throughput/a, throughput/b, throughput/c, throughput/d, throughput/e and 2 more);',
    );
  });

  it.each([
    [
      'unit',
      { unit: 's' },
      'head.json: benchmark "throughput/x" has unit "s" but in base.json "ms"; the two cannot be compared (give a benchmark whose meaning changed a new name)',
    ],
    [
      'direction',
      { direction: 'higher-is-better' as const },
      'head.json: benchmark "throughput/x" has direction "higher-is-better" but in base.json "lower-is-better"; the two cannot be compared (give a benchmark whose meaning changed a new name)',
    ],
  ])('refuses a benchmark whose %s changed', (_, change, message) => {
    const base = syntheticReport([latencySpec('x', FIVE)]);
    const head = syntheticReport([{ ...latencySpec('x', FIVE), ...change }]);
    expect(() => compareReports(base, head, OPTIONS, FILES)).toThrow(new UsageError(message));
  });

  it('refuses samples too few for any change to be significant: 3 against 3 could never fail the gate', () => {
    const base = syntheticReport([latencySpec('x', [1, 2, 3])]);
    const head = syntheticReport([latencySpec('x', [10, 20, 30])]);
    expect(() => compareReports(base, head, OPTIONS, FILES)).toThrow(
      new UsageError(
        'benchmark "throughput/x": 3 samples in base.json against 3 in head.json can never show a significant change at alpha 0.05 (the smallest possible p is 0.10), so the gate could not fail on it; measure more repetitions (a full run, not --quick)',
      ),
    );
  });

  it('accepts 4 against 4, the fewest that can be significant at alpha 0.05, and fails a clear slowdown with them', () => {
    const base = syntheticReport([latencySpec('x', [10, 11, 12, 13])]);
    const head = syntheticReport([latencySpec('x', [20, 21, 22, 23])]);
    expect(compareReports(base, head, OPTIONS).verdict).toBe('fail');
    expect(() => compareReports(base, head, { thresholdPercent: 10, alpha: 0.02 }, FILES)).toThrow(
      'can never show a significant change at alpha 0.02',
    );
  });

  it('notes a benchmark whose params changed between the runs', () => {
    const base = syntheticReport([{ ...latencySpec('x', FIVE), params: { workflow: 'moneyTransfer', maxCount: 24 } }]);
    const head = syntheticReport([{ ...latencySpec('x', FIVE), params: { workflow: 'moneyTransfer', maxCount: 6, quick: true } }]);
    expect(compareReports(base, head, OPTIONS).rows[0]!.note).toBe(
      'params changed between the runs (maxCount 24 -> 6, quick none -> true)',
    );
  });

  it('the geometric mean counts throughput inverted, so a slower latency and a lower throughput both count as worse', () => {
    const base = syntheticReport([latencySpec('lat', [100, 100, 100, 100]), throughputSpec('tp', [50, 50, 50, 50])]);
    const head = syntheticReport([
      latencySpec('lat', [121, 121, 121, 121]),
      throughputSpec('tp', [50 / 1.21, 50 / 1.21, 50 / 1.21, 50 / 1.21]),
    ]);
    const { geomean } = compareReports(base, head, OPTIONS);
    expect(geomean!.costRatio).toBeCloseTo(1.21, 12);
    expect(geomean!.changePercent).toBeCloseTo(21, 10);
  });

  it('names the environment fields that differ between the reports', () => {
    const base = syntheticReport([latencySpec('a', FIVE)]);
    const head = syntheticReport([latencySpec('a', FIVE)], { cpuModel: 'Other CPU', nodeVersion: 'v22.12.0' });
    expect(compareReports(base, head, OPTIONS).environmentDifferences).toEqual([
      { field: 'cpuModel', base: 'Test CPU', head: 'Other CPU' },
      { field: 'nodeVersion', base: 'v20.20.2', head: 'v22.12.0' },
    ]);
  });

  it('compares a report from before the dev server settings were recorded, saying the settings differ', () => {
    const base = syntheticReport([latencySpec('a', QUIET)]);
    const head = syntheticReport([latencySpec('a', QUIET)], {
      devServerConfig: { 'history.transferProcessorMaxPollRPS': 1000, 'frontend.enableServerVersionCheck': false },
    });
    const comparison = compareReports(base, head, OPTIONS);
    expect(comparison.verdict).toBe('pass');
    expect(comparison.environmentDifferences).toEqual([
      {
        field: 'devServerConfig',
        base: 'not recorded',
        head: 'frontend.enableServerVersionCheck=false, history.transferProcessorMaxPollRPS=1000',
      },
    ]);
    expect(compareReports(head, head, OPTIONS).environmentDifferences).toEqual([]);
  });

  it('shows a base benchmark the head omitted with the head’s reason, instead of refusing it', () => {
    const base = syntheticReport([latencySpec('a', QUIET), latencySpec('moneyTransfer/c1/latency-p99', QUIET)]);
    const reason = "a run's p99 needs at least 200 workflows, and these runs closed 40";
    const head = { ...syntheticReport([latencySpec('a', QUIET)]), omitted: [{ id: 'throughput/moneyTransfer/c1/latency-p99', reason }] };
    const comparison = compareReports(base, head, OPTIONS, FILES);
    expect(comparison.rows.map((r) => [r.id, r.status, r.exceedsThreshold])).toEqual([
      ['throughput/a', 'unchanged', false],
      ['throughput/moneyTransfer/c1/latency-p99', 'omitted-in-head', false],
    ]);
    expect(comparison.rows[1]!.note).toBe(`not reported by head: ${reason}`);
    expect(comparison.geomean?.count).toBe(1);
    // Omitted is said, never silent: a benchmark that is merely missing is still refused.
    expect(() => compareReports(syntheticReport([latencySpec('gone', FIVE)]), head, OPTIONS, FILES)).toThrow(
      'head.json: the only benchmark of base.json is missing (throughput/gone)',
    );
  });
});

describe('what the gate flags whatever the scale', () => {
  const zeroMostly = [0, 0, 0, 0, 0, 0, 4, 5];
  const real = [100, 101, 102, 103, 104, 105, 106, 107];

  it('a zero baseline against a real head is a regression beyond any threshold (unbounded), never `~`', () => {
    const comparison = compareReports(syntheticReport([latencySpec('x', zeroMostly)]), syntheticReport([latencySpec('x', real)]), {
      thresholdPercent: 1e6,
      alpha: 0.05,
    });
    const [row] = comparison.rows;
    expect([row!.status, row!.changePercent, row!.costPercent, row!.exceedsThreshold]).toEqual(['regression', Infinity, Infinity, true]);
    expect(row!.note).toBe('the base median is 0, so the change is unbounded');
    expect(comparison.verdict).toBe('fail');
  });

  it('a throughput falling to a zero median is an unbounded cost: a regression beyond the threshold', () => {
    const comparison = compareReports(
      syntheticReport([throughputSpec('x', real)]),
      syntheticReport([throughputSpec('x', zeroMostly)]),
      OPTIONS,
    );
    const [row] = comparison.rows;
    expect([row!.status, row!.changePercent, row!.costPercent, row!.exceedsThreshold]).toEqual(['regression', -100, Infinity, true]);
    expect(row!.note).toBe('the head median is 0, so the change of cost is unbounded');
    expect(comparison.failures).toEqual(['throughput/x']);
  });

  it('the threshold applies to the change of cost, so a throughput that halves (+100% cost) fails a 60% threshold', () => {
    const base = syntheticReport([throughputSpec('x', [100, 101, 99, 100, 102])]);
    const head = syntheticReport([throughputSpec('x', [50, 51, 49, 50, 52])]);
    const row = compareReports(base, head, { thresholdPercent: 60, alpha: 0.05 }).rows[0]!;
    expect(row.changePercent).toBeCloseTo(-50, 10);
    expect(row.costPercent).toBeCloseTo(100, 10);
    expect(row.exceedsThreshold).toBe(true);
  });

  it('a threshold above 100% can still fail a throughput regression (to a third: +200% cost)', () => {
    const base = syntheticReport([throughputSpec('x', [90, 91, 89, 90, 92])]);
    const head = syntheticReport([throughputSpec('x', [30, 31, 29, 30, 32])]);
    expect(compareReports(base, head, { thresholdPercent: 150, alpha: 0.05 }).verdict).toBe('fail');
  });

  it('a zero baseline with a zero head median is no change', () => {
    const row = compareSamples(LATENCY, [0, 0, 0, 0, 1], [0, 0, 0, 1, 1], OPTIONS);
    expect([row.status, row.changePercent, row.costPercent]).toEqual(['unchanged', 0, 0]);
  });
});

describe('a busy machine', () => {
  it('is named when a run’s load average went above 1.5 times its cores (a 2-core run at 5.96)', () => {
    const base = syntheticReport([latencySpec('a', FIVE)]);
    const quiet = syntheticReport([latencySpec('a', FIVE)]);
    const busy = { ...quiet, run: { ...quiet.run, loadAverageMax: 5.96 } };
    expect(compareReports(base, quiet, OPTIONS).busyMachine).toEqual([]);
    expect(compareReports(base, busy, OPTIONS).busyMachine).toEqual([{ report: 'head', loadAverageMax: 5.96, cpuCores: 2 }]);
  });
});

describe('two reports taken apart: the gate is honest about noise', () => {
  it('cannot judge (never passes) a row whose samples could not have seen the threshold', () => {
    const report = syntheticReport([latencySpec('a', FIVE)]);
    const comparison = compareReports(report, report, OPTIONS);
    expect(comparison.rows[0]).toMatchObject({ status: 'cannot-judge', kind: 'measured' });
    expect(comparison.rows[0]!.reason).toMatch(/^the samples could detect \d+\.\d%, not the 10% threshold$/);
    expect(comparison.verdict).toBe('cannot-judge');
    expect(comparison.cannotJudge.map((c) => c.id)).toEqual(['throughput/a']);
  });

  it('cannot judge a report measured while other work took more than a quarter of its cores', () => {
    const base = syntheticReport([latencySpec('a', QUIET)]);
    const quiet = { ...base, run: { ...base.run, otherWorkCores: { median: 0.1, max: 0.4 } } };
    const busy = { ...base, run: { ...base.run, otherWorkCores: { median: 1.4, max: 1.6 } } };
    expect(compareReports(quiet, quiet, OPTIONS).verdict).toBe('pass');
    const comparison = compareReports(quiet, busy, OPTIONS);
    expect(comparison.verdict).toBe('cannot-judge');
    expect(comparison.rows[0]!.reason).toBe(
      "other work on head's machine took 1.40 cores (median), more than 0.50: two runs apart on a busy machine differ by more than their samples show",
    );
    expect(compareReports(quiet, busy, { ...OPTIONS, maxOtherWorkShare: 0.8 }).verdict).toBe('pass');
  });

  it('falls back to the load average for a report that did not measure other work (v1): above 1.5 times the cores', () => {
    const base = syntheticReport([latencySpec('a', QUIET)]);
    const busy = { ...base, run: { ...base.run, loadAverageMax: 5.96 } };
    expect(compareReports(base, busy, OPTIONS).rows[0]!.reason).toMatch(
      /^head's load average reached 5\.96 on 2 cores \(other work unmeasured\)/,
    );
  });

  it('still fails a regression from a busy run: its p-value holds', () => {
    const { base, head } = trial(42, 10, 0.07, 1.3);
    const baseReport = syntheticReport([latencySpec('x', base)]);
    const headReport = {
      ...syntheticReport([latencySpec('x', head)]),
      run: { ...baseReport.run, otherWorkCores: { median: 1.5, max: 1.9 } },
    };
    expect(compareReports(baseReport, headReport, OPTIONS).verdict).toBe('fail');
  });

  it('compares counted costs exactly whatever the load, and refuses an A/B report, which is judged alone', () => {
    const counted = (workflows: Record<string, number>) => [
      {
        id: 'costs/x/activities',
        suite: 'costs',
        name: 'x/activities',
        unit: 'activities/workflow',
        workflows,
        tolerancePercent: 0,
        params: {},
      },
    ];
    const busy = syntheticReport([latencySpec('a', QUIET)]);
    const base = { ...busy, counted: counted({ '2': 40 }) };
    const head = { ...busy, run: { ...busy.run, otherWorkCores: { median: 1.5, max: 1.9 } }, counted: counted({ '3': 40 }) };
    const comparison = compareReports(base, head, OPTIONS);
    expect(comparison.rows.find((r) => r.kind === 'counted')).toMatchObject({
      status: 'regression',
      exceedsThreshold: true,
      reason: 'median 2 -> 3 per workflow',
    });
    expect(comparison.verdict).toBe('fail');
    const ab = { ...base, run: { ...base.run, mode: 'ab' as const } };
    expect(() => compareReports(base, ab, OPTIONS, FILES)).toThrow(
      'head.json is an A/B report, which holds its own base and head: judge it alone (bench compare head.json)',
    );
  });
});

describe('harnessOverhead', () => {
  it('pairs the baseline suite’s harness and raw benchmarks and gives the overhead in percent', () => {
    const spec = (driver: string, metric: string, samples: number[]) => ({
      ...(metric === 'throughput'
        ? throughputSpec(`moneyTransfer/c4/${driver}/${metric}`, samples, 'baseline')
        : latencySpec(`moneyTransfer/c4/${driver}/${metric}`, samples, 'baseline')),
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

  it('tests the pairs’ ratios, so a 5% overhead shows through drift that hides it from the unpaired test', () => {
    const random = seededRandom(5);
    // The machine drifts by ±30% over the run; each pair ran back to back, the harness 5% slower with 2% noise.
    const drift = Array.from({ length: 24 }, (_, i) => 100 * (1 + 0.3 * Math.sin(i / 3)));
    const raw = drift.map((level) => level * (1 + 0.02 * (random() - 0.5)));
    const harness = drift.map((level) => level * 1.05 * (1 + 0.02 * (random() - 0.5)));
    const report = syntheticReport([
      {
        ...latencySpec('moneyTransfer/c4/harness/latency-p50', harness, 'baseline'),
        params: { workflow: 'moneyTransfer', concurrency: 4, driver: 'harness', metric: 'latency-p50' },
      },
      {
        ...latencySpec('moneyTransfer/c4/raw/latency-p50', raw, 'baseline'),
        params: { workflow: 'moneyTransfer', concurrency: 4, driver: 'raw', metric: 'latency-p50' },
      },
    ]);

    const [row] = harnessOverhead(report);

    expect(mannWhitneyU(harness, raw).p).toBeGreaterThan(0.05); // unpaired, the drift hides it
    expect(row!.test).toBe('paired signed-rank');
    expect(row!.pairs).toBe(24);
    expect(row!.p).toBeLessThan(0.001);
    expect(row!.overheadPercent).toBeCloseTo(5, 0);
    expect(row!.interval!.low).toBeGreaterThan(3);
    expect(row!.interval!.high).toBeLessThan(7);
    expect(row!.detectablePercent).toBeLessThan(1); // 24 pairs with ~1% noise in their ratios see well under 5%
  });

  it('falls back to the two medians and Mann-Whitney when the samples cannot be paired', () => {
    const report = syntheticReport([
      {
        ...latencySpec('w/c4/harness/latency-p50', [110, 111, 109], 'baseline'),
        params: { workflow: 'w', concurrency: 4, driver: 'harness', metric: 'latency-p50' },
      },
      {
        ...latencySpec('w/c4/raw/latency-p50', [100, 101], 'baseline'),
        params: { workflow: 'w', concurrency: 4, driver: 'raw', metric: 'latency-p50' },
      },
    ]);
    const [row] = harnessOverhead(report);
    expect(row).toMatchObject({ test: 'Mann-Whitney', harnessMedian: 110, rawMedian: 100.5 });
    expect(row).not.toHaveProperty('detectablePercent');
  });
});
