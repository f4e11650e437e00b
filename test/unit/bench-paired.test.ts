/**
 * The paired statistics of an A/B run and the honest gate: a change is found where it is, an A/A run is rarely
 * flagged, a run too noisy to see the threshold says "cannot judge" instead of passing, and stopping by the spread
 * keeps the test's level. Seeded simulations with heavy-tailed noise (Student t, 3 df), as rounds under load have.
 */
import { describe, expect, it } from 'vitest';
import { judgeAbReport } from '../../src/features/bench/judge-ab';
import { comparePaired, enoughPairs, logCostRatios, MIN_JUDGED_PAIRS, unpairedDetectablePercent } from '../../src/features/bench/paired';
import { benchmark, type BenchReport, REPORT_SCHEMA } from '../../src/features/bench/report';
import { planPairs, sidesOf } from '../../src/features/bench/rounds';
import { seededRandom, TEST_ENVIRONMENT } from '../support/bench-reports';

const GATE = { thresholdPercent: 10, alpha: 0.05 };

/** A noise source: Student t with 3 degrees of freedom, scaled so that its robust sd (1.4826 MAD) is `sigma`. */
function heavyNoise(seed: number): (sigma: number) => number {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return (sigma) => ((normal() / Math.sqrt((normal() ** 2 + normal() ** 2 + normal() ** 2) / 3)) * sigma) / (1.4826 * 0.765);
}

/** `n` pairs of rounds whose head costs `change` percent more, each pair sharing the machine's state. */
function pairsOf(noise: (sigma: number) => number, n: number, change: number, sigma: number): { base: number[]; head: number[] } {
  const base: number[] = [];
  const head: number[] = [];
  for (let i = 0; i < n; i++) {
    const shared = 100 * Math.exp(noise(0.3)); // the load both rounds of a pair saw: cancelled by the ratio
    base.push(shared * Math.exp(noise(sigma / 2)));
    head.push(shared * (1 + change / 100) * Math.exp(noise(sigma / 2)));
  }
  return { base, head };
}

/** The gate's verdict of paired rounds, with pairs added in blocks of two until the target is reached (as a run does). */
function gate(seed: number, change: number, sigma: number, plan = { min: 20, max: 60, targetPercent: 8 }): string {
  const noise = heavyNoise(seed);
  const { base, head } = pairsOf(noise, plan.min, change, sigma);
  while (!enoughPairs(base.length, [comparePaired(base, head, 'lower-is-better').detectablePercent], plan)) {
    const more = pairsOf(noise, 2, change, sigma);
    base.push(...more.base);
    head.push(...more.head);
  }
  const report = abReport(base, head);
  return judgeAbReport(report, GATE).verdict;
}

function abReport(base: number[], head: number[], role: 'primary' | 'supporting' = 'primary', quick = false): BenchReport {
  return {
    schema: REPORT_SCHEMA,
    environment: TEST_ENVIRONMENT,
    run: { suites: ['throughput'], quick, durationMs: 1, mode: 'ab', seed: 1 },
    benchmarks: [
      benchmark({
        suite: 'throughput',
        name: 'x/c1/latency-p25',
        unit: 'ms',
        direction: 'lower-is-better',
        samples: head,
        params: {},
        role,
        pairs: { base, head, order: planPairs(base.length, 1).slice(0, base.length) },
      }),
    ],
  };
}

describe('comparePaired', () => {
  it('takes the median of the pairs’ log cost ratios as the change, throughput inverted so positive is worse', () => {
    const judgement = comparePaired([100, 100, 100], [110, 120, 130], 'lower-is-better');
    expect(judgement.costPercent).toBeCloseTo(20, 10);
    expect(comparePaired([10, 10, 10], [8, 8, 8], 'higher-is-better').costPercent).toBeCloseTo(25, 10);
  });

  it('cancels what the machine did to both rounds of a pair: a 5% change under a load that triples some pairs', () => {
    const base = [100, 300, 110, 290, 105, 310, 95, 305, 102, 298, 99, 301];
    const head = base.map((b, i) => b * 1.05 * (1 + (i % 3) * 0.005));
    const judgement = comparePaired(base, head, 'lower-is-better');
    expect(judgement.costPercent).toBeGreaterThan(5);
    expect(judgement.costPercent).toBeLessThan(6.1);
    expect(judgement.p).toBeLessThan(0.01);
    expect(judgement.detectablePercent).toBeLessThan(1);
  });

  it('says it could detect nothing from fewer than MIN_JUDGED_PAIRS pairs (a spread of 4 pairs is not trusted)', () => {
    expect(comparePaired([1, 2, 3, 4], [1, 2, 3, 4.1], 'lower-is-better').detectablePercent).toBe(Infinity);
    const ten = Array.from({ length: MIN_JUDGED_PAIRS }, (_, i) => 100 + i);
    expect(
      Number.isFinite(
        comparePaired(
          ten,
          ten.map((v) => v * 1.01),
          'lower-is-better',
        ).detectablePercent,
      ),
    ).toBe(true);
  });

  it('refuses pairs of unequal length and values of 0 or less, which have no log ratio', () => {
    expect(() => logCostRatios([1, 2], [1], 'lower-is-better')).toThrow('pairs need as many base values as head values, got 2 and 1');
    expect(() => logCostRatios([1, 0], [1, 1], 'lower-is-better')).toThrow('paired values must be above 0, got 0 and 1 in pair 1');
  });
});

describe('the A/B gate on seeded simulated runs (t(3) noise, auto pairs 20..60 to detect 8%)', () => {
  const tally = (change: number, sigma: number, trials: number): Record<string, number> => {
    const counts: Record<string, number> = { fail: 0, pass: 0, 'cannot-judge': 0 };
    for (let t = 0; t < trials; t++) counts[gate(10_000 * sigma + 100 * change + t, change, sigma)]!++;
    return counts;
  };

  it('flags A/A in at most alpha of the runs, and passes nearly all the rest (robust sd 12%)', () => {
    const counts = tally(0, 0.12, 300);
    expect(counts.fail! / 300).toBeLessThanOrEqual(0.05);
    expect(counts.pass! / 300).toBeGreaterThanOrEqual(0.9);
  });

  it('flags a change of 1.4 times the threshold in most runs (robust sd 12%)', () => {
    const counts = tally(14, 0.12, 200);
    expect(counts.fail! / 200).toBeGreaterThanOrEqual(0.8);
  });

  it('says "cannot judge" instead of passing when even 60 pairs cannot see the threshold (robust sd 60%)', () => {
    const counts = tally(0, 0.6, 100);
    expect(counts['cannot-judge']! / 100).toBeGreaterThanOrEqual(0.9);
    // A spread estimated low by chance lets the odd run through: the estimate is of 60 pairs, not the truth.
    expect(counts.pass! / 100).toBeLessThanOrEqual(0.03);
  });
});

describe('judgeAbReport', () => {
  it('a supporting row that cannot see the threshold is "not judged", and the verdict stays pass', () => {
    const noise = heavyNoise(5);
    const { base, head } = pairsOf(noise, 20, 0, 0.8);
    const comparison = judgeAbReport(abReport(base, head, 'supporting'), GATE);
    expect(comparison.rows[0]!.status).toBe('not-judged');
    expect(comparison.verdict).toBe('pass');
  });

  it('a --quick run judges no wall-clock row: 4 pairs cannot reach p < 0.05', () => {
    const comparison = judgeAbReport(abReport([1, 2, 3, 4], [2, 4, 6, 8], 'primary', true), GATE);
    expect(comparison.rows[0]).toMatchObject({ status: 'not-judged', reason: '--quick: 4 pairs cannot reach p < 0.05' });
    expect(comparison.verdict).toBe('pass');
  });

  it('says what would make a noisy run judgeable: more pairs, or a quieter machine', () => {
    const noise = heavyNoise(9);
    const { base, head } = pairsOf(noise, 20, 0, 0.4);
    const comparison = judgeAbReport(abReport(base, head), GATE);
    expect(comparison.verdict).toBe('cannot-judge');
    expect(comparison.cannotJudge[0]!.reason).toMatch(
      /^could detect \d+\.\d% with 20 pairs, not the 10% threshold; about \d+ pairs would at this noise, or a quieter machine$/,
    );
  });
});

describe('unpairedDetectablePercent', () => {
  it('grows with the spread and shrinks with the samples; nothing from fewer than 3', () => {
    const spread = (sigma: number, n: number): number[] => Array.from({ length: n }, (_, i) => 100 * Math.exp(sigma * (i / (n - 1) - 0.5)));
    expect(unpairedDetectablePercent(spread(0.1, 10), spread(0.1, 10))).toBeLessThan(
      unpairedDetectablePercent(spread(0.3, 10), spread(0.3, 10)),
    );
    expect(unpairedDetectablePercent(spread(0.3, 40), spread(0.3, 40))).toBeLessThan(
      unpairedDetectablePercent(spread(0.3, 10), spread(0.3, 10)),
    );
    expect(unpairedDetectablePercent([1, 2], [1, 2, 3])).toBe(Infinity);
  });
});

describe('planPairs', () => {
  it('gives blocks of two pairs, AB BA or BA AB, the same for the same seed', () => {
    const orders = planPairs(40, 7);
    expect(orders).toEqual(planPairs(40, 7));
    expect(orders).not.toEqual(planPairs(40, 8));
    for (let i = 0; i < orders.length; i += 2) expect(orders[i]).not.toBe(orders[i + 1]);
    expect(new Set(orders.filter((_, i) => i % 2 === 0)).size).toBe(2); // both orientations occur
    expect(sidesOf('head-first')).toEqual(['head', 'base']);
  });
});

describe('enoughPairs', () => {
  it('never before the minimum, always at the maximum, in between once every primary row detects the target', () => {
    const plan = { min: 20, max: 60, targetPercent: 8 };
    expect(enoughPairs(18, [1], plan)).toBe(false);
    expect(enoughPairs(20, [7.9, 8], plan)).toBe(true);
    expect(enoughPairs(20, [7.9, 8.1], plan)).toBe(false);
    expect(enoughPairs(60, [Infinity], plan)).toBe(true);
  });
});
