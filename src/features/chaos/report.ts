/**
 * The report of a chaos run (pure): verdicts with their evidence, the timeline of faults against workflow
 * progress, the branches the workflows reached, the failing workflows with their Web UI addresses, and how to
 * replay the run exactly.
 */
import { type BranchesReached, describeBranches } from './branches.ts';
import type { Verdict } from './checkers/verdict.ts';
import type { HistoryEntry } from './history.ts';
import { catalogueOf, type PointCatalogue } from './explore-points.ts';
import { describeOutcome } from './point-nemesis.ts';
import type { PlannedOperation } from './plan.ts';
import type { RunResult, RunTimings } from './runner.ts';
import { describeWarmUp, type WarmUpSummary } from './warm-up.ts';

export const CHAOS_REPORT_SCHEMA = 'tempest.chaos/v1';

export interface TimelineOperation {
  op: string;
  kind: string;
  workflowId: string;
  startMs: number;
  /** When the client saw it end; undefined when it never did (settled later, or never). */
  endMs?: number;
  /** ok, fail or info as the client saw it. */
  result?: 'ok' | 'fail' | 'info';
  /** How the workflow really ended, after settling. */
  status: string;
}

export interface TimelineFault {
  id: string;
  what: string;
  /** When it was applied; undefined for a fault placed at a point the run never reached. */
  startMs?: number;
  endMs?: number;
}

export interface ChaosReport {
  schema: typeof CHAOS_REPORT_SCHEMA;
  scenario: { name: string; description: string };
  seed: number;
  runId: string;
  provider: string;
  /** Every invariant held (false too when the system never worked: see neverWorked). */
  ok: boolean;
  verdicts: Verdict[];
  /** The fault-free warm-up before the faults, when the run had one: what it established. */
  warmUp?: WarmUpSummary;
  /**
   * The system never worked, in the warm-up or in the run: a harness error (exit 2), never a verdict. `line` names
   * the module, the activity or workflow, the error and its first stack frame; the run has no verdicts then.
   */
  neverWorked?: { line: string; during: 'warm-up' | 'run' };
  /** The command that replays this run exactly. */
  replay: string;
  timings: RunTimings;
  webUiUrl?: string;
  failingWorkflows: { workflowId: string; webUi?: string }[];
  timeline: { operations: TimelineOperation[]; faults: TimelineFault[] };
  counts: { operations: number; completed: number; failed: number; unknownToClient: number };
  /** The endings each workflow type and intent reached: which branches of the workflows the run exercised. */
  branches: BranchesReached[];
  /** Each fault placed at a point: where it fired, or that its point was never reached (then the run proves nothing). */
  pointFaults: { id: string; reached: boolean; line: string }[];
  /** The points of the system's progress the run passed, and how many of each (first attempts of each activity type, requests by kind). */
  pointsPassed: PointCatalogue;
}

function timeline(result: RunResult, history: readonly HistoryEntry[]): ChaosReport['timeline'] {
  const operations: TimelineOperation[] = result.plan.operations.map((op) => {
    const mine = history.filter((e) => e.op === op.id && e.f === op.kind);
    const start = mine.find((e) => e.type === 'invoke');
    const end = mine.find((e) => e.type !== 'invoke');
    const status = result.observations.outcomes.find((o) => o.workflowId === op.workflowId)?.status ?? 'unknown';
    return {
      op: op.id,
      kind: op.kind,
      workflowId: op.workflowId,
      startMs: start?.timeMs ?? op.startAtMs,
      endMs: end?.timeMs,
      result: end?.type as TimelineOperation['result'],
      status,
    };
  });
  const faults: TimelineFault[] = result.plan.faults.map((fault) => {
    const applied = history.find((e) => e.process === 'nemesis' && e.f === 'fault' && e.op === fault.id && e.type === 'invoke');
    const healed = history.find((e) => e.process === 'nemesis' && e.f === 'heal' && e.op === fault.id && e.type !== 'invoke');
    return {
      id: fault.id,
      what: fault.what,
      startMs: applied?.timeMs ?? fault.atMs,
      endMs: healed?.timeMs ?? fault.healAtMs,
    };
  });
  return { operations, faults };
}

/** Characters a workflow id or operation id is made of next to each other: a mention ends where these do. */
const ID_CHARACTER = /[A-Za-z0-9_-]/;

/** Whether `text` names `name` as a whole: `hold-1` in "hold-1 released twice", not in "hold-17 released twice". */
function mentions(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = text[at - 1];
    const after = text[at + name.length];
    if ((before === undefined || !ID_CHARACTER.test(before)) && (after === undefined || !ID_CHARACTER.test(after))) return true;
  }
  return false;
}

/** The operations whose workflow the evidence names (by workflow id, or as `<kind> <op id>`). */
function operationsNamedIn(evidence: readonly string[], operations: readonly PlannedOperation[]): PlannedOperation[] {
  return operations.filter((op) => evidence.some((line) => mentions(line, op.workflowId) || mentions(line, `${op.kind} ${op.id}`)));
}

export function buildReport(
  result: RunResult,
  meta: { scenario: { name: string; description: string }; provider: string; replay: string },
): ChaosReport {
  const ok = result.neverWorked === undefined && result.verdicts.every((v) => v.ok) && result.pointOutcomes.every((o) => o.reached);
  const failing = operationsNamedIn(
    result.verdicts.flatMap((v) => v.evidence),
    result.plan.operations,
  );
  const ui = (workflowId: string): string | undefined =>
    result.webUiUrl ? `${result.webUiUrl}/namespaces/${result.namespace}/workflows/${encodeURIComponent(workflowId)}` : undefined;
  const tl = timeline(result, result.observations.history);
  return {
    schema: CHAOS_REPORT_SCHEMA,
    scenario: meta.scenario,
    seed: result.plan.seed,
    runId: result.plan.runId,
    provider: meta.provider,
    ok,
    verdicts: result.verdicts,
    ...(result.warmUp ? { warmUp: result.warmUp } : {}),
    ...(result.neverWorked ? { neverWorked: result.neverWorked } : {}),
    replay: meta.replay,
    timings: result.timings,
    webUiUrl: result.webUiUrl,
    failingWorkflows: failing.map((op) => ({ workflowId: op.workflowId, webUi: ui(op.workflowId) })),
    timeline: tl,
    counts: {
      operations: tl.operations.length,
      completed: tl.operations.filter((o) => o.status === 'completed').length,
      failed: tl.operations.filter((o) => o.status === 'failed').length,
      unknownToClient: tl.operations.filter((o) => o.result === 'info' || o.result === undefined).length,
    },
    branches: result.branches,
    pointFaults: result.pointOutcomes.map((o) => ({ id: o.id, reached: o.reached, line: describeOutcome(o) })),
    pointsPassed: catalogueOf(result.points),
  };
}

/** The faults placed at points whose point the run never reached: a run that proves nothing about them. */
export const unreachedPoints = (report: ChaosReport): string[] => report.pointFaults.filter((f) => !f.reached).map((f) => f.line);

/** The lines printed at the end of a run. */
export function renderText(report: ChaosReport, maxEvidence = 8): string[] {
  const lines = [
    '',
    `${report.scenario.name} (seed ${report.seed}, ${report.provider}): ${report.counts.operations} workflows, ${report.counts.completed} completed, ${report.counts.failed} failed, ${report.counts.unknownToClient} unknown to the client; ${report.timeline.faults.length} faults`,
  ];
  if (report.warmUp) lines.push(`  warm-up: ${describeWarmUp(report.warmUp)}`);
  lines.push('  branches reached (workflow type, intent (planned): each ending and how many reached it):');
  for (const group of report.branches) lines.push(`         ${describeBranches(group)}`);
  if (report.pointFaults.length > 0) lines.push('  faults placed at points:');
  for (const fault of report.pointFaults) lines.push(`  ${fault.reached ? 'ok  ' : 'NONE'} ${fault.line}`);
  for (const verdict of report.verdicts) {
    lines.push(`  ${verdict.ok ? 'ok  ' : 'FAIL'} ${verdict.checker}`);
    for (const line of verdict.evidence.slice(0, maxEvidence)) lines.push(`         ${line}`);
    if (verdict.evidence.length > maxEvidence)
      lines.push(`         ... and ${verdict.evidence.length - maxEvidence} more (see the report)`);
  }
  const warmUpId = report.warmUp?.runId;
  if (warmUpId && report.verdicts.some((v) => !v.ok && v.evidence.some((line) => line.includes(warmUpId))))
    lines.push(
      `  note: the evidence names the warm-up's state (${warmUpId}): the system's snapshot reads more than the run's own (filter it by runId)`,
    );
  if (report.failingWorkflows.length > 0 && report.webUiUrl) {
    lines.push(
      "  failing workflows in the Temporal Web UI (up while the cluster runs: --keep-running; their histories are in the report's histories/):",
    );
    for (const w of report.failingWorkflows.slice(0, maxEvidence)) lines.push(`         ${w.webUi}`);
  }
  const t = report.timings;
  lines.push(
    `  cluster start ${(t.clusterStartMs / 1000).toFixed(1)} s, warm-up ${(t.warmUpMs / 1000).toFixed(1)} s, workload ${(t.workloadMs / 1000).toFixed(1)} s, settle ${(t.settleMs / 1000).toFixed(1)} s, checks ${(t.checkMs / 1000).toFixed(1)} s, total ${(t.totalMs / 1000).toFixed(1)} s`,
  );
  lines.push(`  ${verdictLine(report)}; replay this run exactly: ${report.replay}`);
  return lines;
}

/** What the run established, in capitals when it is not good news. */
function verdictLine(report: ChaosReport): string {
  if (report.neverWorked)
    return `HARNESS ERROR: the system never worked${report.neverWorked.during === 'warm-up' ? ' without faults (in the warm-up)' : ''}, so nothing was judged: ${report.neverWorked.line}`;
  if (report.ok) return 'every invariant held';
  return report.verdicts.every((v) => v.ok) ? 'INCONCLUSIVE: a fault never reached its point' : 'AN INVARIANT WAS VIOLATED';
}
