/**
 * A comparison as Markdown, fit for a CI step summary ($GITHUB_STEP_SUMMARY) or a pull-request comment.
 * Pure: a Comparison (and the head report's harness overhead) in, text out.
 */
import type { Comparison, ComparisonRow } from './compare.ts';
import {
  comparisonNotes,
  directionLabel,
  ENVIRONMENT_ROWS,
  formatChange,
  formatEnvironmentValue,
  formatInterval,
  formatMedian,
  formatP,
  formatPercent,
  formatProcess,
  formatRun,
  formatDetects,
  formatValue,
  OVERHEAD_EXPLAINED,
  overheadCells,
  shortSha,
  statusLabel,
} from './format.ts';
import type { OverheadRow } from './overhead.ts';

export function verdictHeadline(comparison: Comparison): string {
  const { thresholdPercent } = comparison.options;
  const count = comparison.failures.length;
  if (comparison.verdict === 'cannot-judge') {
    const rows = comparison.cannotJudge.length;
    return `⚠ cannot judge: no regression found, but ${rows} row${rows === 1 ? '' : 's'} could not have detected ${thresholdPercent}%`;
  }
  if (count === 0) return `✅ no significant regression beyond ${thresholdPercent}%`;
  const counted = comparison.rows.filter((row) => row.exceedsThreshold && row.kind === 'counted').length;
  const measured = count - counted;
  const parts = [
    measured > 0 && `${measured} significant regression${measured === 1 ? '' : 's'} beyond ${thresholdPercent}%`,
    counted > 0 && `${counted} counted cost${counted === 1 ? '' : 's'} up`,
  ].filter(Boolean);
  return `❌ ${parts.join(', ')}`;
}

/** What the tables show and how they are judged, under the headline. */
export function methodLine(comparison: Comparison): string {
  const { options } = comparison;
  if (comparison.mode === 'ab') {
    const { sides, seed } = comparison.head.run;
    return (
      `A/B in one run: **base** ${sides?.base.label ?? 'base'} \`${shortSha(sides?.base.gitSha ?? '')}\` against **head** ${sides?.head.label ?? 'head'} \`${shortSha(sides?.head.gitSha ?? '')}\`, ` +
      `alternating pairs of rounds on the same servers (seed ${seed ?? '?'}). Medians ± IQR of the rounds; change: the median of the pairs' cost ratios ` +
      `(throughput inverted: positive is worse) with its distribution-free interval; signed-rank p, \`~\` when p ≥ ${options.alpha}; ` +
      `detects: the smallest change the pairs could find (80% power). Counted costs compare exactly. Fails on a regression beyond ${options.thresholdPercent}%; ` +
      `cannot judge when a primary row is none and could not have detected it.`
    );
  }
  return (
    `**base** \`${shortSha(comparison.base.environment.gitSha)}\` (${comparison.base.environment.date}) → **head** \`${shortSha(comparison.head.environment.gitSha)}\` (${comparison.head.environment.date}). ` +
    `Medians ± IQR; change of the median; 95% bootstrap interval of the change; two-sided Mann-Whitney U, ` +
    `\`~\` when p ≥ ${options.alpha}; detects: the smallest change the two sets of samples could find (80% power). Counted costs compare exactly. ` +
    `Fails on a significant regression beyond ${options.thresholdPercent}%; cannot judge when a row is none and the runs were too noisy or busy to have seen one.`
  );
}

/** A counted cost's cells: each side's median per workflow, with the share of workflows off it. */
export function countedCells(row: ComparisonRow): { base: string; head: string } {
  const counts = row.counts;
  if (!counts) return { base: '', head: '' };
  const side = (median: number, off: number, workflows: number): string =>
    workflows === 0
      ? 'none'
      : `${Number.isInteger(median) ? median : formatValue(median)}${off > 0 ? ` (${(off * 100).toFixed(0)}% off)` : ''} (n=${workflows})`;
  return {
    base: side(counts.baseMedian, counts.offMedian.base, counts.workflows.base),
    head: side(counts.headMedian, counts.offMedian.head, counts.workflows.head),
  };
}

export function renderMarkdown(comparison: Comparison, overhead: OverheadRow[] = []): string {
  const { options } = comparison;
  const lines: string[] = [];
  lines.push(`## Benchmarks: ${verdictHeadline(comparison)}`, '');
  lines.push(methodLine(comparison), '');
  for (const [suite, rows] of groupBySuite(comparison.rows)) {
    lines.push(`### ${suite}`, '', ...measuredTable(rows, options.thresholdPercent), ...countedTable(rows, options.thresholdPercent));
  }
  if (comparison.geomean) {
    const { changePercent, count } = comparison.geomean;
    lines.push(
      `**Geometric mean** of the cost ratios over ${count} benchmarks: ${formatPercent(changePercent)} (${changePercent > 0 ? 'worse' : changePercent < 0 ? 'better' : 'the same'}; throughput counts inverted, so positive is always worse).`,
      '',
    );
  }
  if (overhead.length > 0) {
    lines.push('### Harness overhead (head)', '');
    lines.push(OVERHEAD_EXPLAINED, '');
    lines.push('| workflow | concurrency | metric | harness | bare SDK | overhead | 95% interval | p | detects |');
    lines.push('|---|--:|---|--:|--:|--:|:-:|--:|--:|');
    for (const row of overhead) {
      const cells = overheadCells(row);
      lines.push(
        `| ${row.workflow} | ${row.concurrency} | ${row.metric} (${row.unit}) | ${formatValue(row.harnessMedian)} | ${formatValue(row.rawMedian)} | ${cells.overhead} | ${cells.interval} | ${cells.p} | ${cells.detects} |`,
      );
    }
    lines.push('');
  }
  const notes = comparisonNotes(comparison);
  if (notes.length > 0) {
    lines.push('### Notes', '', ...notes.map((note) => `- ${escape(note)}`), '');
  }
  lines.push('<details><summary>Environment</summary>', '', ...environmentTable(comparison));
  lines.push('', '</details>', '');
  return lines.join('\n');
}

function measuredTable(rows: readonly ComparisonRow[], threshold: number): string[] {
  const measured = rows.filter((row) => row.kind !== 'counted');
  if (measured.length === 0) return [];
  return [
    '| benchmark | unit | base | head | change | 95% interval | p | detects | |',
    '|---|---|--:|--:|--:|:-:|--:|--:|---|',
    ...measured.map(
      (row) =>
        `| ${escape(row.name)} | ${escape(row.unit)}, ${directionLabel(row.direction)} | ${row.base ? formatMedian(row.base) : ''} | ${row.head ? formatMedian(row.head) : ''} | ${formatChange(row)} | ${formatInterval(row)} | ${row.p === undefined ? '' : formatP(row.p)} | ${formatDetects(row)} | ${escape(statusLabel(row, threshold))} |`,
    ),
    '',
  ];
}

function countedTable(rows: readonly ComparisonRow[], threshold: number): string[] {
  const counted = rows.filter((row) => row.kind === 'counted');
  if (counted.length === 0) return [];
  return [
    '| counted cost | unit | base | head | |',
    '|---|---|--:|--:|---|',
    ...counted.map((row) => {
      const cells = countedCells(row);
      return `| ${escape(row.name)} | ${escape(row.unit)} | ${cells.base} | ${cells.head} | ${escape(statusLabel(row, threshold))} |`;
    }),
    '',
  ];
}

/** Both environments side by side; an A/B report's one run, with every process that measured. */
function environmentTable(comparison: Comparison): string[] {
  const { base, head } = comparison;
  if (comparison.mode === 'ab')
    return [
      '| | this run |',
      '|---|---|',
      ...ENVIRONMENT_ROWS.map(([label, key]) => `| ${label} | ${escape(formatEnvironmentValue(head.environment[key]))} |`),
      `| run | ${escape(formatRun(head.run))} |`,
      ...(head.run.processes ?? []).map((process) => `| process ${escape(process.id)} | ${escape(formatProcess(process))} |`),
    ];
  return [
    '| | base | head |',
    '|---|---|---|',
    ...ENVIRONMENT_ROWS.map(
      ([label, key]) =>
        `| ${label} | ${escape(formatEnvironmentValue(base.environment[key]))} | ${escape(formatEnvironmentValue(head.environment[key]))} |`,
    ),
    `| run | ${escape(formatRun(base.run))} | ${escape(formatRun(head.run))} |`,
  ];
}

export function groupBySuite(rows: ComparisonRow[]): Map<string, ComparisonRow[]> {
  const groups = new Map<string, ComparisonRow[]>();
  for (const row of rows) groups.set(row.suite, [...(groups.get(row.suite) ?? []), row]);
  return groups;
}

/** Keep table cells and list items intact: a `|` would split the cell, a line break the row. */
function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}
