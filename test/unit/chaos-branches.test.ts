import { describe, expect, it } from 'vitest';
import { branch } from '../../chaos/workload';
import { branchesReached } from '../../src/features/chaos/branches';
import type { OperationOutcome } from '../../src/features/chaos/observations';
import type { PlannedOperation } from '../../src/features/chaos/plan';
import { buildReport, renderText } from '../../src/features/chaos/report';
import { renderChaosHtml } from '../../src/features/chaos/report-html';
import { defineSystem } from '../../src/features/chaos/system';
import type { RunResult } from '../../src/features/chaos/runner';

const op = (id: string, workflowType: string, intent?: string): PlannedOperation => ({
  id,
  kind: workflowType,
  workflowType,
  workflowId: `${workflowType}-${id}`,
  taskQueue: 'q',
  args: [],
  startAtMs: 0,
  steps: [],
  ...(intent ? { intent } : {}),
});
const ended = (
  o: PlannedOperation,
  status: OperationOutcome['status'],
  more: { failureType?: string; result?: unknown } = {},
): OperationOutcome => ({ workflowId: o.workflowId, op: o.id, status, ...more }) as OperationOutcome;

describe('the branches a run reached, per workflow type and intent', () => {
  const operations = [
    op('t1', 'transfer', 'valid'),
    op('t2', 'transfer', 'valid'),
    op('t3', 'transfer', 'invalid-account'),
    op('t4', 'transfer', 'valid'),
    op('p1', 'ping'),
  ];
  const outcomes = [
    ended(operations[0]!, 'completed'),
    ended(operations[1]!, 'failed', { failureType: 'WithdrawalFailed' }),
    ended(operations[2]!, 'failed', { failureType: 'DepositFailed' }),
    ended(operations[3]!, 'completed'),
  ];

  it('counts each ending by its status and failure type, knowing no system (an operation without an outcome is unknown)', () => {
    expect(branchesReached({ operations }, outcomes)).toEqual([
      { workflowType: 'ping', planned: 1, reached: [{ branch: 'unknown', count: 1 }] },
      { workflowType: 'transfer', intent: 'invalid-account', planned: 1, reached: [{ branch: 'failed (DepositFailed)', count: 1 }] },
      {
        workflowType: 'transfer',
        intent: 'valid',
        planned: 3,
        reached: [
          { branch: 'completed', count: 2 },
          { branch: 'failed (WithdrawalFailed)', count: 1 },
        ],
      },
    ]);
  });

  it('names endings as the system’s workload.branch does: the packaged order tells an automatic rejection from a decided one', () => {
    const orders = [op('o1', 'order', 'auto-reject'), op('o2', 'order', 'reject'), op('o3', 'order', 'cancel')];
    const result = (state: string, decision?: string) => ({ result: { state, ...(decision ? { approval: { decision } } : {}) } });
    const orderOutcomes = [
      ended(orders[0]!, 'completed', result('rejected', 'auto-rejected')),
      ended(orders[1]!, 'completed', result('rejected', 'rejected')),
      ended(orders[2]!, 'completed', result('cancelled')),
    ];
    expect(branchesReached({ operations: orders }, orderOutcomes, branch).map((g) => [g.intent, g.reached.map((r) => r.branch)])).toEqual([
      ['auto-reject', ['completed (rejected, auto-rejected)']],
      ['cancel', ['completed (cancelled)']],
      ['reject', ['completed (rejected, rejected)']],
    ]);
  });

  it('are in the report, its text and its page', () => {
    const branches = branchesReached({ operations }, outcomes);
    const result = {
      plan: { scenario: 's', seed: 3, runId: 'r', setup: undefined, operations, faults: [], faultPhaseEndsMs: 0 },
      verdicts: [{ checker: 'all-finished', ok: true, evidence: [] }],
      branches,
      observations: { history: [], outcomes },
      timings: { clusterStartMs: 0, workloadMs: 0, settleMs: 0, checkMs: 0, totalMs: 0 },
      namespace: 'default',
      pointOutcomes: [],
      points: [],
    } as unknown as RunResult;
    const report = buildReport(result, {
      scenario: { name: 's', description: 'd' },
      provider: 'local',
      replay: 'tempest chaos run s --seed 3',
    });

    expect(report.branches).toEqual(branches);
    expect(renderText(report)).toEqual(
      expect.arrayContaining([
        '  branches reached (workflow type, intent (planned): each ending and how many reached it):',
        '         ping (1): unknown 1',
        '         transfer, invalid-account (1): failed (DepositFailed) 1',
        '         transfer, valid (3): completed 2, failed (WithdrawalFailed) 1',
      ]),
    );
    expect(renderChaosHtml(report)).toContain(
      '<tr><td>transfer</td><td>valid</td><td>3</td><td><ul><li>completed: 2</li><li>failed (WithdrawalFailed): 1</li></ul></td></tr>',
    );
  });
});

describe('workload.branch', () => {
  it('is optional, and must be a function when given: a system is refused naming the field', () => {
    const system = { name: 'trips', workers: { activities: 'a.ts', taskQueues: ['q'] }, workload: { plan: () => ({ operations: [] }) } };
    expect(defineSystem(system).workload.branch).toBeUndefined();
    expect(() => defineSystem({ ...system, workload: { ...system.workload, branch: 42 as unknown as () => string } })).toThrow(
      /^workload\.branch: expected a function$/,
    );
  });
});
