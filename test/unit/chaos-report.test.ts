import { describe, expect, it } from 'vitest';
import type { PlannedOperation } from '../../src/features/chaos/plan';
import { buildReport } from '../../src/features/chaos/report';
import type { RunResult } from '../../src/features/chaos/runner';

const hold = (n: number): PlannedOperation => ({
  id: `h${n}`,
  kind: 'hold',
  workflowType: 'holdSeat',
  workflowId: `hold-${n}`,
  taskQueue: 'box-office',
  args: [],
  startAtMs: 0,
  steps: [],
});

/** A finished run of holds 1, 17 and 19 whose one violated checker gives `evidence`. */
function runWithEvidence(evidence: string[]): RunResult {
  const operations = [hold(1), hold(17), hold(19)];
  return {
    plan: { scenario: 's', seed: 1, runId: 'r', setup: undefined, operations, faults: [], faultPhaseEndsMs: 0 },
    verdicts: [{ checker: 'charged-once', ok: false, evidence }],
    branches: [],
    observations: {
      plan: undefined as never,
      history: [],
      outcomes: operations.map((op) => ({ workflowId: op.workflowId, op: op.id, status: 'completed' as const })),
      before: undefined,
      after: undefined,
      workflows: [],
      replay: [],
      unsettled: [],
      settleWithinMs: 60_000,
      businessErrors: [],
    },
    timings: { clusterStartMs: 0, warmUpMs: 0, workloadMs: 0, settleMs: 0, checkMs: 0, totalMs: 0 },
    webUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    finalCode: { workflowsPath: 'w.ts', activitiesPath: 'a.ts' },
    points: [],
    pointOutcomes: [],
  };
}

const failing = (evidence: string[]): string[] =>
  buildReport(runWithEvidence(evidence), {
    scenario: { name: 's', description: 'd' },
    provider: 'local',
    replay: 'r',
  }).failingWorkflows.map((w) => w.workflowId);

describe('the chaos report names the workflows its evidence is about', () => {
  it('only those named whole: evidence about hold-17 and hold-19 is not about hold-1', () => {
    expect(failing(['hold-17 charged twice', 'seat 4 of hold-19: charged twice (key hold-19:charge)'])).toEqual(['hold-17', 'hold-19']);
  });

  it('a workflow id at the end of a sentence, in parentheses or as an operation (hold h1)', () => {
    expect(failing(['charged twice: hold-1.'])).toEqual(['hold-1']);
    expect(failing(['charged twice (hold-19)'])).toEqual(['hold-19']);
    expect(failing(['hold h17: charged twice'])).toEqual(['hold-17']);
    expect(failing(['hold h1: charged twice, hold h19 too'])).toEqual(['hold-1', 'hold-19']);
  });
});
