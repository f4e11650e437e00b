/** Number and label formatting shared by the text, Markdown and HTML renderings of reports and comparisons. */
import type { Comparison, ComparisonRow } from './compare.ts';
import type { Direction, Environment, RunInfo } from './report.ts';

/** About three significant figures: 1234, 123.4 -> 123, 12.34 -> 12.3, 1.234 -> 1.23. */
export function formatValue(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatPercent(value: number, digits = 1): string {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  if (!Number.isFinite(value)) return `${sign}∞%`;
  return `${sign}${Math.abs(value).toFixed(digits)}%`;
}

export function formatP(p: number): string {
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

export function directionLabel(direction: Direction): string {
  return direction === 'lower-is-better' ? 'lower is better' : 'higher is better';
}

/** Median ± IQR (n), e.g. `24.6 ± 1.6 (n=6)`. */
export function formatMedian(summary: { median: number; iqr: number; n: number }): string {
  return `${formatValue(summary.median)} ± ${formatValue(summary.iqr)} (n=${summary.n})`;
}

/** The change column: the change in percent when significant, `~` when not (benchstat's convention). */
export function formatChange(row: ComparisonRow): string {
  if (row.status === 'only-in-head') return 'new';
  if (row.status === 'unchanged' || row.changePercent === undefined) return '~';
  return formatPercent(row.changePercent);
}

export function formatInterval(row: ComparisonRow): string {
  return row.interval ? `${formatPercent(row.interval.low, 0)} … ${formatPercent(row.interval.high, 0)}` : '';
}

export function statusLabel(row: ComparisonRow, thresholdPercent: number): string {
  switch (row.status) {
    case 'regression': {
      // The threshold applies to the cost, which for a higher-is-better row is not the change shown beside it.
      const cost = row.direction === 'higher-is-better' && row.costPercent !== undefined ? ` (cost ${formatPercent(row.costPercent)})` : '';
      return row.exceedsThreshold ? `❌ regression beyond ${thresholdPercent}%${cost}` : `regression within ${thresholdPercent}%${cost}`;
    }
    case 'improvement':
      return '✅ improvement';
    case 'unchanged':
      return '';
    case 'only-in-head':
      return 'only in head';
  }
}

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 10) : sha;
}

/** The environment fields a comparison shows, with their labels. */
export const ENVIRONMENT_ROWS: readonly [string, keyof Environment][] = [
  ['git sha', 'gitSha'],
  ['uncommitted changes', 'gitDirty'],
  ['tempest', 'packageVersion'],
  ['Temporal SDK', 'sdkVersion'],
  ['Temporal CLI (dev server)', 'temporalCliVersion'],
  ['time-skipping test server', 'testServerVersion'],
  ['Node.js', 'nodeVersion'],
  ['platform', 'platform'],
  ['arch', 'arch'],
  ['CPU', 'cpuModel'],
  ['cores', 'cpuCores'],
  ['memory (MiB)', 'totalMemoryMb'],
  ['load average at start (1, 5, 15 min)', 'loadAverage'],
  ['date', 'date'],
];

export function formatEnvironmentValue(value: Environment[keyof Environment]): string {
  if (Array.isArray(value)) return value.join(', ');
  if (value === null) return 'unknown';
  return String(value);
}

export function formatRun(run: RunInfo): string {
  return `${run.suites.join(', ')}${run.quick ? ' (quick)' : ''} in ${(run.durationMs / 1000).toFixed(0)} s${run.loadAverageMax === undefined ? '' : `, highest load average ${run.loadAverageMax}`}`;
}

/** The notes under a comparison: environments that differ, busy machines, rows that cannot be judged. */
export function comparisonNotes(comparison: Comparison): string[] {
  return [
    ...comparison.environmentDifferences.map((d) => `⚠ the reports were measured with different ${d.field}: base ${d.base}, head ${d.head}.`),
    ...comparison.busyMachine.map(
      (b) => `⚠ ${b.report} was measured on a busy machine: the 1-minute load average reached ${b.loadAverageMax} on ${b.cpuCores} cores, so other work competed with the benchmark and its numbers are noisier than usual.`,
    ),
    ...(comparison.quickMismatch
      ? [`⚠ ${comparison.base.run.quick ? 'base' : 'head'} is a --quick run and the other is not: their counts differ, and so do their numbers.`]
      : []),
    ...comparison.rows.filter((row) => row.note).map((row) => `${row.id}: ${row.note}.`),
  ];
}
