import { describe, expect, it } from 'vitest';
import { planScenario } from '../../src/chaos/plan';
import { defineScenario, type ScenarioSpec } from '../../src/chaos/scenario';

const base: ScenarioSpec = {
  name: 'worker-dies',
  description: 'a worker is killed mid-transfer',
  workload: { transfers: 20, sagas: 5, orders: 5, concurrency: 4, mix: { invalidAccount: 0.1, insufficientFunds: 0.1, cancel: 0.3 }, spreadOver: '3s' },
  faults: [
    { action: { kind: 'kill', process: 'worker' }, at: { between: ['1s', '2s'] }, for: '2s' },
    { action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', attributes: { latency: 300, jitter: 50 } }, at: '500ms' },
  ],
};

function problem(spec: unknown): string {
  try {
    defineScenario(spec as ScenarioSpec);
  } catch (error) {
    return (error as Error).message;
  }
  return expect.fail('the scenario was accepted');
}

describe('defineScenario', () => {
  it('fills in the defaults: every check, a 60 s settle bound, 2 workers', () => {
    const scenario = defineScenario(base);
    expect(scenario.checks).toHaveLength(7);
    expect(scenario.settleWithinMs).toBe(60_000);
    expect(scenario.workers).toBe(2);
  });

  it.each([
    [{ ...base, name: 'Worker Dies' }, 'name: expected kebab-case, got "Worker Dies"'],
    [{ ...base, workload: { ...base.workload, concurrency: 0 } }, 'workload.concurrency: expected a whole number >= 1, got 0'],
    [{ ...base, workload: { concurrency: 2 } }, 'workload: runs nothing: give transfers, sagas or orders'],
    [{ ...base, workload: { ...base.workload, mix: { cancel: 2 } } }, 'workload.mix.cancel: expected a fraction from 0 to 1, got 2'],
    [{ ...base, faults: [{ action: { kind: 'toxic', link: 'worker-db', toxic: 'latency' }, at: 0 }] }, 'faults[0].action.link: expected one of worker-temporal, client-temporal, worker-bank, worker-store, got "worker-db"'],
    [{ ...base, faults: [{ action: { kind: 'toxic', link: 'worker-bank', toxic: 'jitter' }, at: 0 }] }, 'faults[0].action.toxic: expected one of latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, got "jitter"'],
    [{ ...base, faults: [{ action: { kind: 'kill', process: 'db' }, at: 0 }] }, 'faults[0].action.process: expected temporal, bank, store, worker or worker-<n>, got "db"'],
    [{ ...base, faults: [{ action: { kind: 'kill', process: 'bank' }, at: 'soon' }] }, `faults[0].at: expected a duration such as 500, '500ms', '2s' or '1m', got "soon"`],
    [{ ...base, faults: [{ action: { kind: 'pause', process: 'bank' }, at: { between: ['3s', '1s'] } }] }, 'faults[0].at.between: the window ends before it starts'],
    [{ ...base, faults: [{ action: { kind: 'explode' }, at: 0 }] }, 'faults[0].action.kind: expected toxic, link-down, kill, pause or deploy, got "explode"'],
    [{ ...base, checks: ['money-conserved', 'vibes'] }, 'checks[1]: expected one of money-conserved'],
  ])('rejects a bad scenario naming the field (%#)', (spec, message) => {
    expect(problem(spec)).toContain(message);
  });
});

describe('planScenario', () => {
  const scenario = defineScenario(base);

  it('gives the same plan for the same seed, and another for another seed', () => {
    expect(planScenario(scenario, 42, 'run')).toEqual(planScenario(scenario, 42, 'run'));
    expect(planScenario(scenario, 43, 'run').faults).not.toEqual(planScenario(scenario, 42, 'run').faults);
  });

  it('plans every operation with an intent, and faults within their windows', () => {
    const plan = planScenario(scenario, 7, 'run');
    expect(plan.operations.map((o) => o.kind).sort()).toEqual([...Array(20).fill('transfer'), ...Array(5).fill('saga'), ...Array(5).fill('order')].sort());
    const [kill, latency] = plan.faults;
    expect(kill!.action).toEqual({ kind: 'kill', process: expect.stringMatching(/^worker-[12]$/) });
    expect(kill!.atMs).toBeGreaterThanOrEqual(1000);
    expect(kill!.atMs).toBeLessThanOrEqual(2000);
    expect(kill!.healAtMs).toBe(kill!.atMs + 2000);
    // No duration: healed when the fault phase ends, after every other timed event.
    expect(latency!.healAtMs).toBe(plan.faultPhaseEndsMs);
    expect(plan.faultPhaseEndsMs).toBeGreaterThan(Math.max(kill!.healAtMs!, ...plan.operations.map((o) => o.startAtMs)));
  });

  it('makes invalid-account transfers target an account that does not exist and oversized ones exceed every balance', () => {
    const plan = planScenario(defineScenario({ ...base, workload: { transfers: 200, concurrency: 1, mix: { invalidAccount: 0.3, insufficientFunds: 0.3 } } }), 1, 'run');
    const accounts = new Set(plan.seeding.accounts.map((a) => a.accountId));
    const total = plan.seeding.accounts.reduce((sum, a) => sum + a.balance, 0);
    for (const op of plan.operations) {
      if (op.kind !== 'transfer') continue;
      expect(accounts.has(op.input.targetAccount), op.id).toBe(op.intent !== 'invalid-account');
      expect(op.input.amount > total, op.id).toBe(op.intent === 'insufficient-funds');
      expect(op.input.sourceAccount).not.toBe(op.input.targetAccount);
    }
    expect(new Set(plan.operations.map((o) => o.intent))).toEqual(new Set(['valid', 'invalid-account', 'insufficient-funds']));
  });
});
