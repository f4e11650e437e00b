/** Number and label formatting shared by the text, Markdown and HTML renderings of reports and comparisons. */
import type { Comparison, ComparisonRow } from './compare.ts';
import type { OverheadRow } from './overhead.ts';
import type { Direction, Environment, ProcessInfo, RunInfo } from './report.ts';

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
  if (row.status === 'omitted-in-head') return 'not reported';
  if (row.status === 'unchanged' || row.changePercent === undefined) return '~';
  return formatPercent(row.changePercent);
}

/** The smallest change the row could detect: `±6.4%`, `-` when it could not say (too few pairs or samples). */
export function formatDetects(row: ComparisonRow): string {
  if (row.detectablePercent === undefined) return '';
  return Number.isFinite(row.detectablePercent) ? `±${row.detectablePercent.toFixed(1)}%` : '-';
}

/** A process of the run: `worker on ci-1 (pid 4711), 5130 ms CPU`, with the host's machine when it is another's. */
export function formatProcess(process: ProcessInfo): string {
  const env = process.environment;
  return `${process.role}${process.side ? ` (${process.side})` : ''} on ${process.host} (pid ${process.pid})${process.cpuMs === undefined ? '' : `, ${process.cpuMs} ms CPU`}${env ? `; ${env.cpuModel} x${env.cpuCores}, Node ${env.nodeVersion}` : ''}`;
}

export function formatInterval(row: ComparisonRow): string {
  return row.interval ? `${formatPercent(row.interval.low, 0)} … ${formatPercent(row.interval.high, 0)}` : '';
}

export function statusLabel(row: ComparisonRow, thresholdPercent: number): string {
  switch (row.status) {
    case 'regression': {
      if (row.kind === 'counted') return `❌ regression: ${row.reason ?? ''}`;
      // The threshold applies to the cost, which for a higher-is-better row is not the change shown beside it.
      const cost = row.direction === 'higher-is-better' && row.costPercent !== undefined ? ` (cost ${formatPercent(row.costPercent)})` : '';
      return row.exceedsThreshold ? `❌ regression beyond ${thresholdPercent}%${cost}` : `regression within ${thresholdPercent}%${cost}`;
    }
    case 'improvement':
      return row.kind === 'counted' ? `✅ improvement: ${row.reason ?? ''}` : '✅ improvement';
    case 'unchanged':
      return row.kind === 'counted' ? (row.reason ?? '') : '';
    case 'only-in-head':
      return 'only in head';
    case 'omitted-in-head':
      return 'omitted by head (see notes)';
    case 'cannot-judge':
      return `⚠ cannot judge: ${row.reason ?? ''}`;
    case 'not-judged':
      return `not judged: ${row.reason ?? ''}`;
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
  ['dev server settings (dynamic config)', 'devServerConfig'],
];

export function formatEnvironmentValue(value: Environment[keyof Environment]): string {
  if (Array.isArray(value)) return value.join(', ');
  if (value === null) return 'unknown';
  // Reports written before the dev server's settings were recorded lack them.
  if (value === undefined) return 'not recorded';
  if (typeof value === 'object') return formatSettings(value);
  return String(value);
}

/** `key=value, ...` sorted by key, so the same settings always read the same. */
export function formatSettings(settings: Record<string, string | number | boolean>): string {
  return Object.keys(settings)
    .sort()
    .map((key) => `${key}=${String(settings[key])}`)
    .join(', ');
}

export function formatRun(run: RunInfo): string {
  const other = run.otherWorkCores ? `, other work ${run.otherWorkCores.median} cores (median; max ${run.otherWorkCores.max})` : '';
  const cluster =
    run.cluster?.kind === 'external'
      ? `, on ${run.cluster.address} (${run.cluster.shared ? 'shared: not the run’s alone' : 'the run’s alone'})`
      : '';
  return `${run.suites.join(', ')}${run.quick ? ' (quick)' : ''}${run.mode === 'ab' ? ' A/B' : ''} in ${(run.durationMs / 1000).toFixed(0)} s${run.loadAverageMax === undefined ? '' : `, highest load average ${run.loadAverageMax}`}${other}${cluster}`;
}

/** The notes under a comparison: environments that differ, busy machines, rows that cannot be judged. */
export function comparisonNotes(comparison: Comparison): string[] {
  return [
    ...comparison.environmentDifferences.map((d) =>
      d.field === 'devServerConfig'
        ? `⚠ the dev servers ran with different settings (dynamic config), which change what a workflow costs: base ${d.base}, head ${d.head}.`
        : `⚠ the reports were measured with different ${d.field}: base ${d.base}, head ${d.head}.`,
    ),
    ...comparison.busyMachine.map(
      (b) =>
        `⚠ ${b.report} was measured on a busy machine: the 1-minute load average reached ${b.loadAverageMax} on ${b.cpuCores} cores, so other work competed with the benchmark and its numbers are noisier than usual.`,
    ),
    // An A/B report's base and head are one run: its warm-ups are said once, and not for --quick's fixed two pairs.
    ...(comparison.mode === 'ab' ? (comparison.head.run.quick ? [] : (['head'] as const)) : (['base', 'head'] as const)).flatMap((side) =>
      (comparison[side].run.warmUps ?? [])
        .filter((warmUp) => !warmUp.steady)
        .map(
          (warmUp) =>
            `⚠ ${comparison.mode === 'ab' ? 'the run' : side}'s warm-up of ${warmUp.subject} did not reach a steady rate in ${(warmUp.durationMs / 1000).toFixed(0)} s (${warmUp.rates.map(formatValue).join(', ')} workflows/s): its first samples may still be warming up.`,
        ),
    ),
    ...(comparison.quickMismatch
      ? [
          `⚠ ${comparison.base.run.quick ? 'base' : 'head'} is a --quick run and the other is not: their counts differ, and so do their numbers.`,
        ]
      : []),
    ...comparison.rows.filter((row) => row.note).map((row) => `${row.id}: ${row.note}.`),
  ];
}

/** The cells of a harness overhead row after its medians: overhead, its interval, p (and the test), what it detects. */
export function overheadCells(row: OverheadRow): { overhead: string; interval: string; p: string; detects: string } {
  return {
    overhead: formatPercent(row.overheadPercent),
    // From few pairs no interval reaches 95%: say the coverage it has.
    interval: row.interval
      ? `${formatPercent(row.interval.low)} … ${formatPercent(row.interval.high)}${row.interval.level < 0.95 ? ` (covers ${(row.interval.level * 100).toFixed(0)}%)` : ''}`
      : '',
    p: `${formatP(row.p)}${row.test === 'paired signed-rank' ? ` (${row.pairs} pairs)` : ' (unpaired)'}`,
    detects: row.detectablePercent === undefined ? '' : `±${row.detectablePercent.toFixed(1)}%`,
  };
}

/** What the overhead table's columns mean, said under its heading. */
export const OVERHEAD_EXPLAINED =
  'The same workload through the harness and through a bare SDK client + worker loop, in pairs of samples run back to back in the head run. ' +
  'Overhead: the median of the pairs’ cost ratios (throughput inverted: positive is worse), with a distribution-free interval and the signed-rank test; ' +
  '"detects": the smallest overhead this run finds 80% of the time at p < 0.05, from how much the pairs varied.';
