/**
 * Counted costs (history events and bytes, workflow tasks, activity attempts, requests to each part): what a
 * workflow costs in units that the machine's load does not move. Kept as histograms (value -> workflows) and
 * compared exactly: one more activity per workflow is a regression with certainty, not with a p-value. Pure.
 */
import { mannWhitneyU, median } from './stats.ts';

/** How many workflows had each value: `{ "19": 160 }` is 160 workflows of 19 events. Keys are decimal numbers. */
export type Histogram = Record<string, number>;

export function histogramOf(values: readonly number[]): Histogram {
  const histogram: Histogram = {};
  for (const value of values) histogram[String(value)] = (histogram[String(value)] ?? 0) + 1;
  return histogram;
}

/** Add histograms (workflows measured by several processes or concurrency levels). */
export function addHistograms(...histograms: readonly Histogram[]): Histogram {
  const sum: Histogram = {};
  for (const histogram of histograms) for (const [value, count] of Object.entries(histogram)) sum[value] = (sum[value] ?? 0) + count;
  return sum;
}

/** Every workflow's value, in ascending order. */
export function histogramValues(histogram: Histogram): number[] {
  return Object.entries(histogram)
    .map(([value, count]) => [Number(value), count] as const)
    .sort((a, b) => a[0] - b[0])
    .flatMap(([value, count]) => Array<number>(count).fill(value));
}

export function workflowsIn(histogram: Histogram): number {
  return Object.values(histogram).reduce((a, b) => a + b, 0);
}

/**
 * A change in some workflows only (a branch that now calls one more activity) must be this unlikely to be chance,
 * one-sided: load adds a timed-out task or a retry to a few workflows of either side, which must not fail a gate.
 */
export const SOME_WORKFLOWS_ALPHA = 0.001;

export interface CountJudgement {
  workflows: { base: number; head: number };
  baseMedian: number;
  headMedian: number;
  baseMean: number;
  headMean: number;
  /** Share of each side's workflows whose value is not its median (retries, timeouts): said, not judged. */
  offMedian: { base: number; head: number };
  /** One-sided rank-sum p that the head's values are larger. */
  pLarger: number;
  status: 'regression' | 'improvement' | 'unchanged' | 'cannot-judge';
  /** Why, in words: "median 2 -> 3 per workflow", "some workflows: mean 2.00 -> 2.31 (p < 0.001)". */
  reason: string;
}

/**
 * Judge a counted cost. A regression: the head's median is above the base's (beyond `tolerancePercent`: history bytes
 * move by a few bytes with the lengths of ids and timestamps), or some workflows went up (one-sided rank-sum
 * p < SOME_WORKFLOWS_ALPHA and the mean rose beyond the tolerance). Cannot judge only when a side has no workflows.
 */
export function compareCounts(base: Histogram, head: Histogram, tolerancePercent = 0): CountJudgement {
  const [b, h] = [histogramValues(base), histogramValues(head)];
  if (b.length === 0 || h.length === 0) {
    return {
      workflows: { base: b.length, head: h.length },
      baseMedian: Number.NaN,
      headMedian: Number.NaN,
      baseMean: Number.NaN,
      headMean: Number.NaN,
      offMedian: { base: 0, head: 0 },
      pLarger: 1,
      status: 'cannot-judge',
      reason: `${b.length === 0 ? 'the base' : 'the head'} counted no workflows`,
    };
  }
  const [baseMedian, headMedian] = [median(b), median(h)];
  const [baseMean, headMean] = [mean(b), mean(h)];
  const beyond = (from: number, to: number): boolean => to > from * (1 + tolerancePercent / 100) && to > from;
  const test = mannWhitneyU(h, b);
  const pLarger = headMean > baseMean ? test.p / 2 : 1 - test.p / 2;
  const within = tolerancePercent > 0 ? ` (beyond the ${tolerancePercent}% tolerance)` : '';
  const [status, reason]: [CountJudgement['status'], string] = beyond(baseMedian, headMedian)
    ? ['regression', `median ${show(baseMedian)} -> ${show(headMedian)} per workflow${within}`]
    : pLarger < SOME_WORKFLOWS_ALPHA && beyond(baseMean, headMean)
      ? ['regression', `some workflows: mean ${baseMean.toFixed(2)} -> ${headMean.toFixed(2)} (one-sided p ${pLarger.toPrecision(2)})`]
      : beyond(headMedian, baseMedian)
        ? ['improvement', `median ${show(baseMedian)} -> ${show(headMedian)} per workflow`]
        : [
            'unchanged',
            baseMedian === headMedian
              ? `median ${show(baseMedian)} both`
              : `median ${show(baseMedian)} -> ${show(headMedian)}, within ${tolerancePercent}%`,
          ];
  return {
    workflows: { base: b.length, head: h.length },
    baseMedian,
    headMedian,
    baseMean,
    headMean,
    offMedian: { base: offShare(b, baseMedian), head: offShare(h, headMedian) },
    pLarger,
    status,
    reason,
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, v) => a + v, 0) / values.length;
}

function offShare(values: readonly number[], mid: number): number {
  return values.filter((value) => value !== mid).length / values.length;
}

function show(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
