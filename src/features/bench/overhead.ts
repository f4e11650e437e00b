/**
 * The harness's own overhead, read from one report: the baseline suite measures the same workload twice in
 * alternation, through the harness (WorkerGroup and the closed-loop driver) and through a bare SDK client and
 * worker loop, in pairs of samples run back to back. Pure: a report in, rows out.
 *
 * Each pair's cost ratio (harness against bare, inverted for throughput) cancels what drifted between pairs; the
 * overhead is the median of the ratios, tested with the signed-rank test, with a distribution-free 95% interval,
 * and the smallest overhead the run could have detected (80% power at alpha 0.05) from how much the ratios varied.
 * Samples that cannot be paired (different counts, a zero) fall back to the two medians and a Mann-Whitney test.
 */
import { costChangePercent } from './compare.ts';
import type { Benchmark, BenchReport, Direction } from './report.ts';
import { type Interval, mannWhitneyU, median, medianInterval, minimumDetectableShift, signedRankTest, standardDeviation } from './stats.ts';

export interface OverheadRow {
  workflow: string;
  concurrency: number;
  metric: string;
  unit: string;
  direction: Direction;
  harnessMedian: number;
  rawMedian: number;
  /**
   * How much worse the harness is than the bare SDK loop, in percent (negative: the harness was better): the median
   * of the pairs' cost ratios when paired, else of the medians; Infinity when the bare loop's median is 0 and the
   * harness's is not.
   */
  overheadPercent: number;
  /** Two-sided p-value: the signed-rank test of the pairs' log ratios, else Mann-Whitney of the two sample sets. */
  p: number;
  test: 'paired signed-rank' | 'Mann-Whitney';
  /** Pairs compared, when paired. */
  pairs?: number;
  /** Distribution-free interval of the overhead in percent (its level is the coverage reached), when paired. */
  interval?: Interval;
  /** The smallest overhead in percent this run detects with 80% power at alpha 0.05, given how the pairs varied. */
  detectablePercent?: number;
}

/** Pairs the baseline suite's `driver: 'harness'` and `driver: 'raw'` benchmarks of the same workflow, concurrency and metric. */
export function harnessOverhead(report: BenchReport): OverheadRow[] {
  const baseline = report.benchmarks.filter((b) => b.suite === 'baseline');
  const rows: OverheadRow[] = [];
  for (const harness of baseline.filter((b) => b.params.driver === 'harness')) {
    const raw = baseline.find(
      (b) =>
        b.params.driver === 'raw' &&
        b.params.workflow === harness.params.workflow &&
        b.params.concurrency === harness.params.concurrency &&
        b.params.metric === harness.params.metric,
    );
    if (!raw) continue;
    const harnessMedian = median(harness.samples);
    const rawMedian = median(raw.samples);
    rows.push({
      workflow: String(harness.params.workflow),
      concurrency: Number(harness.params.concurrency),
      metric: String(harness.params.metric),
      unit: harness.unit,
      direction: harness.direction,
      harnessMedian,
      rawMedian,
      ...(paired(harness, raw) ?? {
        overheadPercent: costChangePercent(harness.direction, rawMedian, harnessMedian),
        p: mannWhitneyU(harness.samples, raw.samples).p,
        test: 'Mann-Whitney' as const,
      }),
    });
  }
  return rows;
}

/** The paired analysis, when sample i of each driver ran back to back (same count, every value above 0). */
function paired(
  harness: Benchmark,
  raw: Benchmark,
): Pick<OverheadRow, 'overheadPercent' | 'p' | 'test' | 'pairs' | 'interval' | 'detectablePercent'> | undefined {
  const n = harness.samples.length;
  if (n < 2 || raw.samples.length !== n || [...harness.samples, ...raw.samples].some((v) => v <= 0)) return undefined;
  // The log of each pair's cost ratio: positive when the harness did worse.
  const logRatios = harness.samples.map((h, i) => {
    const ratio = h / raw.samples[i]!;
    return Math.log(harness.direction === 'lower-is-better' ? ratio : 1 / ratio);
  });
  const percent = (logRatio: number): number => (Math.exp(logRatio) - 1) * 100;
  const interval = medianInterval(logRatios);
  return {
    overheadPercent: percent(median(logRatios)),
    p: signedRankTest(logRatios).p,
    test: 'paired signed-rank',
    pairs: n,
    interval: { low: percent(interval.low), high: percent(interval.high), level: interval.level },
    detectablePercent: percent(minimumDetectableShift({ n, sd: standardDeviation(logRatios) })),
  };
}
