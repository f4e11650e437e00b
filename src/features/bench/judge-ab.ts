/**
 * Judge an A/B report alone: it holds the base and the head, measured in pairs of rounds back to back in one run
 * (paired.ts), and both sides' counted costs (counts.ts). Pure: a report in, a Comparison out, so `bench run --base`
 * and `bench compare ab.json` (another threshold, say) give the same verdict from the same report.
 *
 * A measured row is a regression when the signed-rank test of the pairs' log cost ratios is significant and their
 * median exceeds the threshold, however noisy the run (the p-value holds). A primary row that is no regression must
 * also have been able to see the threshold (what it could detect, from the pairs' robust spread, at most the
 * threshold, from at least MIN_JUDGED_PAIRS pairs); otherwise the verdict is "cannot judge", never a pass. Supporting
 * rows can fail the gate but never make it "cannot judge"; informational rows are shown and never judged. A
 * `--quick` run's 4 pairs cannot reach p < 0.05, so it judges its counted costs only.
 */
import { type CompareOptions, type Comparison, type ComparisonRow, countedRow, geomeanOf, verdictOf } from './compare.ts';
import { comparePaired, DEFAULT_GATE, MIN_JUDGED_PAIRS } from './paired.ts';
import type { Benchmark, BenchReport } from './report.ts';
import { summarize } from './stats.ts';

export function judgeAbReport(report: BenchReport, options: CompareOptions): Comparison {
  const rows = [
    ...report.benchmarks.map((b) => pairedRow(b, report.run.quick, options)),
    ...(report.counted ?? []).map((c) => countedRow(c, c.baseWorkflows ?? {}, c.workflows, c.tolerancePercent)),
  ];
  const side = { environment: report.environment, run: report.run };
  return {
    base: side,
    head: side,
    options,
    rows,
    geomean: geomeanOf(rows),
    environmentDifferences: [],
    busyMachine: [],
    quickMismatch: false,
    mode: 'ab',
    ...verdictOf(rows),
  };
}

/** One measured benchmark's pairs, judged. */
export function pairedRow(b: Benchmark, quick: boolean, options: CompareOptions): ComparisonRow {
  const pairs = b.pairs!;
  const judgement = comparePaired(pairs.base, pairs.head, b.direction, {
    alpha: options.alpha,
    power: options.power ?? DEFAULT_GATE.power,
  });
  const { costPercent, p, detectablePercent } = judgement;
  const significant = p < options.alpha;
  const status = !significant || costPercent === 0 ? 'unchanged' : costPercent > 0 ? 'regression' : 'improvement';
  const role = b.role ?? 'primary';
  const row: ComparisonRow = {
    id: b.id,
    suite: b.suite,
    name: b.name,
    unit: b.unit,
    direction: b.direction,
    base: summarize(pairs.base),
    head: summarize(pairs.head),
    baseSamples: pairs.base,
    headSamples: pairs.head,
    // The change of a paired row is the median of the pairs' cost ratios: positive is worse, throughput inverted.
    changePercent: costPercent,
    costPercent,
    interval: judgement.interval,
    p,
    test: pairs.base.length < 50 ? 'exact' : 'normal',
    status,
    exceedsThreshold: status === 'regression' && costPercent > options.thresholdPercent && role !== 'informational',
    kind: 'paired',
    role,
    detectablePercent,
    pairs: judgement.pairs,
  };
  return gatePaired(row, quick, options);
}

function gatePaired(row: ComparisonRow, quick: boolean, options: CompareOptions): ComparisonRow {
  const threshold = options.thresholdPercent;
  if (row.role === 'informational') return { ...row, status: 'not-judged', reason: 'informational: shown, never judged' };
  if (quick)
    return {
      ...row,
      status: 'not-judged',
      exceedsThreshold: false,
      reason: `--quick: ${row.pairs} pairs cannot reach p < ${options.alpha}`,
    };
  if (row.status === 'regression') return row;
  const pairs = row.pairs!;
  const detectable = row.detectablePercent!;
  if (pairs >= MIN_JUDGED_PAIRS && detectable <= threshold) return row;
  const reason =
    pairs < MIN_JUDGED_PAIRS
      ? `${pairs} pairs: a spread from fewer than ${MIN_JUDGED_PAIRS} is not trusted`
      : `could detect ${detectable.toFixed(1)}% with ${pairs} pairs, not the ${threshold}% threshold; about ${pairsFor(pairs, detectable, threshold)} pairs would at this noise, or a quieter machine`;
  return { ...row, status: row.role === 'supporting' ? 'not-judged' : 'cannot-judge', reason };
}

/** Pairs that would detect `threshold` at the spread that made `pairs` detect `detectable` (MDE shrinks as 1/sqrt(n)). */
function pairsFor(pairs: number, detectable: number, threshold: number): number {
  return Math.ceil(pairs * (Math.log1p(detectable / 100) / Math.log1p(threshold / 100)) ** 2);
}
