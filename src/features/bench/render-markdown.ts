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
  formatRun,
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
  return count === 0
    ? `✅ no significant regression beyond ${thresholdPercent}%`
    : `❌ ${count} significant regression${count === 1 ? '' : 's'} beyond ${thresholdPercent}%`;
}

export function renderMarkdown(comparison: Comparison, overhead: OverheadRow[] = []): string {
  const { base, head, options } = comparison;
  const lines: string[] = [];
  lines.push(`## Benchmarks: ${verdictHeadline(comparison)}`, '');
  lines.push(
    `**base** \`${shortSha(base.environment.gitSha)}\` (${base.environment.date}) → **head** \`${shortSha(head.environment.gitSha)}\` (${head.environment.date}). ` +
      `Medians ± IQR; change of the median; 95% bootstrap interval of the change; two-sided Mann-Whitney U, ` +
      `\`~\` when p ≥ ${options.alpha}. Fails on a significant regression beyond ${options.thresholdPercent}%.`,
    '',
  );
  for (const [suite, rows] of groupBySuite(comparison.rows)) {
    lines.push(`### ${suite}`, '');
    lines.push('| benchmark | unit | base | head | change | 95% interval | p | |');
    lines.push('|---|---|--:|--:|--:|:-:|--:|---|');
    for (const row of rows) {
      lines.push(
        `| ${escape(row.name)} | ${escape(row.unit)}, ${directionLabel(row.direction)} | ${row.base ? formatMedian(row.base) : ''} | ${row.head ? formatMedian(row.head) : ''} | ${formatChange(row)} | ${formatInterval(row)} | ${row.p === undefined ? '' : formatP(row.p)} | ${statusLabel(row, options.thresholdPercent)} |`,
      );
    }
    lines.push('');
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
  lines.push('<details><summary>Environment</summary>', '');
  lines.push('| | base | head |', '|---|---|---|');
  for (const [label, key] of ENVIRONMENT_ROWS) {
    lines.push(
      `| ${label} | ${escape(formatEnvironmentValue(base.environment[key]))} | ${escape(formatEnvironmentValue(head.environment[key]))} |`,
    );
  }
  lines.push(`| run | ${formatRun(base.run)} | ${formatRun(head.run)} |`);
  lines.push('', '</details>', '');
  return lines.join('\n');
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
