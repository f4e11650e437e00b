/**
 * The warm-up before the faults (Jepsen's practice), its plan pure: a few operations of each workflow type of the
 * same workload, under ids of their own, all at once, with no fault. And what a report says of it: the warm-up that
 * established the system works, or the harness error of a system that never worked (no verdict then).
 */
import { describe, expect, it } from 'vitest';
import bankAndStore from '../../chaos/system';
import { planScenario } from '../../src/features/chaos/plan';
import { buildReport, renderText } from '../../src/features/chaos/report';
import { renderChaosHtml } from '../../src/features/chaos/report-html';
import type { RunResult } from '../../src/features/chaos/runner';
import { bindScenario, defineScenario } from '../../src/features/chaos/scenario';
import { describeWarmUp, noWarmUpFor, warmUpPlan, type WarmUpSummary } from '../../src/features/chaos/warm-up';

const scenario = bindScenario(
  defineScenario({
    name: 'mixed',
    description: 'transfers and sagas while the bank link is down',
    workload: { transfers: 20, sagas: 6, concurrency: 3, spreadOver: '20s' },
    faults: [{ action: { kind: 'link-down', link: 'worker-bank' }, at: '2s', for: '5s' }],
    settleWithin: '30s',
  }),
  bankAndStore,
);

describe('the warm-up plan', () => {
  const run = planScenario(scenario, 5, 'mixed-5-abc');
  const warmUp = warmUpPlan(scenario, 5, 'mixed-5-abc');

  it('takes the first operations of each workflow type (as many as the concurrency, at most 4), all at once, and no fault', () => {
    expect(warmUp.faults).toEqual([]);
    expect(warmUp.faultPhaseEndsMs).toBe(0);
    const types = warmUp.operations.map((op) => op.workflowType);
    expect(types.filter((t) => t === 'moneyTransfer')).toHaveLength(3);
    expect(types.filter((t) => t === 'orderSaga')).toHaveLength(3);
    expect(warmUp.operations.every((op) => op.startAtMs === 0)).toBe(true);
  });

  it("runs under ids of its own, which the run's prefix (its snapshot's slice) never matches", () => {
    const accounts = (warmUp.setup as { accounts: { accountId: string }[] }).accounts.map((a) => a.accountId);
    const references = warmUp.operations
      .flatMap((op) => op.args as { referenceId?: string; orderId?: string }[])
      .map((a) => a.referenceId ?? a.orderId!);
    expect(warmUp.runId).toBe('warm-up-mixed-5-abc');
    for (const id of [...accounts, ...references]) {
      expect(id.startsWith(`${warmUp.runId}-`)).toBe(true);
      expect(id.startsWith(`${run.runId}-`)).toBe(false);
    }
  });

  it('is the same for the same seed (pure)', () => {
    expect(warmUpPlan(scenario, 5, 'mixed-5-abc')).toEqual(warmUp);
  });
});

const summary = (more: Partial<WarmUpSummary> = {}): WarmUpSummary => ({
  runId: 'warm-up-r',
  operations: 6,
  completed: 5,
  failed: 1,
  running: 0,
  durationMs: 3100,
  worked: { activities: ['withdraw'], workflows: ['moneyTransfer'] },
  ...more,
});

const result = (more: Partial<RunResult>): RunResult =>
  ({
    plan: { scenario: 's', seed: 3, runId: 'r', setup: undefined, operations: [], faults: [], faultPhaseEndsMs: 0 },
    verdicts: [],
    branches: [],
    observations: { history: [], outcomes: [] },
    timings: { clusterStartMs: 0, warmUpMs: 3100, workloadMs: 0, settleMs: 0, checkMs: 0, totalMs: 0 },
    namespace: 'default',
    pointOutcomes: [],
    points: [],
    ...more,
  }) as unknown as RunResult;

const meta = { scenario: { name: 's', description: 'd' }, provider: 'local', replay: 'tempest chaos run s --seed 3' };

describe('what a report says of the warm-up', () => {
  it('that it established the system works without faults, in its text and its page', () => {
    const report = buildReport(result({ warmUp: summary(), verdicts: [{ checker: 'all-finished', ok: true, evidence: [] }] }), meta);

    expect(report.ok).toBe(true);
    expect(describeWarmUp(summary())).toBe('6 operations without faults in 3.1 s: 5 completed, 1 failed; the system works without faults');
    expect(renderText(report)).toContain(
      '  warm-up: 6 operations without faults in 3.1 s: 5 completed, 1 failed; the system works without faults',
    );
    expect(renderChaosHtml(report)).toContain(
      '<p class="warm-up">6 operations without faults in 3.1 s: 5 completed, 1 failed; the system works without faults</p>',
    );
  });

  it('a system that never worked: a harness error and no verdict, in the JSON, the text and the page', () => {
    const line =
      'activities/index.ts: activity withdraw failed with TypeError on all 3 attempts and never completed: TypeError: x (at withdraw (activities/index.ts:29:14))';
    const report = buildReport(
      result({ warmUp: summary({ completed: 0, failed: 0, running: 6, neverWorked: line }), neverWorked: { line, during: 'warm-up' } }),
      meta,
    );

    expect(report).toMatchObject({ ok: false, verdicts: [], neverWorked: { line, during: 'warm-up' } });
    expect(renderText(report).at(-1)).toBe(
      `  HARNESS ERROR: the system never worked without faults (in the warm-up), so nothing was judged: ${line}; replay this run exactly: tempest chaos run s --seed 3`,
    );
    const html = renderChaosHtml(report);
    expect(html).toContain(
      '<p class="banner harness">Harness error: the system never worked without faults (in the warm-up), so nothing was judged.',
    );
    expect(html).not.toContain('An invariant was violated.');
  });
});

describe('when a run has no warm-up, although asked', () => {
  it('a scenario that deploys other code: its starting code is meant to be replaced', () => {
    const deploys = bindScenario(
      defineScenario({
        name: 'fixed-by-deploy',
        description: 'd',
        workload: { transfers: 4, concurrency: 4 },
        faults: [{ action: { kind: 'deploy', activities: 'activities/worker.ts' }, at: '4s' }],
      }),
      bankAndStore,
    );
    expect(noWarmUpFor(planScenario(deploys, 1, 'r'))).toBe('the scenario deploys other code during the run');
    expect(noWarmUpFor(planScenario(scenario, 1, 'r'))).toBeUndefined();
  });

  it('a warm-up whose slice did not all end says what made progress, not that the system works', () => {
    expect(describeWarmUp(summary({ completed: 0, failed: 0, running: 4, operations: 4, durationMs: 20_000 }))).toBe(
      '4 operations without faults in 20.0 s: 0 completed, 0 failed, 4 not ended when the warm-up did (terminated); the system made progress without faults (activities withdraw completed)',
    );
  });
});
