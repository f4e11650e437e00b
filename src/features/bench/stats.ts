/**
 * The statistics of benchmark reports. Pure functions of their inputs: no clock, no I/O, and every random
 * choice (the bootstrap) comes from a seed, through the harness's seeded generator, so the same samples always
 * give the same answer.
 */
import { Random } from '../../base/random.ts';

/** Location and spread of one set of samples. */
export interface Summary {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  /** First and third quartiles (linear interpolation between order statistics, as R's type 7). */
  q1: number;
  q3: number;
  iqr: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  /** Only where the sample supports them (see minSamplesForPercentile): absent from fewer than 40 and 200 samples. */
  p95?: number;
  p99?: number;
}

function assertSamples(samples: readonly number[], what = 'samples'): void {
  if (samples.length === 0) throw new RangeError(`${what} is empty`);
  for (const value of samples) if (!Number.isFinite(value)) throw new RangeError(`${what} holds a non-finite value (${value})`);
}

export function sorted(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

/** The q-quantile (0 <= q <= 1) of already sorted values, interpolating linearly between order statistics. */
export function quantileSorted(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('no values');
  const position = (values.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = values[below]!;
  return low + (values[above]! - low) * (position - below);
}

export function quantile(samples: readonly number[], q: number): number {
  assertSamples(samples);
  return quantileSorted(sorted(samples), q);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function mean(samples: readonly number[]): number {
  assertSamples(samples);
  const sum = samples.reduce((a, b) => a + b, 0);
  // Finite values near Number.MAX_VALUE can sum to Infinity; a running mean stays finite.
  if (Number.isFinite(sum)) return sum / samples.length;
  return samples.reduce((running, value, i) => running + (value - running) / (i + 1), 0);
}

export function summarize(samples: readonly number[]): Summary {
  assertSamples(samples);
  const values = sorted(samples);
  const mid = quantileSorted(values, 0.5);
  const q1 = quantileSorted(values, 0.25);
  const q3 = quantileSorted(values, 0.75);
  const p95 = percentile(values, 95);
  const p99 = percentile(values, 99);
  return {
    n: values.length,
    min: values[0]!,
    max: values[values.length - 1]!,
    mean: mean(values),
    median: mid,
    q1,
    q3,
    iqr: q3 - q1,
    mad: quantileSorted(sorted(values.map((v) => Math.abs(v - mid))), 0.5),
    ...(p95 === undefined ? {} : { p95 }),
    ...(p99 === undefined ? {} : { p99 }),
  };
}

/**
 * Observations a percentile needs beyond it (on average) before it says more than the sample's extreme: with one,
 * a "p99" of 100 values is the maximum or next to it more often than not.
 */
export const TAIL_OBSERVATIONS = 2;

/**
 * The fewest samples from which the `percent`-th percentile is reported: enough that TAIL_OBSERVATIONS of them are
 * expected beyond it, n * min(q, 1 - q) >= 2. p50 from 4 samples, p90 from 20, p95 from 40, p99 from 200.
 */
export function minSamplesForPercentile(percent: number): number {
  if (!(percent > 0 && percent < 100)) throw new RangeError(`a percentile is between 0 and 100 (exclusive), got ${percent}`);
  const tail = Math.min(percent, 100 - percent);
  // Percent in integers where possible, so 100 / (100 - 99) is exactly 100, not 100.00000000000001.
  return Math.ceil((TAIL_OBSERVATIONS * 100) / tail - 1e-9);
}

/** The `percent`-th percentile of the samples, or undefined when they are too few to support it (minSamplesForPercentile). */
export function percentile(samples: readonly number[], percent: number): number | undefined {
  if (samples.length < minSamplesForPercentile(percent)) return undefined;
  return quantile(samples, percent / 100);
}

/** Geometric mean of positive values (e.g. ratios head/base). */
export function geometricMean(values: readonly number[]): number {
  assertSamples(values, 'values');
  for (const value of values) if (value <= 0) throw new RangeError(`geometric mean needs positive values, got ${value}`);
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided. Exact (the permutation distribution of U) when both
 * samples have fewer than 50 values and there are no ties, as R's wilcox.test does; otherwise the normal
 * approximation with the tie correction of the variance and a continuity correction.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  assertSamples(x, 'x');
  assertSamples(y, 'y');
  const m = x.length;
  const n = y.length;
  const { ranks, tieGroups } = rank([...x, ...y]);
  const rankSumX = ranks.slice(0, m).reduce((a, b) => a + b, 0);
  const u = rankSumX - (m * (m + 1)) / 2;
  if (m < 50 && n < 50 && tieGroups.length === 0) {
    const distribution = exactUDistribution(m, n);
    const lower = cumulative(distribution, Math.floor(u));
    const upper = 1 - cumulative(distribution, Math.ceil(u) - 1);
    return { u, p: Math.min(1, 2 * Math.min(lower, upper)), method: 'exact' };
  }
  const total = m + n;
  const tieTerm = tieGroups.reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = ((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal' }; // every value equal: no evidence of a difference
  const centred = u - (m * n) / 2;
  const z = (Math.abs(centred) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, z <= 0 ? 1 : 2 * normalUpperTail(z)), method: 'normal' };
}

/**
 * The smallest two-sided p-value the exact test can reach with these sample sizes (all of one sample above all of
 * the other). When it exceeds alpha, no difference can be significant: more samples are needed.
 */
export function smallestPossibleP(m: number, n: number): number {
  if (m < 1 || n < 1) return 1;
  // P(U = 0) = 1 / C(m+n, m).
  let combinations = 1;
  for (let i = 1; i <= Math.min(m, n); i++) combinations = (combinations * (m + n - Math.min(m, n) + i)) / i;
  return Math.min(1, 2 / combinations);
}

/** Mid-ranks (1-based) of the values, and the size of each group of tied values. */
function rank(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.index] = midRank;
    if (end > start) tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

/**
 * P(U = u) for u = 0..m*n under the null hypothesis, by the recurrence
 * p(u; i, j) = i/(i+j) p(u - j; i-1, j) + j/(i+j) p(u; i, j-1)  (the largest value comes from x or from y).
 */
function exactUDistribution(m: number, n: number): Float64Array {
  // previous[j] holds the distribution for (i - 1, j); current[j] for (i, j).
  let previous: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const current: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      const fromX = previous[j]!; // the largest value is an x: it beats all j values of y
      const fromY = current[j - 1]!;
      for (let u = 0; u < fromX.length; u++) dist[u + j]! += (i / (i + j)) * fromX[u]!;
      for (let u = 0; u < fromY.length; u++) dist[u]! += (j / (i + j)) * fromY[u]!;
      current.push(dist);
    }
    previous = current;
  }
  return previous[n]!;
}

function cumulative(distribution: Float64Array, upTo: number): number {
  let sum = 0;
  for (let u = 0; u <= upTo && u < distribution.length; u++) sum += distribution[u]!;
  return Math.min(1, sum);
}

/** P(Z > z) for a standard normal Z, from erfc (W. J. Cody's rational approximations, relative error < 1e-14). */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) return 1 - erfSmall(x);
  if (x < 4) return Math.exp(-x * x) * ratio(x, ERFC_MID_P, ERFC_MID_Q);
  const z = 1 / (x * x);
  const r = ratio(z, ERFC_TAIL_P, ERFC_TAIL_Q);
  return (Math.exp(-x * x) / x) * (1 / Math.sqrt(Math.PI) - z * r);
}

function erfSmall(x: number): number {
  const z = x * x;
  return x * ratio(z, ERF_P, ERF_Q);
}

/** p(x)/q(x) for polynomials given highest degree first. */
function ratio(x: number, p: readonly number[], q: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (const c of p) num = num * x + c;
  for (const c of q) den = den * x + c;
  return num / den;
}

const ERF_P = [
  1.85777706184603152673e-1, 3.161123743870565596947, 1.138641541510501556495e2, 3.774852376853020208137e2, 3.209377589138469472562e3,
];
const ERF_Q = [1, 2.360129095234412093499e1, 2.440246379344441733056e2, 1.282616526077372275645e3, 2.844236833439170622273e3];
const ERFC_MID_P = [
  2.15311535474403846343e-8, 5.6418849698867008918e-1, 8.88314979438837594118, 6.61191906371416294775e1, 2.98635138197400131132e2,
  8.81952221241769090411e2, 1.71204761263407058314e3, 2.05107837782607146532e3, 1.23033935479799725272e3,
];
const ERFC_MID_Q = [
  1, 1.57449261107098347253e1, 1.17693950891312499305e2, 5.37181101862009857509e2, 1.62138957456669018874e3, 3.29079923573345962678e3,
  4.3626190901432471582e3, 3.43936767414372163696e3, 1.23033935480374942043e3,
];
const ERFC_TAIL_P = [
  1.63153871373020978498e-2, 3.05326634961232344035e-1, 3.60344899949804439429e-1, 1.25781726111229246204e-1, 1.60837851487422766278e-2,
  6.58749161529837803157e-4,
];
const ERFC_TAIL_Q = [
  1, 2.56852019228982242072, 1.87295284992346047209, 5.27905102951428412248e-1, 6.05183413124413191178e-2, 2.33520497626869185443e-3,
];

export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/**
 * Percentile bootstrap interval of the relative change of medians, median(head)/median(base) - 1, resampling
 * each side independently. Seeded, so the same samples give the same interval.
 */
export function bootstrapChangeInterval(
  base: readonly number[],
  head: readonly number[],
  options: { resamples?: number; level?: number; seed?: number } = {},
): Interval {
  assertSamples(base, 'base');
  assertSamples(head, 'head');
  const { resamples = 2000, level = 0.95, seed = 1 } = options;
  const random = new Random(seed);
  const resampleMedian = (values: readonly number[]): number => {
    const draw = Array.from({ length: values.length }, () => values[Math.floor(random.next() * values.length)]!);
    return quantileSorted(sorted(draw), 0.5);
  };
  const changes: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const baseMedian = resampleMedian(base);
    const headMedian = resampleMedian(head);
    if (baseMedian !== 0) changes.push(headMedian / baseMedian - 1);
  }
  if (changes.length === 0) return { low: Number.NaN, high: Number.NaN, level };
  const ordered = sorted(changes);
  return { low: quantileSorted(ordered, (1 - level) / 2), high: quantileSorted(ordered, 1 - (1 - level) / 2), level };
}

/** Hodges-Lehmann estimate of the shift head - base: the median of all pairwise differences. */
export function hodgesLehmannShift(base: readonly number[], head: readonly number[]): number {
  assertSamples(base, 'base');
  assertSamples(head, 'head');
  const differences: number[] = [];
  for (const h of head) for (const b of base) differences.push(h - b);
  return median(differences);
}

/**
 * A distribution-free interval for the median: the order statistics x(k) and x(n+1-k) with the largest k whose
 * coverage 1 - 2 P(Binomial(n, 1/2) < k) is at least `level`. `level` of the result is the coverage achieved: from
 * fewer than 6 samples no interval reaches 95%, and [min, max] is returned with the coverage it has.
 */
export function medianInterval(samples: readonly number[], level = 0.95): Interval {
  assertSamples(samples);
  const values = sorted(samples);
  const n = values.length;
  const below = binomialHalfCdf(n); // below[k] = P(Binomial(n, 1/2) <= k)
  // [x(k), x(n+1-k)] misses the median when at most k-1 samples lie on one side of it.
  const coverage = (k: number): number => 1 - 2 * below[k - 1]!;
  let k = 1;
  while (k + 1 <= Math.floor((n + 1) / 2) && coverage(k + 1) >= level) k++;
  return { low: values[k - 1]!, high: values[n - k]!, level: coverage(k) };
}

/** P(Binomial(n, 1/2) <= k) for k = 0..n. */
function binomialHalfCdf(n: number): number[] {
  const cdf: number[] = [];
  let term = 0.5 ** n; // C(n, 0) / 2^n
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    sum += term;
    cdf.push(Math.min(1, sum));
    term = (term * (n - k)) / (k + 1);
  }
  return cdf;
}

export interface SignedRankResult {
  /** The sum of the ranks of the positive differences (R's V). */
  v: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
  /** Differences used: zeros are dropped, as Wilcoxon's test does. */
  n: number;
}

/**
 * The Wilcoxon signed-rank test of paired differences against 0, two-sided: exact (the permutation distribution of
 * V) for fewer than 50 non-zero differences without ties, as R's wilcox.test(paired = TRUE) does; otherwise the
 * normal approximation with the tie correction and a continuity correction. Zeros are dropped.
 */
export function signedRankTest(differences: readonly number[]): SignedRankResult {
  assertSamples(differences, 'differences');
  const nonZero = differences.filter((d) => d !== 0);
  const n = nonZero.length;
  if (n === 0) return { v: 0, p: 1, method: 'exact', n: 0 };
  const { ranks, tieGroups } = rank(nonZero.map(Math.abs));
  const v = nonZero.reduce((sum, d, i) => sum + (d > 0 ? ranks[i]! : 0), 0);
  if (n < 50 && tieGroups.length === 0) {
    const distribution = exactSignedRankDistribution(n);
    const lower = cumulative(distribution, Math.floor(v));
    const upper = 1 - cumulative(distribution, Math.ceil(v) - 1);
    return { v, p: Math.min(1, 2 * Math.min(lower, upper)), method: 'exact', n };
  }
  const tieTerm = tieGroups.reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return { v, p: 1, method: 'normal', n };
  const z = (Math.abs(v - (n * (n + 1)) / 4) - 0.5) / Math.sqrt(variance);
  return { v, p: Math.min(1, z <= 0 ? 1 : 2 * normalUpperTail(z)), method: 'normal', n };
}

/** P(V = v) for v = 0..n(n+1)/2: each rank 1..n is positive with probability 1/2. */
function exactSignedRankDistribution(n: number): Float64Array {
  let dist = Float64Array.of(1);
  for (let r = 1; r <= n; r++) {
    const next = new Float64Array(dist.length + r);
    for (let v = 0; v < dist.length; v++) {
      next[v]! += dist[v]! / 2;
      next[v + r]! += dist[v]! / 2;
    }
    dist = next;
  }
  return dist;
}

/** The z with P(Z > z) = p for a standard normal Z (0 < p < 1), by bisection on normalUpperTail. */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a probability between 0 and 1 (exclusive), got ${p}`);
  let low = -40;
  let high = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (normalUpperTail(mid) > p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * The smallest shift of paired differences that a two-sided signed-rank test at `alpha` detects with probability
 * `power`, for n pairs whose differences have standard deviation `sd`: (z(alpha/2) + z(1 - power)) * sd / sqrt(n),
 * inflated for the signed-rank test's efficiency against the t test on normal data (3/pi). In the units of `sd`.
 */
export function minimumDetectableShift(options: { n: number; sd: number; alpha?: number; power?: number }): number {
  const { n, sd, alpha = 0.05, power = 0.8 } = options;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(sd >= 0 && Number.isFinite(sd))) throw new RangeError(`sd must be a finite number >= 0, got ${sd}`);
  const z = normalUpperQuantile(alpha / 2) + normalUpperQuantile(1 - power);
  return (z * sd) / Math.sqrt((n * 3) / Math.PI);
}

/** Sample standard deviation (n - 1 in the denominator); 0 for a single value. */
export function standardDeviation(samples: readonly number[]): number {
  assertSamples(samples);
  if (samples.length < 2) return 0;
  const m = mean(samples);
  return Math.sqrt(samples.reduce((sum, v) => sum + (v - m) ** 2, 0) / (samples.length - 1));
}

/**
 * A standard deviation that one outlier does not move: 1.4826 times the median absolute deviation (equal to the sd on
 * normal data). One round hit by a neighbour's burst inflates the plain sd; it leaves this where the other rounds put it.
 */
export function robustSd(samples: readonly number[]): number {
  assertSamples(samples);
  const mid = median(samples);
  return 1.4826 * median(samples.map((value) => Math.abs(value - mid)));
}

/**
 * Whether the last `windows` rates agree within `tolerance`: their range is at most `tolerance` times their median.
 * A warm-up runs until this holds (or its bound).
 */
export function isSteady(rates: readonly number[], options: { windows: number; tolerance: number }): boolean {
  if (rates.length < options.windows) return false;
  const last = rates.slice(-options.windows);
  const mid = median(last);
  if (mid <= 0) return false;
  return (Math.max(...last) - Math.min(...last)) / mid <= options.tolerance;
}
