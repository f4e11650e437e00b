/**
 * Compare two benchmark reports taken apart (a base and a head): pure (two reports in, rows and a verdict out), so
 * it is tested without a clock. An A/B report, which holds both sides, is judged alone (judge-ab.ts) into the same
 * Comparison.
 *
 * Per measured benchmark (matched by id): both medians with their spread, the change of the median in percent, a
 * Mann-Whitney U test on the samples (`~` when p >= alpha, as benchstat prints), a bootstrap interval of the
 * change, whether a significant regression exceeds the threshold, and the smallest change the two sets of samples
 * could detect. Per counted cost: the exact comparison of counts.ts. Then a geometric mean of the cost ratios and
 * the verdict, of three values: fail (exit 1) on a significant regression beyond the threshold, whatever the noise;
 * else cannot judge (exit 2) when a primary row could not have seen the threshold: its samples too noisy, or a
 * report measured while other work took more than a quarter of the machine (the drift between two runs is in
 * neither's spread); else pass.
 *
 * Inputs no gate can use are an error (a UsageError, exit 2), never a pass: a benchmark of the base that the head
 * lacks, a benchmark whose unit or direction changed, and samples too few for any change to be significant.
 * Reports are validated (report-parse.ts) before they get here.
 */
import { compareCounts, type CountJudgement } from './counts.ts';
import { formatEnvironmentValue } from './format.ts';
import { DEFAULT_GATE, unpairedDetectablePercent } from './paired.ts';
import type { Benchmark, BenchmarkRole, BenchReport, CountedBenchmark, Direction, Environment, RunInfo } from './report.ts';
import {
  bootstrapChangeInterval,
  geometricMean,
  type Interval,
  mannWhitneyU,
  smallestPossibleP,
  type Summary,
  summarize,
} from './stats.ts';
import { UsageError } from '../../base/errors.ts';

export interface CompareOptions {
  /** A significant regression larger than this (percent change of the median) fails the comparison. */
  thresholdPercent: number;
  /** Significance level of the tests. */
  alpha: number;
  /** The power at which "could detect" is computed (default 0.8). */
  power?: number;
  /**
   * Separate reports: a report whose median other work (cores of CPU not the run's own) exceeded this share of its
   * cores cannot carry a wall-clock verdict (default a quarter).
   */
  maxOtherWorkShare?: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { thresholdPercent: 10, alpha: 0.05 };
export const DEFAULT_MAX_OTHER_WORK_SHARE = 0.25;

/**
 * - `regression` / `improvement`: the change is significant (p < alpha; a counted cost: certain) and makes things
 *   worse / better;
 * - `unchanged`: not significant (`~`), or the medians are equal, and the run could have seen the threshold;
 * - `cannot-judge`: a primary row that is no regression and could not have seen the threshold (`reason` says why):
 *   the verdict is "cannot judge" (exit 2), never a pass;
 * - `not-judged`: a supporting row in that case, or an informational row: shown, never deciding the verdict;
 * - `only-in-head`: a new benchmark, which the base cannot have measured;
 * - `omitted-in-head`: the head report says why it did not report this benchmark of the base (a percentile its
 *   samples cannot support, say): shown with the reason, judged by nothing.
 */
export type RowStatus = 'regression' | 'improvement' | 'unchanged' | 'cannot-judge' | 'not-judged' | 'only-in-head' | 'omitted-in-head';

/** The names of the compared files, for messages. */
export interface ReportSources {
  base: string;
  head: string;
}

export interface ComparisonRow {
  id: string;
  suite: string;
  name: string;
  unit: string;
  direction: Direction;
  base?: Summary;
  head?: Summary;
  baseSamples?: number[];
  headSamples?: number[];
  /** (median(head) / median(base) - 1) * 100; Infinity when the base median is 0 and the head's is not. */
  changePercent?: number;
  /**
   * The change of cost in percent: changePercent for lower-is-better, (median(base) / median(head) - 1) * 100 for
   * higher-is-better, so positive is always worse and a throughput falling to zero is an infinite cost. The
   * threshold applies to it.
   */
  costPercent?: number;
  /** Bootstrap 95% interval of the change, in percent. */
  interval?: Interval;
  /** Two-sided Mann-Whitney p-value. */
  p?: number;
  test?: 'exact' | 'normal';
  status: RowStatus;
  /** A significant regression whose change of cost exceeds the threshold: this fails the comparison. */
  exceedsThreshold: boolean;
  /** What a reader should know about the row: an unbounded change, params that changed between the runs. */
  note?: string;
  /** measured: two sets of samples; paired: an A/B report's rounds; counted: counts per workflow, compared exactly. */
  kind?: 'measured' | 'paired' | 'counted';
  role?: BenchmarkRole;
  /** The smallest change of cost (percent) the samples or pairs could detect with the gate's power at its alpha. */
  detectablePercent?: number;
  /** Pairs of an A/B row. */
  pairs?: number;
  /** Why a row cannot be judged or is not judged. */
  reason?: string;
  /** A counted row's judgement. */
  counts?: CountJudgement;
}

export interface GeomeanSummary {
  /** Geometric mean of the cost ratios (head/base for lower-is-better, base/head for higher-is-better). */
  costRatio: number;
  /** (costRatio - 1) * 100: positive means worse overall. */
  changePercent: number;
  /** Benchmarks included (both medians positive: a ratio with a zero median has no logarithm). */
  count: number;
}

export interface Comparison {
  base: { environment: Environment; run: RunInfo };
  head: { environment: Environment; run: RunInfo };
  options: CompareOptions;
  rows: ComparisonRow[];
  geomean?: GeomeanSummary;
  /** Environment fields that differ and make the numbers harder to compare (machine, runtime, versions). */
  environmentDifferences: { field: keyof Environment; base: string; head: string }[];
  /** Reports measured while other work competed for the CPU (see BUSY_LOAD_PER_CORE). */
  busyMachine: { report: 'base' | 'head'; loadAverageMax: number; cpuCores: number }[];
  /** One report is a `--quick` run and the other is not: their counts differ, so their numbers do too. */
  quickMismatch: boolean;
  /** `separate`: two reports; `ab`: one A/B report holding both sides. */
  mode: 'separate' | 'ab';
  /** fail: a regression beyond the threshold; cannot-judge: no regression, but a primary row could not have seen one. */
  verdict: 'pass' | 'fail' | 'cannot-judge';
  /** Ids of the rows that failed the verdict. */
  failures: string[];
  /** The rows that make the verdict "cannot judge", and why. */
  cannotJudge: { id: string; reason: string }[];
}

/** The verdict of a comparison's rows: any regression beyond the threshold fails; else any cannot-judge row; else pass. */
export function verdictOf(rows: readonly ComparisonRow[]): Pick<Comparison, 'verdict' | 'failures' | 'cannotJudge'> {
  const failures = rows.filter((row) => row.exceedsThreshold).map((row) => row.id);
  const cannotJudge = rows
    .filter((row) => row.status === 'cannot-judge')
    .map((row) => ({ id: row.id, reason: row.reason ?? 'cannot judge' }));
  return { verdict: failures.length > 0 ? 'fail' : cannotJudge.length > 0 ? 'cannot-judge' : 'pass', failures, cannotJudge };
}

/**
 * A run whose 1-minute load average went above this many times the core count shared the machine with other work.
 * The benchmark alone keeps about two cores busy (server, services, worker), which this leaves room for.
 */
export const BUSY_LOAD_PER_CORE = 1.5;

const COMPARED_ENVIRONMENT: readonly (keyof Environment)[] = [
  'cpuModel',
  'cpuCores',
  'nodeVersion',
  'sdkVersion',
  'temporalCliVersion',
  'testServerVersion',
  'platform',
  'arch',
  'devServerConfig',
];

export function compareReports(
  base: BenchReport,
  head: BenchReport,
  options: CompareOptions = DEFAULT_COMPARE_OPTIONS,
  sources: ReportSources = { base: 'base', head: 'head' },
): Comparison {
  assertJudgeable(base, head, options, sources);
  const headById = new Map(head.benchmarks.map((h) => [h.id, h]));
  const omittedInHead = new Map((head.omitted ?? []).map((o) => [o.id, o.reason]));
  const baseIds = new Set(base.benchmarks.map((b) => b.id));
  const busy = busyReports(base, head, options);
  const compared = base.benchmarks.map((b): ComparisonRow => {
    const h = headById.get(b.id);
    if (!h) return omittedRow(b, omittedInHead.get(b.id)!);
    const row = compareSamples(
      { id: b.id, suite: b.suite, name: b.name, unit: b.unit, direction: b.direction },
      b.samples,
      h.samples,
      options,
    );
    const changed = changedParams(b.params, h.params);
    const note = [row.note, changed && `params changed between the runs (${changed})`].filter(Boolean).join('; ');
    return gateSeparate({ ...row, role: h.role ?? 'primary', ...(note ? { note } : {}) }, options, busy);
  });
  const added = head.benchmarks.filter((h) => !baseIds.has(h.id)).map(addedRow);
  const rows = [...compared, ...added, ...countedRows(base.counted, head.counted)];
  return {
    base: { environment: base.environment, run: base.run },
    head: { environment: head.environment, run: head.run },
    options,
    rows,
    geomean: geomeanOf(rows),
    environmentDifferences: COMPARED_ENVIRONMENT.map((field) => ({
      field,
      base: formatEnvironmentValue(base.environment[field]),
      head: formatEnvironmentValue(head.environment[field]),
    })).filter((difference) => difference.base !== difference.head),
    busyMachine: (['base', 'head'] as const).flatMap((side) => {
      const { run, environment } = side === 'base' ? base : head;
      return run.loadAverageMax !== undefined && run.loadAverageMax > BUSY_LOAD_PER_CORE * environment.cpuCores
        ? [{ report: side, loadAverageMax: run.loadAverageMax, cpuCores: environment.cpuCores }]
        : [];
    }),
    quickMismatch: base.run.quick !== head.run.quick,
    mode: 'separate',
    ...verdictOf(rows),
  };
}

/** A base benchmark the head did not report, with the head's reason: shown, judged by nothing. */
function omittedRow(b: Benchmark, reason: string): ComparisonRow {
  const common = { id: b.id, suite: b.suite, name: b.name, unit: b.unit, direction: b.direction };
  return {
    ...common,
    base: summarize(b.samples),
    baseSamples: b.samples,
    status: 'omitted-in-head',
    exceedsThreshold: false,
    note: `not reported by head: ${reason}`,
  };
}

/** A benchmark only the head has: new, judged by nothing. */
function addedRow(h: Benchmark): ComparisonRow {
  const common = { id: h.id, suite: h.suite, name: h.name, unit: h.unit, direction: h.direction };
  return { ...common, head: summarize(h.samples), headSamples: h.samples, status: 'only-in-head', exceedsThreshold: false };
}

/**
 * Why wall-clock rows of these two reports cannot carry a verdict, if they cannot: a report measured on a shared
 * cluster (an external one), or while other work took more than a share of its cores (its median over the samples),
 * or, for a report that did not measure other work (v1, macOS), whose load average went above BUSY_LOAD_PER_CORE
 * times its cores.
 */
function busyReports(base: BenchReport, head: BenchReport, options: CompareOptions): string | undefined {
  const share = options.maxOtherWorkShare ?? DEFAULT_MAX_OTHER_WORK_SHARE;
  const reasons = (['base', 'head'] as const).flatMap((side) => {
    const { run, environment } = side === 'base' ? base : head;
    if (run.cluster?.shared)
      return [`${side} ran on a shared cluster (${run.cluster.address ?? run.cluster.kind}), whose other work no run sees`];
    const limit = share * environment.cpuCores;
    if (run.otherWorkCores)
      return run.otherWorkCores.median > limit
        ? [`other work on ${side}'s machine took ${run.otherWorkCores.median.toFixed(2)} cores (median), more than ${limit.toFixed(2)}`]
        : [];
    return run.loadAverageMax !== undefined && run.loadAverageMax > BUSY_LOAD_PER_CORE * environment.cpuCores
      ? [`${side}'s load average reached ${run.loadAverageMax} on ${environment.cpuCores} cores (other work unmeasured)`]
      : [];
  });
  return reasons.length > 0 ? `${reasons.join('; ')}: two runs apart on a busy machine differ by more than their samples show` : undefined;
}

/**
 * The honest rule for two reports taken apart: a regression stands whatever the noise (its p-value is valid); a
 * row that is none is judged only when both runs were quiet and the samples could detect the threshold. Otherwise a
 * primary row cannot be judged (exit 2) and a supporting one is not judged; an informational row never is.
 */
function gateSeparate(row: ComparisonRow, options: CompareOptions, busy: string | undefined): ComparisonRow {
  const detectablePercent = unpairedDetectablePercent(row.baseSamples!, row.headSamples!, {
    alpha: options.alpha,
    power: options.power ?? DEFAULT_GATE.power,
  });
  const judged = { ...row, kind: 'measured' as const, detectablePercent };
  if (row.role === 'informational') return { ...judged, status: 'not-judged', exceedsThreshold: false, reason: 'informational' };
  if (row.status === 'regression') return judged;
  const noisy =
    detectablePercent > options.thresholdPercent
      ? `the samples could detect ${Number.isFinite(detectablePercent) ? `${detectablePercent.toFixed(1)}%` : 'no change'}, not the ${options.thresholdPercent}% threshold`
      : undefined;
  const reason = busy ?? noisy;
  if (reason === undefined) return judged;
  return { ...judged, status: row.role === 'supporting' ? 'not-judged' : 'cannot-judge', reason };
}

/** The counted costs both reports have, compared exactly; one the base has and the head lacks cannot be judged. */
function countedRows(base: CountedBenchmark[] | undefined, head: CountedBenchmark[] | undefined): ComparisonRow[] {
  if (!base || !head) return [];
  const headById = new Map(head.map((h) => [h.id, h]));
  return base.map((b) => {
    const h = headById.get(b.id);
    return countedRow(b, b.workflows, h?.workflows ?? {}, b.tolerancePercent);
  });
}

/** One counted cost judged (counts.ts), as a comparison row. */
export function countedRow(
  common: Pick<CountedBenchmark, 'id' | 'suite' | 'name' | 'unit'>,
  base: CountedBenchmark['workflows'],
  head: CountedBenchmark['workflows'],
  tolerancePercent: number,
): ComparisonRow {
  const counts = compareCounts(base, head, tolerancePercent);
  const known = counts.status !== 'cannot-judge';
  return {
    id: common.id,
    suite: common.suite,
    name: common.name,
    unit: common.unit,
    direction: 'lower-is-better',
    kind: 'counted',
    counts,
    status: counts.status,
    exceedsThreshold: counts.status === 'regression',
    reason: counts.reason,
    ...(known
      ? {
          changePercent: relativeChangePercent(counts.baseMedian, counts.headMedian),
          costPercent: relativeChangePercent(counts.baseMedian, counts.headMedian),
        }
      : {}),
  };
}

/**
 * Refuse what the gate cannot judge, naming the file and the benchmark: a base benchmark missing from the head
 * (silently skipping it would pass a benchmark that broke), a changed unit or direction, and sample counts with
 * which no change can be significant at alpha (the gate could never fail on them).
 */
function assertJudgeable(
  base: BenchReport,
  head: BenchReport,
  options: CompareOptions,
  sources: ReportSources = { base: 'base', head: 'head' },
): void {
  for (const [report, file] of [
    [base, sources.base],
    [head, sources.head],
  ] as const) {
    if (report.run.mode === 'ab')
      throw new UsageError(`${file} is an A/B report, which holds its own base and head: judge it alone (bench compare ${file})`);
  }
  const headById = new Map(head.benchmarks.map((h) => [h.id, h]));
  const omittedInHead = new Set((head.omitted ?? []).map((o) => o.id));
  const missing = base.benchmarks.filter((b) => !headById.has(b.id) && !omittedInHead.has(b.id)).map((b) => b.id);
  if (missing.length > 0) {
    const all =
      missing.length === base.benchmarks.length
        ? missing.length === 1
          ? 'the only benchmark'
          : `all ${missing.length} benchmarks`
        : missing.length === 1
          ? '1 benchmark'
          : `${missing.length} benchmarks`;
    const listed = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
    throw new UsageError(
      `${sources.head}: ${all} of ${sources.base} ${missing.length === 1 ? 'is' : 'are'} missing (${listed}); a gate cannot pass what was not measured: ` +
        `run the same suites for both reports, or remove a retired benchmark from ${sources.base}`,
    );
  }
  for (const b of base.benchmarks) {
    const h = headById.get(b.id);
    if (!h) continue; // omitted by the head, which says why
    for (const field of ['unit', 'direction'] as const) {
      if (h[field] !== b[field]) {
        throw new UsageError(
          `${sources.head}: benchmark "${b.id}" has ${field} "${h[field]}" but in ${sources.base} "${b[field]}"; the two cannot be compared (give a benchmark whose meaning changed a new name)`,
        );
      }
    }
    const floor = smallestPossibleP(b.samples.length, h.samples.length);
    if (floor >= options.alpha) {
      throw new UsageError(
        `benchmark "${b.id}": ${b.samples.length} samples in ${sources.base} against ${h.samples.length} in ${sources.head} can never show a significant change at alpha ${options.alpha} ` +
          `(the smallest possible p is ${floor.toPrecision(2)}), so the gate could not fail on it; measure more repetitions (a full run, not --quick)`,
      );
    }
  }
}

function changedParams(base: Benchmark['params'], head: Benchmark['params']): string {
  const keys = [...new Set([...Object.keys(base), ...Object.keys(head)])];
  return keys
    .filter((key) => base[key] !== head[key])
    .map((key) => `${key} ${base[key] ?? 'none'} -> ${head[key] ?? 'none'}`)
    .join(', ');
}

/** One benchmark's two sample sets judged: the heart of the comparison. */
export function compareSamples(
  common: Pick<ComparisonRow, 'id' | 'suite' | 'name' | 'unit' | 'direction'>,
  baseSamples: number[],
  headSamples: number[],
  options: CompareOptions,
): ComparisonRow {
  const base = summarize(baseSamples);
  const head = summarize(headSamples);
  const { p, method } = mannWhitneyU(headSamples, baseSamples);
  const changePercent = relativeChangePercent(base.median, head.median);
  const costPercent = costChangePercent(common.direction, base.median, head.median);
  const interval = base.median === 0 ? undefined : scaleInterval(bootstrapChangeInterval(baseSamples, headSamples));
  const significant = p < options.alpha;
  const status: RowStatus = !significant || costPercent === 0 ? 'unchanged' : costPercent > 0 ? 'regression' : 'improvement';
  const exceedsThreshold = status === 'regression' && costPercent > options.thresholdPercent;
  const note = !Number.isFinite(changePercent)
    ? 'the base median is 0, so the change is unbounded'
    : !Number.isFinite(costPercent)
      ? 'the head median is 0, so the change of cost is unbounded'
      : undefined;
  return {
    ...common,
    base,
    head,
    baseSamples,
    headSamples,
    changePercent,
    costPercent,
    ...(interval ? { interval } : {}),
    p,
    test: method,
    status,
    exceedsThreshold,
    ...(note ? { note } : {}),
  };
}

/** (head / base - 1) * 100 of two medians >= 0: 0 when equal, Infinity from a zero base. */
export function relativeChangePercent(base: number, head: number): number {
  if (head === base) return 0;
  return base === 0 ? Infinity : (head / base - 1) * 100;
}

/** The change of cost in percent (positive is worse whatever the direction); see ComparisonRow.costPercent. */
export function costChangePercent(direction: Direction, base: number, head: number): number {
  return direction === 'lower-is-better' ? relativeChangePercent(base, head) : relativeChangePercent(head, base);
}

function scaleInterval(interval: Interval): Interval | undefined {
  if (!Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return undefined;
  return { low: interval.low * 100, high: interval.high * 100, level: interval.level };
}

/** Over the measured rows both sides have (informational ones aside): counted costs are judged apart. */
export function geomeanOf(rows: ComparisonRow[]): GeomeanSummary | undefined {
  const ratios = rows.flatMap((row) => {
    if (row.role === 'informational' || !row.base || !row.head || row.base.median <= 0 || row.head.median <= 0) return [];
    const ratio = row.head.median / row.base.median;
    return [row.direction === 'lower-is-better' ? ratio : 1 / ratio];
  });
  if (ratios.length === 0) return undefined;
  const costRatio = geometricMean(ratios);
  return { costRatio, changePercent: (costRatio - 1) * 100, count: ratios.length };
}
