/**
 * A comparison as one self-contained HTML page: the same tables as the Markdown, plus charts drawn by uPlot,
 * whose JavaScript and CSS are inlined from the npm package. No external URL at all: the page works offline,
 * from a CI artifact or an e-mail attachment.
 */
import { escapeHtml as esc, jsonForScript, uplotAssets } from '../../base/report-assets.ts';
import type { Comparison, ComparisonRow } from './compare.ts';
import {
  comparisonNotes,
  directionLabel,
  ENVIRONMENT_ROWS,
  formatChange,
  formatEnvironmentValue,
  formatDetects,
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
import { countedCells, groupBySuite, methodLine, verdictHeadline } from './render-markdown.ts';

/** What the page's script draws, one entry per benchmark both reports have. */
interface ChartRow {
  index: number;
  id: string;
  unit: string;
  direction: string;
  status: string;
  exceedsThreshold: boolean;
  /** Change of cost in percent: positive is worse whatever the direction (throughput inverted). */
  costPercent: number | null;
  base: number[];
  head: number[];
}

export function renderHtml(comparison: Comparison, overhead: OverheadRow[] = []): string {
  const { js, css } = uplotAssets();
  const { base, head, options } = comparison;
  const comparable = comparison.rows.filter((row) => row.baseSamples && row.headSamples);
  const chartRows: ChartRow[] = comparable.map((row, i) => ({
    index: i + 1,
    id: row.id,
    unit: row.unit,
    direction: row.direction,
    status: row.status,
    exceedsThreshold: row.exceedsThreshold,
    // An unbounded change has no bar height; its table row says +∞%.
    costPercent: row.costPercent !== undefined && Number.isFinite(row.costPercent) ? row.costPercent : null,
    base: row.baseSamples!,
    head: row.headSamples!,
  }));
  const indexOf = new Map(chartRows.map((row) => [row.id, row.index]));
  const data = { threshold: options.thresholdPercent, rows: chartRows };

  const tables = [...groupBySuite(comparison.rows)]
    .map(([suite, rows]) => {
      const measured = rows.filter((row) => row.kind !== 'counted');
      const counted = rows.filter((row) => row.kind === 'counted');
      return `
  <h3>${esc(suite)}</h3>${measured.length === 0 ? '' : measuredTable(measured, indexOf, options.thresholdPercent)}${counted.length === 0 ? '' : countedTable(counted, options.thresholdPercent)}`;
    })
    .join('\n');

  const geomean = comparison.geomean
    ? `<p><strong>Geometric mean</strong> of the cost ratios over ${comparison.geomean.count} benchmarks: ${esc(formatPercent(comparison.geomean.changePercent))} (positive is worse; throughput counts inverted).</p>`
    : '';
  const overheadTable =
    overhead.length === 0
      ? ''
      : `
  <h2>Harness overhead (head)</h2>
  <p>${esc(OVERHEAD_EXPLAINED)}</p>
  <table>
    <thead><tr><th>workflow</th><th>concurrency</th><th>metric</th><th>harness</th><th>bare SDK</th><th>overhead</th><th>95% interval</th><th>p</th><th>detects</th></tr></thead>
    <tbody>${overhead
      .map((row) => {
        const cells = overheadCells(row);
        return `<tr><td>${esc(row.workflow)}</td><td class="num">${row.concurrency}</td><td>${esc(row.metric)} (${esc(row.unit)})</td><td class="num">${formatValue(row.harnessMedian)}</td><td class="num">${formatValue(row.rawMedian)}</td><td class="num">${esc(cells.overhead)}</td><td class="num">${esc(cells.interval)}</td><td class="num">${esc(cells.p)}</td><td class="num">${esc(cells.detects)}</td></tr>`;
      })
      .join('')}</tbody>
  </table>`;
  const notes = comparisonNotes(comparison);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tempest benchmarks: ${esc(shortSha(base.environment.gitSha))} → ${esc(shortSha(head.environment.gitSha))}</title>
<style>${css}</style>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
  h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 15px; margin: 18px 0 6px; }
  .verdict { font-size: 18px; padding: 10px 14px; border-radius: 6px; }
  .verdict.pass { background: #dafbe1; } .verdict.fail { background: #ffebe9; } .verdict.cannot-judge { background: #fff8c5; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
  th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr.fail td { background: #ffebe9; } tr.regression td { background: #fff8c5; } tr.improvement td { background: #dafbe1; } tr.cannot-judge td { background: #fff8c5; }
  .muted { color: #59636e; }
  .charts { display: flex; flex-wrap: wrap; gap: 12px; }
  .chart { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; }
  .chart h4 { margin: 0 0 4px; font-size: 12px; font-weight: 600; max-width: 360px; overflow-wrap: anywhere; }
</style>
</head>
<body>
  <h1>tempest benchmark comparison</h1>
  <p class="muted">base <code>${esc(shortSha(base.environment.gitSha))}</code> (${esc(base.environment.date)}) → head <code>${esc(shortSha(head.environment.gitSha))}</code> (${esc(head.environment.date)})</p>
  <p class="verdict ${comparison.verdict}"><strong>${{ pass: 'Pass', fail: 'Fail', 'cannot-judge': 'Cannot judge' }[comparison.verdict]}:</strong> ${esc(plain(verdictHeadline(comparison)))}</p>
  <p class="muted">${esc(methodLine(comparison).replace(/[*`]/g, ''))}</p>

  <h2>Change per benchmark</h2>
  <p class="muted">Change of cost in percent (positive is worse; throughput inverted), by benchmark number; dashed lines at ±${options.thresholdPercent}%.</p>
  <div id="overview" class="chart"></div>

  <h2>Results</h2>
  ${tables}
  ${geomean}
  ${overheadTable}
  ${notes.length === 0 ? '' : `<h2>Notes</h2><ul>${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`}

  <h2>Distributions</h2>
  <p class="muted">Every sample of each benchmark, sorted: the value at each quantile, base in grey, head in colour. A curve shifted up means larger values.</p>
  <div id="distributions" class="charts"></div>

  <h2>Environment</h2>
  <table>
    <thead><tr><th></th><th>base</th><th>head</th></tr></thead>
    <tbody>${ENVIRONMENT_ROWS.map(([label, key]) => `<tr><td>${esc(label)}</td><td>${esc(formatEnvironmentValue(base.environment[key]))}</td><td>${esc(formatEnvironmentValue(head.environment[key]))}</td></tr>`).join('')}
      <tr><td>run</td><td>${esc(formatRun(base.run))}</td><td>${esc(formatRun(head.run))}</td></tr>
    </tbody>
  </table>

<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script id="bench-data" type="application/json">${jsonForScript(data)}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

/** Runs in the page: draws the overview bars and one quantile chart per benchmark with uPlot. */
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('bench-data').textContent);
  var rows = data.rows;
  var sortNum = function (values) { return values.slice().sort(function (a, b) { return a - b; }); };
  var quantiles = function (n) { var xs = []; for (var i = 0; i < n; i++) xs.push(n === 1 ? 50 : (i / (n - 1)) * 100); return xs; };

  var bars = uPlot.paths.bars({ size: [0.7, 48] });
  var pick = function (test) { return rows.map(function (r) { return r.costPercent !== null && test(r) ? r.costPercent : null; }); };
  var xs = rows.map(function (r) { return r.index; });
  var overview = [
    xs,
    pick(function (r) { return r.exceedsThreshold; }),
    pick(function (r) { return r.status === 'regression' && !r.exceedsThreshold; }),
    pick(function (r) { return r.status === 'improvement'; }),
    pick(function (r) { return r.status === 'unchanged'; }),
    rows.map(function () { return data.threshold; }),
    rows.map(function () { return -data.threshold; })
  ];
  var maxAbs = Math.max(data.threshold * 1.5, Math.max.apply(null, rows.map(function (r) { return Math.abs(r.costPercent || 0); })) * 1.1);
  new uPlot({
    width: Math.min(1140, Math.max(480, rows.length * 28 + 120)),
    height: 280,
    legend: { live: false },
    scales: { x: { time: false, range: [0.4, rows.length + 0.6] }, y: { range: [-maxAbs, maxAbs] } },
    axes: [
      { label: 'benchmark #', incrs: [1, 2, 5, 10, 20, 50], values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? String(v) : ''; }); } },
      { label: 'change of cost (%)', size: 60 }
    ],
    series: [
      { label: '#' },
      { label: 'regression beyond threshold', fill: '#cf222e', stroke: '#cf222e', paths: bars, points: { show: false } },
      { label: 'regression within threshold', fill: '#bf8700', stroke: '#bf8700', paths: bars, points: { show: false } },
      { label: 'improvement', fill: '#1a7f37', stroke: '#1a7f37', paths: bars, points: { show: false } },
      { label: 'not significant (~)', fill: '#8c959f', stroke: '#8c959f', paths: bars, points: { show: false } },
      { label: '+threshold', stroke: '#cf222e', dash: [6, 4], width: 1, points: { show: false } },
      { label: '−threshold', stroke: '#1a7f37', dash: [6, 4], width: 1, points: { show: false } }
    ]
  }, overview, document.getElementById('overview'));

  var container = document.getElementById('distributions');
  rows.forEach(function (r) {
    var box = document.createElement('div');
    box.className = 'chart';
    box.id = 'chart-' + r.index;
    var title = document.createElement('h4');
    title.textContent = '#' + r.index + ' ' + r.id;
    box.appendChild(title);
    container.appendChild(box);
    var base = sortNum(r.base), head = sortNum(r.head);
    var joined = uPlot.join([[quantiles(base.length), base], [quantiles(head.length), head]]);
    var colour = r.exceedsThreshold ? '#cf222e' : r.status === 'improvement' ? '#1a7f37' : r.status === 'regression' ? '#bf8700' : '#0969da';
    new uPlot({
      width: 360,
      height: 220,
      legend: { live: false },
      scales: { x: { time: false, range: [0, 100] } },
      axes: [{ label: 'quantile (%)' }, { label: r.unit, size: 56 }],
      series: [
        { label: 'quantile' },
        { label: 'base', stroke: '#8c959f', width: 2, spanGaps: true, points: { show: true, size: 5 } },
        { label: 'head', stroke: colour, width: 2, spanGaps: true, points: { show: true, size: 5 } }
      ]
    }, joined, box);
  });
})();
`;

/** The Markdown's emoji marks, dropped: the page says the same with colour, and needs no emoji font. */
function plain(text: string): string {
  return text.replace(/[✅❌⚠]\s*/gu, '');
}

function measuredTable(rows: readonly ComparisonRow[], indexOf: ReadonlyMap<string, number>, threshold: number): string {
  return `
  <table>
    <thead><tr><th>#</th><th>benchmark</th><th>unit</th><th>base</th><th>head</th><th>change</th><th>95% interval</th><th>p</th><th>detects</th><th></th></tr></thead>
    <tbody>${rows
      .map((row) => {
        const index = indexOf.get(row.id);
        return `
      <tr class="${row.exceedsThreshold ? 'fail' : row.status}">
        <td>${index === undefined ? '' : `<a href="#chart-${index}">${index}</a>`}</td><td>${esc(row.name)}</td><td>${esc(row.unit)}, ${directionLabel(row.direction)}</td>
        <td class="num">${row.base ? esc(formatMedian(row.base)) : ''}</td><td class="num">${row.head ? esc(formatMedian(row.head)) : ''}</td>
        <td class="num">${esc(formatChange(row))}</td><td class="num">${esc(formatInterval(row))}</td><td class="num">${row.p === undefined ? '' : formatP(row.p)}</td>
        <td class="num">${esc(formatDetects(row))}</td><td>${esc(plain(statusLabel(row, threshold)))}</td>
      </tr>`;
      })
      .join('')}
    </tbody>
  </table>`;
}

function countedTable(rows: readonly ComparisonRow[], threshold: number): string {
  return `
  <table>
    <thead><tr><th>counted cost</th><th>unit</th><th>base</th><th>head</th><th></th></tr></thead>
    <tbody>${rows
      .map((row) => {
        const cells = countedCells(row);
        return `
      <tr class="${row.exceedsThreshold ? 'fail' : row.status}"><td>${esc(row.name)}</td><td>${esc(row.unit)}</td><td class="num">${esc(cells.base)}</td><td class="num">${esc(cells.head)}</td><td>${esc(plain(statusLabel(row, threshold)))}</td></tr>`;
      })
      .join('')}
    </tbody>
  </table>`;
}
