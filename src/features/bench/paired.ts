/**
 * The statistics of measured costs (wall clock, CPU time) under the gate's honest rule: a run that could not have
 * seen the threshold says so instead of passing. Pure: numbers in, judgements out.
 *
 * An A/B run measures base and head in pairs of short rounds back to back, so each pair's cost ratio cancels what the
 * machine did to both. The change is the median of the pairs' log cost ratios, tested with the signed-rank test,
 * with a distribution-free interval; what the run could detect comes from the ratios' robust spread. Two reports
 * taken apart cannot be paired: their samples are compared unpaired, and what they could detect from both spreads.
 */
import type { Direction } from './report.ts';
import { type Interval, median, medianInterval, minimumDetectableShift, normalUpperQuantile, robustSd, signedRankTest } from './stats.ts';

export interface GateOptions {
  /** A significant regression larger than this (change of cost, percent) fails the gate. */
  thresholdPercent: number;
  /** Significance level of the tests. */
  alpha: number;
  /** The power at which "could detect" is computed. */
  power: number;
}

export const DEFAULT_GATE: GateOptions = { thresholdPercent: 10, alpha: 0.05, power: 0.8 };

/**
 * The fewest pairs whose spread is trusted: the median absolute deviation of 4 pairs once said "detects 1.5%" of a
 * run whose next pairs varied by 20%. Below it a row is judged only when it regressed.
 */
export const MIN_JUDGED_PAIRS = 10;

export interface PairedJudgement {
  pairs: number;
  baseMedian: number;
  headMedian: number;
  /** Median of the pairs' cost ratios − 1, in percent: positive is worse whatever the direction (throughput inverted). */
  costPercent: number;
  /** Distribution-free interval of that median, in percent (its level is the coverage reached). */
  interval: Interval;
  /** Two-sided signed-rank test of the log cost ratios. */
  p: number;
  /** 1.4826 × MAD of the log cost ratios, as a percent change. */
  robustSdPercent: number;
  /** The smallest change of cost this run detects with the gate's power at its alpha; Infinity below MIN_JUDGED_PAIRS. */
  detectablePercent: number;
}

/** exp(x) − 1 in percent: a log ratio as a percent change. */
export const logToPercent = (logRatio: number): number => (Math.exp(logRatio) - 1) * 100;

/** The log of each pair's cost ratio: positive when the head cost more (took longer, did less per second). */
export function logCostRatios(base: readonly number[], head: readonly number[], direction: Direction): number[] {
  if (base.length !== head.length)
    throw new RangeError(`pairs need as many base values as head values, got ${base.length} and ${head.length}`);
  return base.map((b, i) => {
    const h = head[i]!;
    if (!(b > 0 && h > 0)) throw new RangeError(`paired values must be above 0, got ${b} and ${h} in pair ${i}`);
    return Math.log(direction === 'lower-is-better' ? h / b : b / h);
  });
}

/** Judge paired rounds: value i of base and of head ran back to back. */
export function comparePaired(
  base: readonly number[],
  head: readonly number[],
  direction: Direction,
  options: Pick<GateOptions, 'alpha' | 'power'> = DEFAULT_GATE,
): PairedJudgement {
  const logs = logCostRatios(base, head, direction);
  if (logs.length < 2) throw new RangeError(`paired rounds need at least 2 pairs, got ${logs.length}`);
  const mid = median(logs);
  const spread = robustSd(logs);
  const interval = medianInterval(logs);
  const detectable =
    logs.length < MIN_JUDGED_PAIRS
      ? Infinity
      : logToPercent(minimumDetectableShift({ n: logs.length, sd: spread, alpha: options.alpha, power: options.power }));
  return {
    pairs: logs.length,
    baseMedian: median(base),
    headMedian: median(head),
    costPercent: logToPercent(mid),
    interval: { low: logToPercent(interval.low), high: logToPercent(interval.high), level: interval.level },
    p: signedRankTest(logs).p,
    robustSdPercent: logToPercent(spread),
    detectablePercent: detectable,
  };
}

/**
 * The smallest change of the median two independent sets of samples detect (rank-sum test at alpha, with power):
 * (z(alpha/2) + z(1 − power)) × sqrt(sd_b²/n_b + sd_h²/n_h) / sqrt(3/π), the sds robust, of the logs. Infinity when
 * either side has fewer than 3 samples or a value of 0 or less (no log).
 */
export function unpairedDetectablePercent(
  base: readonly number[],
  head: readonly number[],
  options: Pick<GateOptions, 'alpha' | 'power'> = DEFAULT_GATE,
): number {
  if (base.length < 3 || head.length < 3 || [...base, ...head].some((v) => !(v > 0))) return Infinity;
  const [b, h] = [base.map(Math.log), head.map(Math.log)];
  const z = normalUpperQuantile(options.alpha / 2) + normalUpperQuantile(1 - options.power);
  const se = Math.sqrt(robustSd(b) ** 2 / b.length + robustSd(h) ** 2 / h.length);
  return logToPercent((z * se) / Math.sqrt(3 / Math.PI));
}

/**
 * When an A/B run has measured enough pairs: never before `min`, always at `max`; in between once every primary
 * row detects `target` percent. It looks only at the spread, never at the change, so stopping keeps the test's
 * level (sample size re-estimated from an internal pilot).
 */
export function enoughPairs(
  pairs: number,
  primaryDetectable: readonly number[],
  plan: { min: number; max: number; targetPercent: number },
): boolean {
  if (pairs >= plan.max) return true;
  if (pairs < plan.min) return false;
  return primaryDetectable.every((detectable) => detectable <= plan.targetPercent);
}
