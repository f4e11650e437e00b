import { describe, expect, it } from 'vitest';
import bankAndStore from '../../chaos/system';
import { planScenario } from '../../src/features/chaos/plan';
import { describePointFault, pointMatches } from '../../src/features/chaos/points';
import { planRun } from '../../src/features/chaos/runner';
import { defineSystem } from '../../src/features/chaos/system';
import { bindScenario, checkScenarioCluster, defineScenario, type ScenarioSpec } from '../../src/features/chaos/scenario';
import { providers } from '../../src/features/chaos/cluster';
import { AUTO_REJECT_AFTER } from '../../chaos/workload';
import type { OrderRequest, TransferDetails } from '../../workflows/types';

const base: ScenarioSpec = {
  name: 'worker-dies',
  description: 'a worker is killed mid-transfer',
  workload: {
    transfers: 20,
    sagas: 5,
    orders: 5,
    concurrency: 4,
    mix: { invalidAccount: 0.1, insufficientFunds: 0.1, cancel: 0.3 },
    spreadOver: '3s',
  },
  faults: [
    { action: { kind: 'kill', process: 'worker' }, at: { between: ['1s', '2s'] }, for: '2s' },
    { action: { kind: 'toxic', link: 'worker-bank', toxic: 'latency', attributes: { latency: 300, jitter: 50 } }, at: '500ms' },
  ],
};

/** The message a scenario is refused with, checked for its shape and then against the packaged system. */
function problem(spec: unknown): string {
  try {
    bindScenario(defineScenario(spec as ScenarioSpec), bankAndStore);
  } catch (error) {
    return (error as Error).message;
  }
  return expect.fail('the scenario was accepted');
}

describe('defineScenario and bindScenario', () => {
  it("fill in the defaults: every check of the system and the built-in ones, a 60 s settle bound, the system's worker count", () => {
    const scenario = bindScenario(defineScenario(base), bankAndStore);
    expect(scenario.checks).toEqual([
      'all-finished',
      'histories-replay',
      'no-workflow-task-failures',
      'business-errors-not-retried',
      'retries-within-policy',
      'client-agrees-with-outcome',
      'money-conserved',
      'transfers-ended-validly',
      'keys-applied-once',
      'sagas-completed-or-compensated',
      'compensations-in-reverse',
      'ok-operations-applied',
      'failed-operations-applied-nothing',
      'ended-as-intended',
    ]);
    expect(scenario.settleWithinMs).toBe(60_000);
    expect(scenario.workers).toBe(2);
    expect(scenario.params).toEqual({
      transfers: 20,
      sagas: 5,
      orders: 5,
      mix: {
        invalidAccount: 0.1,
        insufficientFunds: 0.1,
        invalidTransfer: 0,
        sagaFailure: 0,
        outOfStock: 0,
        paymentDeclined: 0,
        cancel: 0.3,
        autoReject: 0,
        orderFailure: 0,
      },
    });
  });

  it.each([
    [{ ...base, name: 'Worker Dies' }, 'name: expected kebab-case, got "Worker Dies"'],
    [{ ...base, workload: { ...base.workload, concurrency: 0 } }, 'workload.concurrency: expected a whole number from 1 to 1000, got 0'],
    [{ ...base, workload: { concurrency: 2 } }, 'workload.transfers: runs nothing: give transfers, sagas or orders'],
    [
      { ...base, workload: { ...base.workload, transfers: 100_000_000 } },
      'workload.transfers: 100000010 operations; a run takes at most 5000',
    ],
    [{ ...base, workload: { ...base.workload, mix: { cancel: 2 } } }, 'workload.mix.cancel: expected a fraction from 0 to 1, got 2'],
    [
      { ...base, workload: { ...base.workload, mix: { cancel: 0.6, autoReject: 0.5 } } },
      'workload.mix: cancel + autoReject + orderFailure exceed 1',
    ],
    [
      { ...base, workload: { ...base.workload, mix: { timeout: 0.5 } } },
      'workload.mix.timeout: expected invalidAccount, insufficientFunds, invalidTransfer, sagaFailure, outOfStock, paymentDeclined, cancel, autoReject, orderFailure',
    ],
    [{ ...base, workload: { ...base.workload, refunds: 3 } }, 'workload.refunds: not a workload field'],
    [
      { ...base, faults: [{ action: { kind: 'toxic', link: 'worker-db', toxic: 'latency' }, at: 0 }] },
      'faults[0].action.link: expected one of worker-temporal, client-temporal, worker-bank, worker-store, got "worker-db"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'toxic', link: 'worker-bank', toxic: 'jitter' }, at: 0 }] },
      'faults[0].action.toxic: expected one of latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, got "jitter"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'db' }, at: 0 }] },
      'faults[0].action.process: expected one of temporal, bank, store, worker, worker-1, worker-2, got "db"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'worker-3' }, at: 0 }] },
      'faults[0].action.process: the scenario runs 2 worker(s): worker-1 to worker-2, or \'worker\' for one picked by the seed; got "worker-3"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'bank' }, at: 'soon' }] },
      `faults[0].at: expected a duration such as 500, '500ms', '2s', '1.5m' or '23h59m' (units d, h, m, s, ms), got "soon"`,
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'bank' }, at: '25h' }] },
      'faults[0].at: "25h" is longer than a day; a run would not end',
    ],
    [
      { ...base, faults: [{ action: { kind: 'pause', process: 'bank' }, at: { between: ['3s', '1s'] } }] },
      'faults[0].at.between: the window ends before it starts',
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'bank' }, at: { between: ['1s', '10m'] } }] },
      "faults[0].at: may start 600 s in, after the run's work is bounded to end (workload.spreadOver 3 s + settleWithin 60 s)",
    ],
    [
      { ...base, faults: [{ action: { kind: 'explode' }, at: 0 }] },
      'faults[0].action.kind: expected kill, link-down, pause, toxic, restart, deploy, persistence or drop, got "explode"',
    ],
    [{ ...base, cluster: 'kubernetes' }, `cluster: expected 'services' (or leave it out for any cluster), got "kubernetes"`],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'temporal-history' }, at: 0 }] },
      'faults[0].action.process: expected one of temporal, bank, store, worker, worker-1, worker-2, got "temporal-history"',
    ],
    [
      { ...base, cluster: 'services', faults: [{ action: { kind: 'kill', process: 'temporal' }, at: 0 }] },
      'faults[0].action.process: expected one of postgres, temporal-frontend, temporal-history, temporal-matching, temporal-worker, bank, store, worker, worker-1, worker-2, got "temporal"',
    ],
    [
      { ...base, cluster: 'services', faults: [{ action: { kind: 'link-down', link: 'history-db' }, at: 0 }] },
      'faults[0].action.link: expected one of worker-temporal, client-temporal, worker-bank, worker-store, temporal-frontend-postgres, temporal-history-postgres, temporal-matching-postgres, temporal-worker-postgres, temporal-worker-frontend, got "history-db"',
    ],
    [
      {
        ...base,
        faults: [{ action: { kind: 'persistence', errors: { ExecutionStore: { UpdateWorkflowExecution: { Timeout: 0.1 } } } }, at: 0 }],
      },
      "faults[0].action.kind: a persistence fault needs the services cluster: add cluster: 'services' to the scenario",
    ],
    [
      {
        ...base,
        cluster: 'services',
        faults: [{ action: { kind: 'persistence', errors: { ExecutionStore: { UpdateWorkflowExecution: { Explode: 0.1 } } } }, at: 0 }],
      },
      'faults[0].action.errors.ExecutionStore.UpdateWorkflowExecution.Explode: expected one of Timeout, ExecuteAndTimeout, ResourceExhausted, Unavailable',
    ],
    [
      {
        ...base,
        cluster: 'services',
        faults: [{ action: { kind: 'persistence', errors: { ExecutionStore: { UpdateWorkflowExecution: { Timeout: 2 } } } }, at: 0 }],
      },
      'faults[0].action.errors.ExecutionStore.UpdateWorkflowExecution.Timeout: expected a probability in (0, 1], got 2',
    ],
    [
      {
        ...base,
        cluster: 'services',
        faults: [{ action: { kind: 'persistence', errors: { Executions: { Update: { Timeout: 0.5 } } } }, at: 0 }],
      },
      'faults[0].action.errors.Executions: expected a data store (ExecutionStore, TaskStore, ShardStore, ...)',
    ],
    [
      {
        ...base,
        cluster: 'services',
        faults: [
          { action: { kind: 'persistence', errors: { TaskStore: { CreateTasks: { Timeout: 0.5 } } }, services: ['gateway'] }, at: 0 },
        ],
      },
      'faults[0].action.services: expected a non-empty list of frontend, history, matching, worker, got ["gateway"]',
    ],
    [{ ...base, checks: ['money-conserved', 'vibes'] }, 'checks[1]: expected one of all-finished, histories-replay'],
    [
      { ...base, faults: [{ action: { kind: 'drop' }, at: '1s' }] },
      "faults[0].at: a drop acts on what a point holds: place it at a point ({ request: link, kind, on: 'answered' } or { activity, on })",
    ],
    [
      { ...base, faults: [{ action: { kind: 'kill', process: 'worker' }, at: { activity: 'deposit', on: 'returned' } }] },
      "faults[0].for: a kill placed at a point needs to say how long it lasts: a time ('2s'), or { until: point }",
    ],
    [
      { ...base, faults: [{ action: { kind: 'drop' }, at: { activity: 'deposit', on: 'finished' } }] },
      'faults[0].at.on: expected started, returned or failed, got "finished"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'drop' }, at: { request: 'worker-bank', kind: 'deposit', on: 'answered' } }] },
      'faults[0].at.kind: expected a method and path such as \'POST /deposit\', got "deposit"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'drop' }, at: { request: 'worker-bank', on: 'answered', containing: '' } }] },
      'faults[0].at.containing: expected text the request contains, such as \'"kind":"flight"\', got ""',
    ],
    [
      { ...base, faults: [{ action: { kind: 'drop' }, at: { request: 'bank-db', on: 'seen' } }] },
      'faults[0].at.request: expected a link from the workers to a part (worker-bank, worker-store), got "bank-db"',
    ],
    [
      { ...base, faults: [{ action: { kind: 'pause', process: 'bank' }, at: { workflow: 'order', event: 'TimerBegan' }, for: '1s' }] },
      'faults[0].at.event: expected an event type as Temporal names it without EVENT_TYPE_ (TimerStarted, TimerFired,',
    ],
    [
      {
        ...base,
        faults: [
          {
            action: { kind: 'link-down', link: 'worker-bank' },
            at: { activity: 'withdraw', on: 'started', nth: 0 },
            for: { until: { op: 't1' } },
          },
        ],
      },
      'faults[0].at.nth: expected a whole number from 1, got 0',
    ],
  ])('refuse a bad scenario naming the field (%#)', (spec, message) => {
    expect(problem(spec)).toContain(message);
  });
});

describe('faults at points', () => {
  it('plan a point-placed fault with its point and its lasting, and read as the bug does', () => {
    const scenario = bindScenario(
      defineScenario({
        ...base,
        faults: [
          { action: { kind: 'drop' }, at: { request: 'worker-bank', kind: 'POST /deposit', on: 'answered', nth: 2 } },
          { action: { kind: 'kill', process: 'worker' }, at: { activity: 'deposit', on: 'returned' }, for: { between: ['1s', '1s'] } },
          {
            action: { kind: 'link-down', link: 'worker-bank' },
            at: { activity: 'withdraw', on: 'started', attempt: 2 },
            for: { until: { activity: 'withdraw', on: 'failed', attempt: 6, op: '$point' } },
          },
          { action: { kind: 'pause', process: 'bank' }, at: { workflow: 'order', event: 'TimerStarted' }, for: '500ms' },
        ],
      }),
      bankAndStore,
    );
    const plan = planScenario(scenario, 3, 'run');
    expect(plan.faults.map((f) => [f.atMs, f.forMs, f.what])).toEqual([
      [undefined, undefined, 'the answer to POST /deposit #2 on worker-bank lost after the part applied it'],
      [undefined, 1000, 'kill -9 the worker right after the 1st deposit attempt returned, before its completion reached Temporal, for 1s'],
      [
        undefined,
        undefined,
        'worker-bank down from the moment the 1st withdraw attempt (try 2) starts, until right after the 1st withdraw attempt (try 6) of that operation failed, before its completion reached Temporal',
      ],
      [undefined, 500, 'pause bank from the moment the 1st TimerStarted of the order workflows is in a history, for 500ms'],
    ]);
    // At an activity point, 'worker' is the worker the point is in: the seed picks none.
    expect(plan.faults[1]!.action).toEqual({ kind: 'kill', process: 'worker' });
    expect(plan.faultPhaseEndsMs).toBe(3000); // the spread: no timed fault
  });

  it('a request point containing a text matches only requests that contain it, and says so', () => {
    const point = { request: 'worker-bank', kind: 'POST /deposit', on: 'answered', containing: '"amount":500' } as const;
    const scope = { runId: 'run', opOf: () => undefined, workflowOf: () => undefined };
    const reached = {
      source: 'request',
      link: 'worker-bank',
      kind: 'POST /deposit',
      at: 'answered',
      connection: 1,
      seq: 1,
      atMs: 0,
      held: true,
    } as const;
    const request = (body: string): string => `POST /deposit HTTP/1.1\r\ncontent-type: application/json\r\n\r\n${body}`;
    expect(pointMatches(point, reached, scope, request('{"account":"a","amount":500}'))).toBe(true);
    expect(pointMatches(point, reached, scope, request('{"account":"a","amount":50}'))).toBe(false);
    expect(pointMatches(point, reached, scope, undefined)).toBe(false);
    expect(describePointFault({ kind: 'drop' }, 'drop', { ...point, nth: 2 })).toBe(
      'the answer to POST /deposit #2 containing "amount":500 on worker-bank lost after the part applied it',
    );
  });
});

describe('checkScenarioCluster', () => {
  const [local, servicesCluster] = [providers.local, providers.services];
  const services = defineScenario({
    ...base,
    cluster: 'services',
    faults: [{ action: { kind: 'kill', process: 'temporal-history' }, at: '1s', for: '2s' }],
  });
  const devServerCrash = defineScenario({ ...base, faults: [{ action: { kind: 'kill', process: 'temporal' }, at: '1s', for: '2s' }] });

  it('runs a services scenario only on the services cluster, naming the flag', () => {
    expect(() => checkScenarioCluster(services, servicesCluster)).not.toThrow();
    expect(() => checkScenarioCluster(services, local)).toThrow(
      'cluster: scenario worker-dies faults the inside of a Temporal cluster: run it with --cluster services (this run has local)',
    );
  });

  it('refuses a fault where the cluster does not offer what it needs: the dev server on the services cluster, the probe on a cluster without it', () => {
    expect(() => checkScenarioCluster(devServerCrash, local)).not.toThrow();
    expect(() => checkScenarioCluster(defineScenario(base), servicesCluster)).not.toThrow();
    expect(() => checkScenarioCluster(devServerCrash, servicesCluster)).toThrow(
      "faults[0]: kill -9 temporal needs the Temporal dev server as one process ('temporal'), which the services cluster does not offer",
    );
    const atPoint = defineScenario({
      ...base,
      faults: [{ action: { kind: 'kill', process: 'worker' }, at: { activity: 'deposit', on: 'returned' }, for: '1s' }],
    });
    expect(() => checkScenarioCluster(atPoint, { name: 'docker', capabilities: ['links', 'processes'] })).toThrow(
      'faults[0]: kill -9 worker needs the activity probe in the workers (points of activity attempts), which the docker cluster does not offer',
    );
  });
});

describe('planScenario on the bank-and-store workload', () => {
  const scenario = bindScenario(defineScenario(base), bankAndStore);

  it('gives the same plan (as plan.json records it) for the same seed, and another for another seed', () => {
    const json = (seed: number): unknown => JSON.parse(JSON.stringify(planScenario(scenario, seed, 'run')));
    expect(json(42)).toEqual(json(42));
    expect(planScenario(scenario, 43, 'run').faults).not.toEqual(planScenario(scenario, 42, 'run').faults);
  });

  it('plans every operation with an intent, each start within the spread, and faults within their windows', () => {
    const plan = planScenario(scenario, 7, 'run');
    expect(plan.operations.map((o) => o.kind).sort()).toEqual(
      [...Array(20).fill('transfer'), ...Array(5).fill('saga'), ...Array(5).fill('order')].sort(),
    );
    expect(plan.operations.every((o) => o.startAtMs >= 0 && o.startAtMs <= 3000)).toBe(true);
    const [kill, latency] = plan.faults;
    expect(kill!.action).toEqual({ kind: 'kill', process: expect.stringMatching(/^worker-[12]$/) });
    expect(kill!.atMs!).toBeGreaterThanOrEqual(1000);
    expect(kill!.atMs).toBeLessThanOrEqual(2000);
    expect(kill!.healAtMs).toBe(kill!.atMs! + 2000);
    // No duration: healed when the fault phase ends, after every other timed event.
    expect(latency!.healAtMs).toBe(plan.faultPhaseEndsMs);
    expect(plan.faultPhaseEndsMs).toBeGreaterThan(Math.max(kill!.healAtMs!, ...plan.operations.map((o) => o.startAtMs)));
  });

  it('makes invalid-account transfers target an account that does not exist and oversized ones exceed every balance', () => {
    const plan = planScenario(
      bindScenario(
        defineScenario({ ...base, workload: { transfers: 200, concurrency: 1, mix: { invalidAccount: 0.3, insufficientFunds: 0.3 } } }),
        bankAndStore,
      ),
      1,
      'run',
    );
    const setup = plan.setup as { accounts: { accountId: string; balance: number }[] };
    const accounts = new Set(setup.accounts.map((a) => a.accountId));
    const total = setup.accounts.reduce((sum, a) => sum + a.balance, 0);
    for (const op of plan.operations) {
      const [transfer] = op.args as [TransferDetails];
      expect(accounts.has(transfer.targetAccount), op.id).toBe(op.intent !== 'invalid-account');
      expect(transfer.amount > total, op.id).toBe(op.intent === 'insufficient-funds');
      expect(transfer.sourceAccount).not.toBe(transfer.targetAccount);
    }
    expect(new Set(plan.operations.map((o) => o.intent))).toEqual(new Set(['valid', 'invalid-account', 'insufficient-funds']));
  });

  it('reaches every ending of each workflow it drives, the automatic rejection included', () => {
    const mix = {
      invalidAccount: 0.2,
      insufficientFunds: 0.2,
      invalidTransfer: 0.2,
      sagaFailure: 0.2,
      outOfStock: 0.2,
      paymentDeclined: 0.2,
      cancel: 0.2,
      autoReject: 0.2,
      orderFailure: 0.2,
    };
    const plan = planScenario(
      bindScenario(defineScenario({ ...base, workload: { transfers: 60, sagas: 60, orders: 60, concurrency: 1, mix } }), bankAndStore),
      3,
      'run',
    );
    const intents = (kind: string): Set<string | undefined> => new Set(plan.operations.filter((o) => o.kind === kind).map((o) => o.intent));
    expect(intents('transfer')).toEqual(new Set(['valid', 'invalid-account', 'insufficient-funds', 'invalid-transfer']));
    expect(intents('saga')).toEqual(new Set(['valid', 'invalid-address', 'out-of-stock', 'payment-declined']));
    expect(intents('order')).toEqual(new Set(['approve', 'reject', 'cancel', 'auto-reject', 'out-of-stock']));

    const setup = plan.setup as { stock: { available: number }[]; customers: { credit: number }[] };
    for (const op of plan.operations) {
      const [args] = op.args as [TransferDetails & OrderRequest];
      if (op.intent === 'invalid-transfer') expect(args.targetAccount).toBe(args.sourceAccount);
      if (op.intent === 'out-of-stock')
        expect(Math.max(...args.items.map((i) => i.quantity))).toBeGreaterThan(Math.max(...setup.stock.map((s) => s.available)));
      if (op.intent === 'payment-declined') expect(args.amount).toBeGreaterThan(Math.max(...setup.customers.map((c) => c.credit)));
      if (op.kind !== 'order') continue;
      // Nobody decides an order left to time out, or one that fails before it waits; each other order gets its decision.
      expect(op.steps.map((s) => s.name)).toEqual(['auto-reject', 'out-of-stock'].includes(op.intent!) ? [] : [op.intent]);
      expect(args.approvalTimeout).toBe(op.intent === 'auto-reject' ? AUTO_REJECT_AFTER : undefined);
    }
  });

  it('gives every intent with a share at least one operation, also in a run too small for the draws to reach each', () => {
    const mix = {
      invalidAccount: 0.05,
      insufficientFunds: 0.05,
      invalidTransfer: 0.05,
      sagaFailure: 0.05,
      outOfStock: 0.05,
      paymentDeclined: 0.05,
      cancel: 0.05,
      autoReject: 0.05,
      orderFailure: 0.05,
    };
    const scenario = bindScenario(
      defineScenario({ ...base, workload: { transfers: 5, sagas: 4, orders: 6, concurrency: 1, mix } }),
      bankAndStore,
    );
    for (let seed = 1; seed <= 20; seed++) {
      const operations = planScenario(scenario, seed, 'run').operations;
      const intents = (kind: string): string[] => [...new Set(operations.filter((o) => o.kind === kind).map((o) => o.intent!))].sort();
      expect(intents('transfer'), `seed ${seed}`).toEqual(['insufficient-funds', 'invalid-account', 'invalid-transfer', 'valid']);
      expect(intents('saga'), `seed ${seed}`).toEqual(['invalid-address', 'out-of-stock', 'payment-declined', 'valid']);
      expect(intents('order'), `seed ${seed}`).toEqual(['approve', 'auto-reject', 'cancel', 'out-of-stock', 'reject']);
    }
  });

  it('gives each order one approval step, taken only once the order asks for approval', () => {
    const order = planScenario(scenario, 7, 'run').operations.find((o) => o.kind === 'order')!;
    expect(order.steps).toHaveLength(1);
    const [step] = order.steps;
    expect(step!.name).toBe(order.intent);
    expect(step!.waitFor!.until({ state: 'reserving' })).toBe(false);
    expect(step!.waitFor!.until({ state: 'awaiting-approval' })).toBe(true);
    expect(step!.waitFor!.onlyIf!({ state: 'failed' })).toBe(false);
  });
});

describe('workers that could never take an operation', () => {
  it('an operation on a task queue no worker polls is refused before any cluster starts, naming the operation and the queues', () => {
    const elsewhere = defineSystem({
      ...bankAndStore,
      workers: { ...bankAndStore.workers, taskQueues: ['orders'] },
    });
    const bound = bindScenario(
      defineScenario({ name: 's', description: 'd', workload: { transfers: 2, concurrency: 1 }, faults: [] }),
      elsewhere,
    );
    expect(() => planRun(bound, 1, undefined, 'workflows/index.ts')).toThrow(
      /^workload\.plan: operation t0 starts moneyTransfer on task queue 'money-transfer', which no worker polls \(workers\.taskQueues: orders\)$/,
    );
  });
});
