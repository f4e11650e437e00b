/**
 * The report of a chaos run (pure): verdicts with their evidence, the timeline of faults against workflow
 * progress, the branches the workflows reached, the failing workflows with their Web UI addresses, and how to
 * replay the run exactly.
 */
import { type BranchesReached, describeBranches } from './branches.ts';
import type { Verdict } from './checkers/verdict.ts';
import type { HistoryEntry } from './history.ts';
import { describeAction } from './nemesis.ts';
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
  startMs: number;
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
      what: describeAction(fault.action),
      startMs: applied?.timeMs ?? fault.atMs,
      endMs: healed?.timeMs ?? fault.healAtMs,
    };
  });
  return { operations, faults };
}

export function buildReport(
  result: RunResult,
  meta: { scenario: { name: string; description: string }; provider: string; replay: string },
): ChaosReport {
  const ok = result.neverWorked === undefined && result.verdicts.every((v) => v.ok);
  const evidence = result.verdicts.flatMap((v) => v.evidence).join('\n');
  const failing = result.plan.operations.filter((op) => evidence.includes(op.workflowId) || evidence.includes(`${op.kind} ${op.id} `));
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
  };
}

/** The lines printed at the end of a run. */
export function renderText(report: ChaosReport, maxEvidence = 8): string[] {
  const lines = [
    '',
    `${report.scenario.name} (seed ${report.seed}, ${report.provider}): ${report.counts.operations} workflows, ${report.counts.completed} completed, ${report.counts.failed} failed, ${report.counts.unknownToClient} unknown to the client; ${report.timeline.faults.length} faults`,
  ];
  if (report.warmUp) lines.push(`  warm-up: ${describeWarmUp(report.warmUp)}`);
  lines.push('  branches reached (workflow type, intent (planned): each ending and how many reached it):');
  for (const group of report.branches) lines.push(`         ${describeBranches(group)}`);
  for (const verdict of report.verdicts) {
    lines.push(`  ${verdict.ok ? 'ok  ' : 'FAIL'} ${verdict.checker}`);
    for (const line of verdict.evidence.slice(0, maxEvidence)) lines.push(`         ${line}`);
    if (verdict.evidence.length > maxEvidence)
      lines.push(`         ... and ${verdict.evidence.length - maxEvidence} more (see the report)`);
  }
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
  return report.ok ? 'every invariant held' : 'AN INVARIANT WAS VIOLATED';
}
