/**
 * Compare two benchmark reports: pure (two reports in, rows and a verdict out), so it is tested without a clock.
 *
 * Per benchmark (matched by id): both medians with their spread, the change of the median in percent, a
 * Mann-Whitney U test on the samples (`~` when p >= alpha, as benchstat prints), a bootstrap interval of the
 * change, and whether a significant regression exceeds the threshold. Then a geometric mean of the cost ratios
 * over every benchmark both reports have, and the verdict: fail when any significant regression exceeds the
 * threshold.
 */
import type { BenchReport, Direction, Environment, RunInfo } from './report.ts';
import {
  bootstrapChangeInterval,
  geometricMean,
  type Interval,
  mannWhitneyU,
  smallestPossibleP,
  type Summary,
  summarize,
} from './stats.ts';

export interface CompareOptions {
  /** A significant regression larger than this (percent change of the median) fails the comparison. */
  thresholdPercent: number;
  /** Significance level of the Mann-Whitney U test. */
  alpha: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { thresholdPercent: 10, alpha: 0.05 };

/**
 * - `regression` / `improvement`: the change is significant (p < alpha) and makes things worse / better;
 * - `unchanged`: not significant (`~`);
 * - `only-in-base` / `only-in-head`: the other report has no benchmark with this id;
 * - `incomparable`: the unit or direction changed between the reports.
 */
export type RowStatus = 'regression' | 'improvement' | 'unchanged' | 'only-in-base' | 'only-in-head' | 'incomparable';

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
  /** (median(head) / median(base) - 1) * 100. */
  changePercent?: number;
  /** Bootstrap 95% interval of the change, in percent. */
  interval?: Interval;
  /** Two-sided Mann-Whitney p-value. */
  p?: number;
  test?: 'exact' | 'normal';
  status: RowStatus;
  /** A significant regression whose change exceeds the threshold: this fails the comparison. */
  exceedsThreshold: boolean;
  /** Why a row cannot be judged fully, e.g. too few samples for any difference to be significant. */
  note?: string;
}

export interface GeomeanSummary {
  /** Geometric mean of the cost ratios (head/base for lower-is-better, base/head for higher-is-better). */
  costRatio: number;
  /** (costRatio - 1) * 100: positive means worse overall. */
  changePercent: number;
  /** Benchmarks included (both medians positive). */
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
  verdict: 'pass' | 'fail';
  /** Ids of the rows that failed the verdict. */
  failures: string[];
}

/**
 * A run whose 1-minute load average went above this many times the core count shared the machine with other work.
 * The benchmark alone keeps about two cores busy (server, services, worker), which this leaves room for.
 */
export const BUSY_LOAD_PER_CORE = 1.5;

const COMPARED_ENVIRONMENT: readonly (keyof Environment)[] = ['cpuModel', 'cpuCores', 'nodeVersion', 'sdkVersion', 'temporalCliVersion', 'testServerVersion', 'platform', 'arch'];

export function compareReports(base: BenchReport, head: BenchReport, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): Comparison {
  const headById = new Map(head.benchmarks.map((b) => [b.id, b]));
  const baseIds = new Set(base.benchmarks.map((b) => b.id));
  const rows: ComparisonRow[] = [];
  for (const b of base.benchmarks) {
    const h = headById.get(b.id);
    const common = { id: b.id, suite: b.suite, name: b.name, unit: b.unit, direction: b.direction };
    if (!h) {
      rows.push({ ...common, base: summarize(b.samples), baseSamples: b.samples, status: 'only-in-base', exceedsThreshold: false });
      continue;
    }
    if (h.unit !== b.unit || h.direction !== b.direction) {
      rows.push({
        ...common,
        base: summarize(b.samples),
        head: summarize(h.samples),
        baseSamples: b.samples,
        headSamples: h.samples,
        status: 'incomparable',
        exceedsThreshold: false,
        note: `unit or direction changed (${b.unit}, ${b.direction} -> ${h.unit}, ${h.direction})`,
      });
      continue;
    }
    rows.push(compareSamples(common, b.samples, h.samples, options));
  }
  for (const h of head.benchmarks) {
    if (!baseIds.has(h.id)) {
      rows.push({ id: h.id, suite: h.suite, name: h.name, unit: h.unit, direction: h.direction, head: summarize(h.samples), headSamples: h.samples, status: 'only-in-head', exceedsThreshold: false });
    }
  }
  const failures = rows.filter((row) => row.exceedsThreshold).map((row) => row.id);
  return {
    base: { environment: base.environment, run: base.run },
    head: { environment: head.environment, run: head.run },
    options,
    rows,
    geomean: geomeanOf(rows),
    environmentDifferences: COMPARED_ENVIRONMENT.filter((field) => String(base.environment[field]) !== String(head.environment[field])).map((field) => ({
      field,
      base: String(base.environment[field]),
      head: String(head.environment[field]),
    })),
    busyMachine: (['base', 'head'] as const).flatMap((side) => {
      const { run, environment } = side === 'base' ? base : head;
      return run.loadAverageMax !== undefined && run.loadAverageMax > BUSY_LOAD_PER_CORE * environment.cpuCores
        ? [{ report: side, loadAverageMax: run.loadAverageMax, cpuCores: environment.cpuCores }]
        : [];
    }),
    verdict: failures.length > 0 ? 'fail' : 'pass',
    failures,
  };
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
  const changePercent = base.median === 0 ? undefined : (head.median / base.median - 1) * 100;
  const interval = base.median === 0 ? undefined : scaleInterval(bootstrapChangeInterval(baseSamples, headSamples));
  const significant = p < options.alpha;
  const worse = changePercent !== undefined && (common.direction === 'lower-is-better' ? changePercent > 0 : changePercent < 0);
  const status: RowStatus = !significant || changePercent === undefined || changePercent === 0 ? 'unchanged' : worse ? 'regression' : 'improvement';
  const exceedsThreshold = status === 'regression' && Math.abs(changePercent!) > options.thresholdPercent;
  const floor = smallestPossibleP(baseSamples.length, headSamples.length);
  const note = floor >= options.alpha ? `too few samples (${baseSamples.length} vs ${headSamples.length}) for any change to be significant at alpha ${options.alpha}` : undefined;
  return {
    ...common,
    base,
    head,
    baseSamples,
    headSamples,
    ...(changePercent === undefined ? {} : { changePercent }),
    ...(interval ? { interval } : {}),
    p,
    test: method,
    status,
    exceedsThreshold,
    ...(note ? { note } : {}),
  };
}

function scaleInterval(interval: Interval): Interval | undefined {
  if (!Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return undefined;
  return { low: interval.low * 100, high: interval.high * 100, level: interval.level };
}

function geomeanOf(rows: ComparisonRow[]): GeomeanSummary | undefined {
  const ratios = rows.flatMap((row) => {
    if (!row.base || !row.head || row.status === 'incomparable' || row.base.median <= 0 || row.head.median <= 0) return [];
    const ratio = row.head.median / row.base.median;
    return [row.direction === 'lower-is-better' ? ratio : 1 / ratio];
  });
  if (ratios.length === 0) return undefined;
  const costRatio = geometricMean(ratios);
  return { costRatio, changePercent: (costRatio - 1) * 100, count: ratios.length };
}
