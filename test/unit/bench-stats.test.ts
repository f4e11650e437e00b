import { describe, expect, it } from 'vitest';
import {
  bootstrapChangeInterval,
  geometricMean,
  hodgesLehmannShift,
  mannWhitneyU,
  normalUpperTail,
  quantile,
  smallestPossibleP,
  summarize,
} from '../../src/bench/stats';

describe('summarize', () => {
  it('gives the median, quartiles (R type 7), IQR and MAD of the samples', () => {
    const summary = summarize([7, 1, 3, 5, 100]);
    expect({ ...summary, p95: undefined, p99: undefined }).toEqual({
      n: 5,
      min: 1,
      max: 100,
      mean: 23.2,
      median: 5,
      q1: 3,
      q3: 7,
      iqr: 4,
      mad: 2, // |x - 5| = 4, 2, 0, 2, 95 -> median 2
      p95: undefined,
      p99: undefined,
    });
    expect(summary.p95).toBeCloseTo(81.4, 10); // 7 + 0.8 * (100 - 7)
    expect(summary.p99).toBeCloseTo(96.28, 10);
  });

  it('interpolates quantiles between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([42], 0.99)).toBe(42);
  });

  it('refuses empty and non-finite samples', () => {
    expect(() => summarize([])).toThrow('samples is empty');
    expect(() => summarize([1, Number.NaN])).toThrow('non-finite');
  });
});

describe('mannWhitneyU', () => {
  // Reference values: scipy 1.17 stats.mannwhitneyu and R's wilcox.test give the same numbers.
  it('matches scipy’s documented example exactly (males vs females, U = 17, p = 0.1111)', () => {
    const result = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(result.method).toBe('exact');
    expect(result.u).toBe(17);
    expect(result.p).toBeCloseTo(0.1111111111111111, 12);
  });

  it('matches R’s wilcox.test example from Hollander & Wolfe (W = 35, two-sided p = 0.2544)', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const result = mannWhitneyU(x, y);
    expect(result.method).toBe('exact');
    expect(result.u).toBe(35);
    expect(result.p).toBeCloseTo(0.2544122544122544, 12);
  });

  it('uses the normal approximation with tie and continuity corrections when values tie (scipy: p = 0.006373)', () => {
    const result = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5], [3, 4, 4, 5, 5, 6, 6, 7, 8]);
    expect(result.method).toBe('normal');
    expect(result.u).toBe(7.5);
    expect(result.p).toBeCloseTo(0.006373133838085873, 12);
  });

  it('uses the normal approximation for samples of 50 or more (scipy: U = 1671, p = 0.04538)', () => {
    const x = Array.from({ length: 60 }, (_, i) => i * 1.01 + 0.3);
    const y = Array.from({ length: 70 }, (_, i) => i * 1.1);
    const result = mannWhitneyU(x, y);
    expect(result.method).toBe('normal');
    expect(result.u).toBe(1671);
    expect(result.p).toBeCloseTo(0.04537547630548054, 12);
  });

  it('is symmetric in its arguments and gives p = 1 for identical samples', () => {
    const a = [3.1, 2.7, 4.4, 5.0];
    const b = [1.2, 6.3, 2.2, 0.9, 7.7];
    expect(mannWhitneyU(a, b).p).toBeCloseTo(mannWhitneyU(b, a).p, 12);
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
    expect(mannWhitneyU(a, a).p).toBe(1);
  });

  it('reaches its smallest p when the samples do not overlap: 2 / C(m+n, m)', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 12);
    expect(smallestPossibleP(5, 5)).toBeCloseTo(2 / 252, 12);
    expect(smallestPossibleP(3, 3)).toBeCloseTo(0.1, 12); // three samples each can never be significant at 0.05
  });
});

describe('normalUpperTail', () => {
  it('matches scipy.stats.norm.sf to near double precision', () => {
    expect(normalUpperTail(1.96)).toBeCloseTo(0.024997895148220435, 14);
    expect(normalUpperTail(0.3)).toBeCloseTo(0.3820885778110474, 14);
    expect(normalUpperTail(5) / 2.866515718791933e-7).toBeCloseTo(1, 12);
    expect(normalUpperTail(9) / 1.1285884059538324e-19).toBeCloseTo(1, 12);
    expect(normalUpperTail(-1.96)).toBeCloseTo(1 - 0.024997895148220435, 14);
  });
});

describe('change estimates', () => {
  it('geometric mean of ratios', () => {
    expect(geometricMean([1.1, 1 / 1.1])).toBeCloseTo(1, 12);
    expect(geometricMean([2, 8])).toBeCloseTo(4, 12);
    expect(() => geometricMean([1, 0])).toThrow('positive');
  });

  it('Hodges-Lehmann shift is the median of pairwise differences', () => {
    expect(hodgesLehmannShift([1, 2, 3], [11, 12, 13])).toBe(10);
  });

  it('the bootstrap interval of the change is reproducible from its seed and covers a clear shift', () => {
    const base = [100, 101, 99, 102, 98, 100, 101, 99];
    const head = base.map((v) => v * 1.2);
    const interval = bootstrapChangeInterval(base, head, { seed: 7 });
    expect(bootstrapChangeInterval(base, head, { seed: 7 })).toEqual(interval);
    expect(interval.level).toBe(0.95);
    expect(interval.low).toBeLessThanOrEqual(0.2);
    expect(interval.high).toBeGreaterThanOrEqual(0.2);
    expect(interval.low).toBeGreaterThan(0.15);
  });
});
