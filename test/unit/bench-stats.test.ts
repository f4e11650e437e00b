import { describe, expect, it } from 'vitest';
import {
  bootstrapChangeInterval,
  geometricMean,
  hodgesLehmannShift,
  isSteady,
  mannWhitneyU,
  medianInterval,
  minimumDetectableShift,
  minSamplesForPercentile,
  normalUpperQuantile,
  normalUpperTail,
  percentile,
  quantile,
  signedRankTest,
  smallestPossibleP,
  summarize,
} from '../../src/features/bench/stats';
import { seededRandom } from '../support/bench-reports';

describe('summarize', () => {
  it('gives the median, quartiles (R type 7), IQR and MAD of the samples, and no p95 or p99 of five', () => {
    expect(summarize([7, 1, 3, 5, 100])).toEqual({
      n: 5,
      min: 1,
      max: 100,
      mean: 23.2,
      median: 5,
      q1: 3,
      q3: 7,
      iqr: 4,
      mad: 2, // |x - 5| = 4, 2, 0, 2, 95 -> median 2
    });
  });

  it('gives p95 from 40 samples and p99 from 200', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(summarize(values(39))).not.toHaveProperty('p95');
    expect(summarize(values(40)).p95).toBeCloseTo(38.05, 10); // 1 + 0.95 * 39
    expect(summarize(values(199))).not.toHaveProperty('p99');
    expect(summarize(values(200)).p99).toBeCloseTo(198.01, 10);
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

describe('percentiles only where the sample supports them', () => {
  it('needs two samples expected beyond the percentile: p50 from 4, p90 from 20, p95 from 40, p99 from 200', () => {
    expect([50, 90, 95, 99, 99.9].map(minSamplesForPercentile)).toEqual([4, 20, 40, 200, 2000]);
    expect(minSamplesForPercentile(5)).toBe(40); // the lower tail alike
    expect(() => minSamplesForPercentile(100)).toThrow('between 0 and 100');
    expect(() => minSamplesForPercentile(0)).toThrow('between 0 and 100');
  });

  it('a "p99" of 20 workflows is no percentile: it is absent, not the maximum', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => 100 + i);
    expect(percentile(twenty, 99)).toBeUndefined();
    expect(percentile(twenty, 95)).toBeUndefined();
    expect(percentile(twenty, 90)).toBeCloseTo(117.1, 10);
    expect(percentile(twenty, 50)).toBe(109.5);
  });
});

describe('signedRankTest', () => {
  // R: wilcox.test(x, y, paired = TRUE) on Hollander & Wolfe's depression scores (its documented example): V = 40.
  it('matches R’s exact paired test (V = 40, two-sided p = 0.03906)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const result = signedRankTest(x.map((v, i) => v - y[i]!));
    expect(result).toEqual({ v: 40, p: 0.0390625, method: 'exact', n: 9 });
  });

  it('drops zero differences and reaches 2 / 2^n when every difference has one sign', () => {
    expect(signedRankTest([0, 1, 2, 3, 4, 5, 6])).toEqual({ v: 21, p: 2 / 64, method: 'exact', n: 6 });
    expect(signedRankTest([0, 0]).p).toBe(1);
  });

  it('agrees with its normal approximation where both apply (49 differences without ties)', () => {
    const random = seededRandom(3);
    const differences = Array.from({ length: 49 }, () => random() - 0.35);
    const exact = signedRankTest(differences);
    const tied = signedRankTest([...differences, differences[0]!]); // one tie: the normal approximation
    expect(exact.method).toBe('exact');
    expect(tied.method).toBe('normal');
    expect(Math.abs(exact.p - tied.p)).toBeLessThan(0.01);
  });
});

describe('medianInterval', () => {
  it('takes the order statistics whose binomial coverage reaches 95%: x(6) and x(15) of 20', () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    const interval = medianInterval(values);
    expect(interval.low).toBe(60);
    expect(interval.high).toBe(150);
    expect(interval.level).toBeCloseTo(0.9586105346679688, 12);
  });

  it('says the coverage it reaches when too few samples reach 95%: [min, max] of 5 covers 93.75%', () => {
    expect(medianInterval([5, 1, 4, 2, 3])).toEqual({ low: 1, high: 5, level: 0.9375 });
  });
});

describe('minimumDetectableShift', () => {
  it('is (z(alpha/2) + z(1 - power)) sd / sqrt(n), inflated by the signed-rank test’s efficiency (3/pi)', () => {
    expect(normalUpperQuantile(0.025)).toBeCloseTo(1.959963984540054, 9);
    expect(normalUpperQuantile(0.2)).toBeCloseTo(0.8416212335729143, 9);
    const expected = ((1.959963984540054 + 0.8416212335729143) * 0.05) / Math.sqrt((20 * 3) / Math.PI);
    expect(minimumDetectableShift({ n: 20, sd: 0.05 })).toBeCloseTo(expected, 9);
    expect(minimumDetectableShift({ n: 20, sd: 0.05 })).toBeCloseTo(0.0321, 4);
  });

  it('a shift of that size is found in about 80% of seeded trials (normal differences, signed-rank test at 0.05)', () => {
    const random = seededRandom(11);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const n = 24;
    const sd = 0.06;
    const shift = minimumDetectableShift({ n, sd });
    const trials = 400;
    let detected = 0;
    for (let t = 0; t < trials; t++) {
      if (signedRankTest(Array.from({ length: n }, () => shift + sd * normal())).p < 0.05) detected++;
    }
    expect(detected / trials).toBeGreaterThan(0.72);
    expect(detected / trials).toBeLessThan(0.88);
  });
});

describe('isSteady', () => {
  it('holds when the last windows agree within the tolerance of their median', () => {
    expect(isSteady([10, 30, 34, 35, 33.5], { windows: 3, tolerance: 0.1 })).toBe(true);
    expect(isSteady([10, 30, 34, 35, 30], { windows: 3, tolerance: 0.1 })).toBe(false);
    expect(isSteady([34, 35], { windows: 3, tolerance: 0.1 })).toBe(false);
    expect(isSteady([0, 0, 0], { windows: 3, tolerance: 0.1 })).toBe(false);
  });
});
