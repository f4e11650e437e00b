/**
 * The harness's own overhead, read from one report: the baseline suite measures the same workload twice in
 * alternation, through the harness (WorkerGroup and the closed-loop driver) and through a bare SDK client and
 * worker loop. Pure: a report in, rows out.
 */
import { costChangePercent } from './compare.ts';
import type { BenchReport, Direction } from './report.ts';
import { mannWhitneyU, median } from './stats.ts';

export interface OverheadRow {
  workflow: string;
  concurrency: number;
  metric: string;
  unit: string;
  direction: Direction;
  harnessMedian: number;
  rawMedian: number;
  /**
   * How much worse the harness is than the bare SDK loop, in percent (negative: the harness was better); Infinity
   * when the bare loop's median is 0 and the harness's is not.
   */
  overheadPercent: number;
  /** Mann-Whitney p-value of harness vs raw samples: a large p means no measurable overhead. */
  p: number;
}

/** Pairs the baseline suite's `driver: 'harness'` and `driver: 'raw'` benchmarks of the same workflow, concurrency and metric. */
export function harnessOverhead(report: BenchReport): OverheadRow[] {
  const baseline = report.benchmarks.filter((b) => b.suite === 'baseline');
  const rows: OverheadRow[] = [];
  for (const harness of baseline.filter((b) => b.params.driver === 'harness')) {
    const raw = baseline.find(
      (b) => b.params.driver === 'raw' && b.params.workflow === harness.params.workflow && b.params.concurrency === harness.params.concurrency && b.params.metric === harness.params.metric,
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
      overheadPercent: costChangePercent(harness.direction, rawMedian, harnessMedian),
      p: mannWhitneyU(harness.samples, raw.samples).p,
    });
  }
  return rows;
}
