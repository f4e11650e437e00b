/**
 * Proof that the checkers work: each classic bug is caught under the scenario that exposes it, by the checker
 * that names it, while the packaged code passes the same scenario. A scenario whose bug needs a fault at a particular
 * moment places it at a point of the system's progress (the answer to a deposit lost after the bank applied it, a
 * worker killed right after a deposit returned), so it lands there on every run whatever the machine's speed; the
 * seeds only plan the workloads. Full chaos runs on one local cluster for the file (real dev server, services,
 * Toxiproxy, request gates, worker processes), each fixture's code deployed to its workers for its runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/features/chaos/report';
import { renderChaosHtml } from '../../src/features/chaos/report-html';
import { activityRetries } from '../../src/features/chaos/checkers/built-in';
import type { RunObservations } from '../../src/features/chaos/observations';
import type { RunResult } from '../../src/features/chaos/runner';
import { describeOutcome } from '../../src/features/chaos/point-nemesis';
import type { Audits } from '../../chaos/checkers';
import type { BoundScenario } from '../../src/features/chaos/scenario';
import type { WorkerCode } from '../../src/features/chaos/cluster';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { openOffline } from '../support/browser';
import { onPackagedSystem, packagedScenario, usePackagedSession } from '../support/chaos-cluster';

const fixture = (name: string): string => path.join(PROJECT_ROOT, 'test', 'fixtures', 'chaos', `${name}.ts`);

const cluster = usePackagedSession();

const run = (scenario: BoundScenario, seed: number, code: Partial<WorkerCode> = {}): Promise<RunResult> =>
  cluster.run(scenario, seed, { code });

/** The invariants a run broke, with their evidence; and a fault whose point was never reached (the run then proves nothing). */
const failing = (result: RunResult): Record<string, string[]> => {
  const unreached = result.pointOutcomes.filter((o) => !o.reached).map((o) => describeOutcome(o));
  return {
    ...Object.fromEntries(result.verdicts.filter((v) => !v.ok).map((v) => [v.checker, v.evidence])),
    ...(unreached.length > 0 ? { 'fault-never-reached-its-point': unreached } : {}),
  };
};

describe('a deposit whose idempotency key changes on every attempt', () => {
  it('creates money when the bank’s answer to a deposit is lost after it applied it, and money-conserved and transfers-ended-validly name it', async () => {
    const buggy = await run(await packagedScenario('deposit-answer-lost'), 1, { activitiesPath: fixture('deposit-key-per-attempt') });
    const bugs = failing(buggy);

    expect(buggy.pointOutcomes.map((o) => [o.reached, o.at?.source === 'request' && o.at.kind])).toEqual([[true, 'POST /deposit']]);
    expect(Object.keys(bugs).sort()).toEqual(['money-conserved', 'transfers-ended-validly']);
    expect(bugs['money-conserved']![0]).toMatch(/^total balance is \d+, it was \d+ \(\+\d+\)$/);
    expect(bugs['transfers-ended-validly']![0]).toMatch(/ended completed, the bank applied withdraw (\d+), deposit \1, deposit \1/);
  });

  it('the packaged deposit holds every invariant under the same scenario', async () => {
    expect(failing(await run(await packagedScenario('deposit-answer-lost'), 1))).toEqual({});
  });
});

describe('the Temporal tutorial’s money transfer, when a withdraw that applied gives up while the bank is away', () => {
  it('loses the money it reports as not moved, and money-conserved, transfers-ended-validly and failed-operations-applied-nothing name each transfer', async () => {
    const scenario = await packagedScenario('bank-outage-after-lost-answers');
    const buggy = await run(scenario, 1, { workflowsPath: fixture('tutorial-money-transfer') });
    const bugs = failing(buggy);

    expect(Object.keys(bugs).sort()).toEqual(['failed-operations-applied-nothing', 'money-conserved', 'transfers-ended-validly']);
    // The client was told the transfer failed (a Jepsen fail: no effect), yet the bank kept the withdrawal.
    expect(bugs['failed-operations-applied-nothing']!.length).toBe(bugs['transfers-ended-validly']!.length);
    for (const line of bugs['failed-operations-applied-nothing']!)
      expect(line).toMatch(/: the client saw fail \(WithdrawalFailed[^)]*\), but the bank applied withdraw \d+$/);
    expect(bugs['money-conserved']![0]).toMatch(/^total balance is \d+, it was \d+ \(-\d+\)$/);
    expect(
      bugs['money-conserved']!.slice(1).every((line) => /^transfer \S+: withdrew (\d+), deposited or refunded 0 \(-\1\)$/.test(line)),
    ).toBe(true);
    for (const line of bugs['transfers-ended-validly']!)
      expect(line).toMatch(/ended failed \(WithdrawalFailed\), the bank applied withdraw \d+$/);
  });

  it('the packaged transfer returns every such withdrawal and holds every invariant under the same scenario', async () => {
    const result = await run(await packagedScenario('bank-outage-after-lost-answers'), 1);
    expect(failing(result)).toEqual({});
    // The scenario did reach the window: some withdraw applied, gave up, and was refunded.
    const { bank } = (result.observations as RunObservations<Audits>).after;
    const refunded = result.plan.operations.filter((op) => {
      const ledger = bank.operations.filter((o) => o.referenceId === (op.args[0] as { referenceId: string }).referenceId);
      return ledger.length === 2 && ledger[0]!.kind === 'withdraw' && ledger[1]!.kind === 'refund' && ledger[1]!.amount > 0;
    });
    expect(refunded.length).toBeGreaterThan(0);
  });
});

describe('a deposit whose idempotency key lives only in the worker’s memory', () => {
  it('deposits twice when its worker dies after the bank applied a deposit, and money-conserved names it', async () => {
    const buggy = await run(await packagedScenario('worker-killed'), 1, { activitiesPath: fixture('keys-in-worker-memory') });
    const bugs = failing(buggy);

    expect(buggy.pointOutcomes.map((o) => [o.reached, o.at?.source === 'activity' && `${o.at.activityType} ${o.at.at}`])).toEqual([
      [true, 'deposit returned'],
    ]);
    expect(Object.keys(bugs)).toContain('money-conserved');
    expect(bugs['money-conserved']![0]).toMatch(/^total balance is \d+, it was \d+ \(\+\d+\)$/);
    expect(bugs['transfers-ended-validly']!.some((line) => /the bank applied withdraw (\d+), deposit \1, deposit \1$/.test(line))).toBe(
      true,
    );
  });

  it('the packaged deposit holds every invariant under the same scenario', async () => {
    expect(failing(await run(await packagedScenario('worker-killed'), 1))).toEqual({});
  });
});

const sagas = onPackagedSystem({
  name: 'sagas-that-fail',
  description: 'sagas half of which fail at the last step and must compensate everything',
  workload: { sagas: 10, concurrency: 5, mix: { sagaFailure: 0.5 } },
  faults: [],
  settleWithin: '30s',
});

/** The packaged code on `sagas` with seed 4, run once for the tests that compare a bug with it. */
let packagedSagasRun: Promise<RunResult> | undefined;
const packagedSagas = (): Promise<RunResult> => (packagedSagasRun ??= run(sagas, 4));

describe('a saga that skips a compensation', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await run(sagas, 4, { workflowsPath: fixture('saga-skips-compensation') });
  });

  it('keeps the failed orders’ charges, and sagas-completed-or-compensated and failed-operations-applied-nothing name each order', () => {
    const bugs = failing(result);
    const failed = result.plan.operations.filter((op) => op.intent === 'invalid-address');

    expect(failed.length).toBeGreaterThan(0);
    expect(Object.keys(bugs).sort()).toEqual(['failed-operations-applied-nothing', 'sagas-completed-or-compensated']);
    expect(bugs['sagas-completed-or-compensated']).toEqual(
      failed.map(
        (op) =>
          `saga ${op.id} (${op.workflowId}): ended failed (OrderFailed) but holds 0 reservation(s), 1 charge(s), 0 shipment(s); expected 0 of each`,
      ),
    );
    expect(bugs['failed-operations-applied-nothing']).toEqual(
      failed.map(
        (op) =>
          `saga ${op.id} (${op.workflowId}): the client saw fail (OrderFailed: InvalidAddressError), but the store holds 0 reservation(s), 1 charge(s), 0 shipment(s) for it`,
      ),
    );
  });

  it('writes an HTML report that opens offline, draws its timeline, lists the branches reached and shows the violation with its evidence', async () => {
    const report = buildReport(result, { scenario: sagas, provider: 'local', replay: 'tempest chaos run sagas-that-fail --seed 4' });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-html-')), 'report.html');
    writeFileSync(file, renderChaosHtml(report));

    const page = await openOffline(file, { screenshot: file.replace(/\.html$/, '.png') });

    expect(page.blockedRequests).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.canvases.length).toBeGreaterThan(0);
    expect(page.canvases.every((c) => c.width > 0 && c.height > 0 && c.paintedPixels > 0)).toBe(true);
    expect(page.text).toContain('An invariant was violated.');
    expect(page.text).toContain(`saga ${result.plan.operations.find((op) => op.intent === 'invalid-address')!.id} (`);
    expect(page.text).toContain('tempest chaos run sagas-that-fail --seed 4');
    expect(page.text).toContain('Branches reached');
    expect(page.text).toContain('failed (OrderFailed): ');
  });
});

const refusals = onPackagedSystem({
  name: 'refused-transfers',
  description: 'transfers half of which are refused: unknown account or insufficient funds',
  workload: { transfers: 10, concurrency: 5, mix: { invalidAccount: 0.25, insufficientFunds: 0.25 } },
  faults: [],
  settleWithin: '30s',
});

describe('a retry policy that retries business errors', () => {
  it('retries refused withdrawals and deposits, and business-errors-not-retried names each retry', async () => {
    const bugs = failing(await run(refusals, 5, { workflowsPath: fixture('retries-business-errors') }));

    expect(Object.keys(bugs)).toEqual(['business-errors-not-retried']);
    for (const line of bugs['business-errors-not-retried']!)
      expect(line).toMatch(/activity (withdraw|deposit) was retried after (InsufficientFundsError|InvalidAccountError) \(attempt [23]\)$/);
  });

  it('the packaged workflows hold every invariant on the same refusals and sagas', async () => {
    expect(failing(await run(refusals, 5))).toEqual({});
    expect(failing(await packagedSagas())).toEqual({});
  });
});

describe('a saga that compensates in the order of its steps', () => {
  const compensations = (result: RunResult, orderId: string): string[] =>
    (result.observations as RunObservations<Audits>).after.store.operations
      .filter((o) => o.orderId === orderId && ['releaseInventory', 'refundPayment', 'cancelShipment'].includes(o.kind))
      .map((o) => o.kind);
  const failedSagas = (result: RunResult) => result.plan.operations.filter((op) => op.intent === 'invalid-address');

  it('ends holding nothing, as the packaged saga does, and compensations-in-reverse names each failed saga', async () => {
    const result = await run(sagas, 4, { workflowsPath: fixture('saga-compensates-forward') });
    const failed = failedSagas(result);

    expect(failed.length).toBeGreaterThan(0);
    expect(failing(result)).toEqual({
      'compensations-in-reverse': failed.map(
        (op) =>
          `saga ${op.id} (${op.workflowId}): compensations took effect as releaseInventory, refundPayment, cancelShipment; in reverse order of its steps they are cancelShipment, refundPayment, releaseInventory`,
      ),
    });
  });

  it('the packaged saga compensates the same sagas in reverse, and every invariant holds under the same scenario and seed', async () => {
    const result = await packagedSagas();

    expect(failing(result)).toEqual({});
    for (const op of failedSagas(result))
      expect(compensations(result, (op.args[0] as { orderId: string }).orderId)).toEqual([
        'cancelShipment',
        'refundPayment',
        'releaseInventory',
      ]);
  });
});

const declines = onPackagedSystem({
  name: 'declined-withdrawals',
  description: 'transfers half of which are declined for insufficient funds; a short settle bound',
  workload: { transfers: 4, concurrency: 4, mix: { insufficientFunds: 0.5 } },
  faults: [],
  settleWithin: '6s',
});

describe('a retry policy that retries business errors without limit', () => {
  it('never finishes the declined transfers, and business-errors-not-retried names each from its pending activity', async () => {
    const result = await run(declines, 3, { workflowsPath: fixture('retries-business-errors-forever') });
    const bugs = failing(result);
    const declined = result.plan.operations.filter((op) => op.intent === 'insufficient-funds');

    expect(declined.length).toBe(2);
    expect(bugs['all-finished']).toEqual(declined.map((op) => `${op.workflowId} had not finished 6 s after the faults healed`));
    expect(bugs['business-errors-not-retried']).toEqual(
      declined.map((op) =>
        expect.stringMatching(
          new RegExp(
            `^${op.workflowId}: activity withdraw was retried after InsufficientFundsError \\(attempt \\d+, still retrying when the run ended\\)$`,
          ),
        ),
      ),
    );
    // The histories alone show no retry: each ends at the withdraw's ActivityTaskScheduled.
    const histories = result.observations.workflows.filter((w) => declined.some((op) => op.workflowId === w.workflowId));
    expect(histories.map((w) => activityRetries({ ...w, pendingActivities: undefined }))).toEqual([[], []]);
  });

  it('the packaged transfer refuses the same declines at once, and every invariant holds', async () => {
    expect(failing(await run(declines, 3))).toEqual({});
  });
});

describe('an order that ships when nobody decides (its approval timed out)', () => {
  const timedOut = (result: RunResult) => result.plan.operations.filter((op) => op.intent === 'auto-reject');

  it('holds every other invariant under latency and a paused worker, and ended-as-intended names each order left to time out', async () => {
    const result = await run(await packagedScenario('orders-under-latency'), 11, {
      workflowsPath: fixture('order-ships-when-nobody-decides'),
    });
    const orders = timedOut(result);

    expect(orders.length).toBeGreaterThan(0);
    expect(failing(result)).toEqual({
      'ended-as-intended': orders.map(
        (op) =>
          `order ${op.id} (${op.workflowId}, auto-reject): ended completed (completed, auto-rejected); expected completed (rejected, auto-rejected) or failed (OrderFailed)`,
      ),
    });
  });

  it('the packaged order rejects them automatically, and every invariant holds under the same scenario and seed', async () => {
    const result = await run(await packagedScenario('orders-under-latency'), 11);

    expect(failing(result)).toEqual({});
    expect(result.branches.find((g) => g.workflowType === 'order' && g.intent === 'auto-reject')!.reached).toEqual([
      { branch: 'completed (rejected, auto-rejected)', count: timedOut(result).length },
    ]);
  });
});
