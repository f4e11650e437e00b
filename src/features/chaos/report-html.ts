/**
 * A chaos run's report as one self-contained HTML page that works offline: the timeline of faults (shaded) against
 * workflow progress (in flight, completed, errors), the branches the workflows reached, each invariant's verdict
 * with its evidence, the failing workflows with their Web UI addresses, and the command that replays the run.
 */
import { escapeHtml, jsonForScript, uplotAssets } from '../../base/report-assets.ts';
import type { ChaosReport } from './report.ts';
import { describeWarmUp } from './warm-up.ts';

/** Progress over time, sampled every 250 ms: workflows in flight, completed so far, errors so far (fail or info). */
export function progressSeries(report: ChaosReport): { t: number[]; inFlight: number[]; completed: number[]; errors: number[] } {
  const ops = report.timeline.operations;
  const faults = report.timeline.faults.flatMap((f) => (f.startMs === undefined ? [] : [f.endMs ?? f.startMs]));
  const end = Math.max(1000, ...ops.map((o) => o.endMs ?? o.startMs), ...faults) + 500;
  const series = { t: [] as number[], inFlight: [] as number[], completed: [] as number[], errors: [] as number[] };
  for (let ms = 0; ms <= end; ms += 250) {
    series.t.push(ms / 1000);
    series.inFlight.push(ops.filter((o) => o.startMs <= ms && (o.endMs === undefined || o.endMs > ms)).length);
    series.completed.push(ops.filter((o) => o.endMs !== undefined && o.endMs <= ms && o.result === 'ok').length);
    series.errors.push(ops.filter((o) => o.endMs !== undefined && o.endMs <= ms && o.result !== 'ok').length);
  }
  return series;
}

/** The page's own style, after uPlot's. */
const CHAOS_CSS = `body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2330; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } .sub { color: #566; margin-top: 0; }
.banner { padding: .7rem 1rem; border-radius: 6px; font-weight: 600; }
.banner.ok { background: #e3f6e8; color: #135c2b; } .banner.bad { background: #fde6e6; color: #8a1010; }
.banner.harness { background: #fff1d6; color: #7a4a00; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; } td, th { border-bottom: 1px solid #e2e6ea; padding: .35rem .5rem; text-align: left; vertical-align: top; }
tr.bad td:first-child { color: #b00020; font-weight: 700; } tr.ok td:first-child { color: #1b7f3a; }
code { background: #f1f3f5; padding: .1rem .3rem; border-radius: 3px; } ul { margin: 0; padding-left: 1.1rem; }
#timeline { margin: 1rem 0; }`;

/** Draws the timeline from `data` (the progress series and the faults as shaded bands) with uPlot. */
const TIMELINE_SCRIPT = `const s = data.series;
const bands = {
  hooks: {
    drawClear: [(u) => {
      const ctx = u.ctx;
      ctx.save();
      data.faults.forEach((f, i) => {
        const x0 = u.valToPos(f.start, 'x', true);
        const x1 = Math.max(x0 + 2, u.valToPos(f.end, 'x', true));
        ctx.fillStyle = i % 2 ? 'rgba(220, 60, 60, 0.14)' : 'rgba(230, 140, 20, 0.16)';
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      });
      ctx.restore();
    }],
  },
};
const chart = new uPlot({
  width: Math.min(1060, document.body.clientWidth),
  height: 320,
  plugins: [bands],
  scales: { x: { time: false } },
  axes: [{ label: 'seconds since the workload started' }, { label: 'workflows' }],
  series: [
    {},
    { label: 'in flight', stroke: '#2f6fd6', width: 2 },
    { label: 'completed', stroke: '#1b7f3a', width: 2 },
    { label: 'errors (fail or unknown)', stroke: '#c0262d', width: 2 },
  ],
}, [s.t, s.inFlight, s.completed, s.errors], document.getElementById('timeline'));
chart.over.addEventListener('mousemove', (e) => {
  const at = chart.posToVal(e.offsetX, 'x');
  const hit = data.faults.filter((f) => at >= f.start && at <= f.end).map((f) => f.what);
  chart.over.title = hit.join('\\n');
});`;

export function renderChaosHtml(report: ChaosReport): string {
  const { js, css } = uplotAssets();
  const data = {
    series: progressSeries(report),
    faults: report.timeline.faults.flatMap((f) =>
      f.startMs === undefined ? [] : [{ what: f.what, start: f.startMs / 1000, end: (f.endMs ?? f.startMs) / 1000 }],
    ),
  };
  const verdicts = report.verdicts
    .map(
      (v) =>
        `<tr class="${v.ok ? 'ok' : 'bad'}"><td>${v.ok ? 'held' : 'VIOLATED'}</td><td>${escapeHtml(v.checker)}</td><td>${
          v.evidence.length === 0 ? '' : `<ul>${v.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
        }</td></tr>`,
    )
    .join('\n');
  const faults = report.timeline.faults
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.id)}</td><td>${escapeHtml(f.what)}</td><td>${f.startMs === undefined ? 'its point was never reached' : `${(f.startMs / 1000).toFixed(1)} s`}</td><td>${f.endMs === undefined ? (f.startMs === undefined ? '' : 'permanent') : `${(f.endMs / 1000).toFixed(1)} s`}</td></tr>`,
    )
    .join('\n');
  const failing = report.failingWorkflows
    .map((w) => `<li>${w.webUi ? `<a href="${escapeHtml(w.webUi)}">${escapeHtml(w.workflowId)}</a>` : escapeHtml(w.workflowId)}</li>`)
    .join('');
  const branches = report.branches
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.workflowType)}</td><td>${g.intent === undefined ? '' : escapeHtml(g.intent)}</td><td>${g.planned}</td><td><ul>${g.reached
          .map((r) => `<li>${escapeHtml(r.branch)}: ${r.count}</li>`)
          .join('')}</ul></td></tr>`,
    )
    .join('\n');
  const t = report.timings;
  const banner = report.neverWorked
    ? `<p class="banner harness">Harness error: the system never worked${report.neverWorked.during === 'warm-up' ? ' without faults (in the warm-up)' : ''}, so nothing was judged. ${escapeHtml(report.neverWorked.line)}</p>`
    : '';
  const warmUp = report.warmUp
    ? `<h2>Warm-up</h2>
<p class="sub">A short slice of the workload on the same cluster with no fault at all, before the faults: it establishes that the system works without them.</p>
<p class="warm-up">${escapeHtml(describeWarmUp(report.warmUp))}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tempest chaos: ${escapeHtml(report.scenario.name)} (seed ${report.seed})</title>
<style>${css}
${CHAOS_CSS}
</style>
</head>
<body>
<h1>${escapeHtml(report.scenario.name)}</h1>
<p class="sub">${escapeHtml(report.scenario.description)}</p>
${banner}
<p class="banner ${report.ok ? 'ok' : report.neverWorked ? 'harness' : 'bad'}">${report.ok ? 'Every invariant held.' : report.neverWorked ? 'No verdict.' : 'An invariant was violated.'} Seed ${report.seed}, ${escapeHtml(report.provider)} cluster,
${report.counts.operations} workflows (${report.counts.completed} completed, ${report.counts.failed} failed, ${report.counts.unknownToClient} unknown to the client), ${report.timeline.faults.length} faults.</p>
<p>Replay this run exactly: <code>${escapeHtml(report.replay)}</code></p>
${warmUp}
<h2>Timeline</h2>
<p class="sub">Shaded bands are faults (hover a band for its name). Lines: workflows in flight, completed, and errors (failed or unknown) as the client saw them.</p>
<div id="timeline"></div>
<h2>Branches reached</h2>
<p class="sub">How the operations of each workflow type and intent ended: which branches of the workflows this run exercised.</p>
<table><thead><tr><th>workflow type</th><th>intent</th><th>planned</th><th>ended</th></tr></thead><tbody>
${branches || '<tr><td colspan="4">none</td></tr>'}
</tbody></table>
<h2>Invariants</h2>
<table><thead><tr><th>verdict</th><th>invariant</th><th>evidence</th></tr></thead><tbody>
${verdicts}
</tbody></table>
${failing ? `<h2>Failing workflows</h2><p class="sub">Temporal Web UI addresses (live while the cluster runs).</p><ul>${failing}</ul>` : ''}
<h2>Faults</h2>
<table><thead><tr><th>id</th><th>fault</th><th>from</th><th>until</th></tr></thead><tbody>
${faults || '<tr><td colspan="4">none</td></tr>'}
</tbody></table>
<p class="sub">Cluster start ${(t.clusterStartMs / 1000).toFixed(1)} s, warm-up ${(t.warmUpMs / 1000).toFixed(1)} s, workload ${(t.workloadMs / 1000).toFixed(1)} s, settle ${(t.settleMs / 1000).toFixed(1)} s, checks ${(t.checkMs / 1000).toFixed(1)} s, total ${(t.totalMs / 1000).toFixed(1)} s. Run ${escapeHtml(report.runId)}.</p>
<script>${js}</script>
<script>
const data = ${jsonForScript(data)};
${TIMELINE_SCRIPT}
</script>
</body>
</html>
`;
}
