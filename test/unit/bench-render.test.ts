import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/features/bench/compare';
import { renderHtml } from '../../src/features/bench/render-html';
import { renderMarkdown } from '../../src/features/bench/render-markdown';
import { latencySpec, lognormalSamples, seededRandom, syntheticReport, throughputSpec } from '../support/bench-reports';

const OPTIONS = { thresholdPercent: 10, alpha: 0.05 };

function slowdownComparison() {
  const random = seededRandom(42);
  const steady = lognormalSamples(random, 10, 50, 0.05);
  const base = syntheticReport([
    latencySpec('moneyTransfer/c4/latency-p50', lognormalSamples(random, 10, 100, 0.07)),
    throughputSpec('moneyTransfer/c4/throughput', steady),
  ]);
  const head = syntheticReport(
    [
      latencySpec('moneyTransfer/c4/latency-p50', lognormalSamples(random, 10, 115, 0.07)),
      throughputSpec('moneyTransfer/c4/throughput', steady),
    ],
    {
      gitSha: 'fedcba9876543210fedcba9876543210fedcba98',
    },
  );
  return compareReports(base, head, OPTIONS);
}

describe('renderMarkdown', () => {
  it('states the verdict, each benchmark’s medians, change, p and the geomean; `~` where not significant', () => {
    const markdown = renderMarkdown(slowdownComparison());
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## Benchmarks: ❌ 1 significant regression beyond 10%');
    expect(markdown).toContain('**base** `0123456789` (2026-11-23T12:00:00.000Z) → **head** `fedcba9876`');
    const latencyRow = lines.find((line) => line.startsWith('| moneyTransfer/c4/latency-p50 |'))!;
    expect(latencyRow).toMatch(
      /^\| moneyTransfer\/c4\/latency-p50 \| ms, lower is better \| [\d.]+ ± [\d.]+ \(n=10\) \| [\d.]+ ± [\d.]+ \(n=10\) \| \+\d+\.\d% \| [−+]\d+% … \+\d+% \| [\d.<]+ \| ±\d+\.\d% \| ❌ regression beyond 10% \|$/,
    );
    const throughputRow = lines.find((line) => line.startsWith('| moneyTransfer/c4/throughput |'))!;
    expect(throughputRow).toContain('| ~ |');
    expect(throughputRow).toContain('| 1.000 |');
    expect(markdown).toMatch(/\*\*Geometric mean\*\* of the cost ratios over 2 benchmarks: \+\d+\.\d% \(worse/);
    expect(markdown).toContain('| git sha | 0123456789abcdef0123456789abcdef01234567 | fedcba9876543210fedcba9876543210fedcba98 |');
  });

  it('lists the harness overhead when the head report has the baseline suite', () => {
    const comparison = slowdownComparison();
    const markdown = renderMarkdown(comparison, [
      {
        workflow: 'moneyTransfer',
        concurrency: 4,
        metric: 'throughput',
        unit: 'workflows/s',
        direction: 'higher-is-better',
        harnessMedian: 24,
        rawMedian: 25,
        overheadPercent: 4.1666,
        p: 0.31,
        test: 'paired signed-rank',
        pairs: 24,
        interval: { low: -1.25, high: 7.5, level: 0.957 },
        detectablePercent: 3.94,
      },
    ]);
    expect(markdown).toContain('### Harness overhead (head)');
    expect(markdown).toContain(
      '| moneyTransfer | 4 | throughput (workflows/s) | 24.0 | 25.0 | +4.2% | −1.3% … +7.5% | 0.310 (24 pairs) | ±3.9% |',
    );
  });
  it('notes a warm-up that never got steady, and a benchmark the head omitted', () => {
    const base = syntheticReport([latencySpec('a', [1, 2, 3, 4, 5]), latencySpec('a-p99', [1, 2, 3, 4, 5])]);
    const report = syntheticReport([latencySpec('a', [1, 2, 3, 4, 5])]);
    const head = {
      ...report,
      run: {
        ...report.run,
        warmUps: [{ subject: 'throughput/moneyTransfer c16', steady: false, durationMs: 30_012, rates: [22, 31, 26, 35] }],
      },
      omitted: [{ id: 'throughput/a-p99', reason: "a run's p99 needs at least 200 workflows, and these runs closed 40" }],
    };
    const markdown = renderMarkdown(compareReports(base, head, OPTIONS));
    expect(markdown).toContain(
      "- ⚠ head's warm-up of throughput/moneyTransfer c16 did not reach a steady rate in 30 s (22.0, 31.0, 26.0, 35.0 workflows/s): its first samples may still be warming up.",
    );
    expect(markdown).toContain(
      '| a-p99 | ms, lower is better | 3.00 ± 2.00 (n=5) |  | not reported |  |  |  | omitted by head (see notes) |',
    );
    expect(markdown).toContain(
      "- throughput/a-p99: not reported by head: a run's p99 needs at least 200 workflows, and these runs closed 40.",
    );
  });

  it('notes a report measured on a busy machine', () => {
    const report = syntheticReport([latencySpec('a', [1, 2, 3, 4, 5])]);
    const busy = { ...report, run: { ...report.run, loadAverageMax: 5.96 } };
    expect(renderMarkdown(compareReports(report, busy, OPTIONS))).toContain(
      '- ⚠ head was measured on a busy machine: the 1-minute load average reached 5.96 on 2 cores, so other work competed with the benchmark and its numbers are noisier than usual.',
    );
  });
});

describe('renderMarkdown of what the gate flags', () => {
  it('shows an unbounded change as +∞% and says why', () => {
    const base = syntheticReport([latencySpec('x', [0, 0, 0, 0, 0, 0, 4, 5])]);
    const head = syntheticReport([latencySpec('x', [100, 101, 102, 103, 104, 105, 106, 107])]);
    const markdown = renderMarkdown(compareReports(base, head, OPTIONS));
    expect(markdown.split('\n').find((line) => line.startsWith('| x |'))).toBe(
      '| x | ms, lower is better | 0.00 ± 1.00 (n=8) | 104 ± 3.50 (n=8) | +∞% |  | <0.001 | - | ❌ regression beyond 10% |',
    );
    expect(markdown).toContain('- throughput/x: the base median is 0, so the change is unbounded.');
  });

  it('gives the change of cost beside a throughput regression, since the threshold applies to it', () => {
    const base = syntheticReport([throughputSpec('x', [100, 101, 99, 100, 102])]);
    const head = syntheticReport([throughputSpec('x', [90.5, 91, 90, 90.5, 91.5])]);
    const row = renderMarkdown(compareReports(base, head, OPTIONS))
      .split('\n')
      .find((line) => line.startsWith('| x |'))!;
    expect(row).toContain('| −9.5% |');
    expect(row.endsWith('| ❌ regression beyond 10% (cost +10.5%) |')).toBe(true);
  });

  it('warns when one report is a --quick run and the other is not', () => {
    const full = syntheticReport([latencySpec('x', [1, 2, 3, 4, 5])]);
    const quick = { ...full, run: { ...full.run, quick: true } };
    expect(renderMarkdown(compareReports(full, quick, OPTIONS))).toContain(
      '- ⚠ head is a --quick run and the other is not: their counts differ, and so do their numbers.',
    );
  });

  it('keeps a table row on one line when an environment value holds a line break', () => {
    const base = syntheticReport([latencySpec('x', [1, 2, 3, 4, 5])]);
    const head = syntheticReport([latencySpec('x', [1, 2, 3, 4, 5])], { cpuModel: 'Evil\n| injected | row |' });
    const markdown = renderMarkdown(compareReports(base, head, OPTIONS));
    expect(markdown).toContain('| CPU | Test CPU | Evil \\| injected \\| row \\| |');
  });
});

describe('renderHtml', () => {
  it('is one self-contained page: uPlot inlined, no external script, style or link', () => {
    const html = renderHtml(slowdownComparison());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(html).toContain('Fail:</strong> 1 significant regression beyond 10%');
  });

  it('keeps data that looks like markup inside the data block (no early </script>)', () => {
    const report = syntheticReport([latencySpec('</script><script>alert(1)</script>', [1, 2, 3, 4, 5])]);
    const html = renderHtml(compareReports(report, report, OPTIONS));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const data = /<script id="bench-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(data).rows[0].id).toBe('throughput/</script><script>alert(1)</script>');
  });
});
