import { describe, expect, it } from 'vitest';
import { bankStoreCheckers, keysAppliedTwice, moneyEvidence } from '../../chaos/checkers';
import type { Seeding } from '../../chaos/workload';
import { runChecks } from '../../src/features/chaos/checkers';
import type { HistoryEntry } from '../../src/features/chaos/history';
import type { RunObservations, OperationOutcome } from '../../src/features/chaos/observations';
import type { PlannedOperation } from '../../src/features/chaos/plan';
import type { AppliedBankOperation, BankAudit } from '../../services/bank/api';
import type { StoreAudit } from '../../services/store/api';
import type { Audits } from '../../chaos/checkers';

const operation = (id: string, kind: string, workflowId: string, args: unknown[], intent = 'valid'): PlannedOperation => ({
  id,
  kind,
  intent,
  workflowId,
  workflowType: kind,
  taskQueue: 'q',
  args,
  startAtMs: 0,
  steps: [],
});
const transfer = (id: string, amount: number, intent = 'valid'): PlannedOperation =>
  operation(id, 'transfer', `transfer-${id}`, [{ sourceAccount: 'a', targetAccount: 'b', amount, referenceId: id }], intent);
const saga = (id: string): PlannedOperation =>
  operation(id, 'saga', `order-saga-${id}`, [
    {
      orderId: id,
      customerId: 'c',
      items: [{ sku: 'k', quantity: 1 }],
      amount: 100,
      address: { name: 'n', line1: 'l', city: 'c', country: 'DE' },
    },
  ]);

let seq = 0;
const ledger = (
  referenceId: string,
  kind: AppliedBankOperation['kind'],
  amount: number,
  key = `${referenceId}:${kind}`,
): AppliedBankOperation => ({
  seq: ++seq,
  operationId: `op${seq}`,
  idempotencyKey: key,
  kind,
  accountId: kind === 'deposit' ? 'b' : 'a',
  amount,
  referenceId,
  appliedAt: '2026-01-01T00:00:00Z',
});
const bankAudit = (totalBalance: number, operations: AppliedBankOperation[]): BankAudit => ({
  accounts: [],
  totalBalance,
  operations,
  closedReferences: [],
});
const emptyStore: StoreAudit = {
  stock: [],
  customers: [],
  reservations: [],
  payments: [],
  shipments: [],
  operations: [],
  moneyTotal: 1000,
  stockTotals: [{ sku: 'k', available: 10 }],
};

/** A run of the bank-and-store system: what its checkers read. */
function run(parts: {
  operations: PlannedOperation[];
  outcomes: OperationOutcome[];
  bankOps?: AppliedBankOperation[];
  total?: number;
  store?: Partial<StoreAudit>;
  history?: HistoryEntry[];
}): RunObservations<Audits, Seeding> {
  return {
    plan: {
      scenario: 's',
      seed: 1,
      runId: 'r',
      setup: { accounts: [], stock: [], customers: [] },
      operations: parts.operations,
      faults: [],
      faultPhaseEndsMs: 0,
    },
    history: parts.history ?? [],
    outcomes: parts.outcomes,
    before: { bank: bankAudit(1000, []), store: emptyStore },
    after: { bank: bankAudit(parts.total ?? 1000, parts.bankOps ?? []), store: { ...emptyStore, ...parts.store } },
    workflows: [],
    replay: [],
    unsettled: [],
    settleWithinMs: 60_000,
    businessErrors: [],
  };
}

const verdictOf = async (o: RunObservations<Audits, Seeding>, check: string) => (await runChecks([check], bankStoreCheckers, o))[0]!;

describe('money-conserved', () => {
  it('holds when the total equals the opening total', () => {
    expect(moneyEvidence(bankAudit(1_000, [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100)]), 1_000)).toEqual([]);
  });

  it('names the transfer that deposited twice when money was created', () => {
    const ops = [
      ledger('t1', 'withdraw', 100),
      ledger('t1', 'deposit', 100),
      ledger('t1', 'deposit', 100, 't1:deposit:attempt-2'),
      ledger('t2', 'withdraw', 5),
      ledger('t2', 'deposit', 5),
    ];
    expect(moneyEvidence(bankAudit(1_100, ops), 1_000)).toEqual([
      'total balance is 1100, it was 1000 (+100)',
      'transfer t1: withdrew 100, deposited or refunded 200 (+100)',
    ]);
  });

  it('names the transfer whose withdrawn money was never deposited nor refunded', () => {
    expect(moneyEvidence(bankAudit(900, [ledger('t9', 'withdraw', 100)]), 1_000)).toContain(
      'transfer t9: withdrew 100, deposited or refunded 0 (-100)',
    );
  });
});

describe('keys applied twice', () => {
  it('holds when every key appears once, and names a key applied twice with the operations that applied it', () => {
    expect(keysAppliedTwice([ledger('t1', 'withdraw', 1), ledger('t1', 'deposit', 1)])).toEqual([]);
    expect(
      keysAppliedTwice([
        { seq: 1, idempotencyKey: 't1:deposit' },
        { seq: 2, idempotencyKey: 't2:withdraw' },
        { seq: 7, idempotencyKey: 't1:deposit' },
      ]),
    ).toEqual(['key t1:deposit applied 2 times (operation 1, operation 7)']);
  });
});

describe('transfers-ended-validly', () => {
  it('accepts completed [withdraw, deposit], refunded [withdraw, refund] and rejected with nothing applied', async () => {
    const o = run({
      operations: [transfer('t1', 100), transfer('t2', 50, 'invalid-account'), transfer('t3', 9_999, 'insufficient-funds')],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'completed' },
        { workflowId: 'transfer-t2', op: 't2', status: 'failed', failureType: 'DepositFailed' },
        { workflowId: 'transfer-t3', op: 't3', status: 'failed', failureType: 'WithdrawalFailed' },
      ],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100), ledger('t2', 'withdraw', 50), ledger('t2', 'refund', 50)],
    });
    expect(await verdictOf(o, 'transfers-ended-validly')).toEqual({ checker: 'transfers-ended-validly', ok: true, evidence: [] });
  });

  it('accepts a failed withdraw closed by a refund of what it took, and names one that kept the money (the tutorial’s loss)', async () => {
    const o = run({
      operations: [transfer('t1', 100), transfer('t2', 80), transfer('t3', 60)],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'failed', failureType: 'WithdrawalFailed' },
        { workflowId: 'transfer-t2', op: 't2', status: 'failed', failureType: 'WithdrawalFailed' },
        { workflowId: 'transfer-t3', op: 't3', status: 'failed', failureType: 'WithdrawalFailed' },
      ],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'refund', 100), ledger('t2', 'refund', 0), ledger('t3', 'withdraw', 60)],
      total: 940,
    });
    expect((await verdictOf(o, 'transfers-ended-validly')).evidence).toEqual([
      'transfer t3 (transfer-t3, valid, 60 from a to b): ended failed (WithdrawalFailed), the bank applied withdraw 60',
    ]);
    expect((await verdictOf(o, 'money-conserved')).evidence).toEqual([
      'total balance is 940, it was 1000 (-60)',
      'transfer t3: withdrew 60, deposited or refunded 0 (-60)',
    ]);
  });

  it('accepts a transfer that never started (its client cut off) with nothing applied, and names one that applied something', async () => {
    const o = run({
      operations: [transfer('t1', 100), transfer('t2', 40)],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'unknown' },
        { workflowId: 'transfer-t2', op: 't2', status: 'unknown' },
      ],
      bankOps: [ledger('t2', 'withdraw', 40)],
      total: 960,
    });
    expect((await verdictOf(o, 'transfers-ended-validly')).evidence).toEqual([
      'transfer t2 (transfer-t2, valid, 40 from a to b): ended unknown, the bank applied withdraw 40',
    ]);
  });

  it('names the transfer whose deposit was applied twice (a key that changed per attempt)', async () => {
    const o = run({
      operations: [transfer('t1', 100)],
      outcomes: [{ workflowId: 'transfer-t1', op: 't1', status: 'completed' }],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100, 't1:deposit:1'), ledger('t1', 'deposit', 100, 't1:deposit:2')],
      total: 1100,
    });
    expect((await verdictOf(o, 'transfers-ended-validly')).evidence).toEqual([
      'transfer t1 (transfer-t1, valid, 100 from a to b): ended completed, the bank applied withdraw 100, deposit 100, deposit 100',
    ]);
    expect((await verdictOf(o, 'money-conserved')).evidence[0]).toBe('total balance is 1100, it was 1000 (+100)');
  });

  it('flags a transfer meant to fail that completed, and one whose money was never returned', async () => {
    const o = run({
      operations: [transfer('t1', 100, 'insufficient-funds'), transfer('t2', 70)],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'completed' },
        { workflowId: 'transfer-t2', op: 't2', status: 'failed', failureType: 'RefundFailed' },
      ],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100), ledger('t2', 'withdraw', 70)],
    });
    const { evidence } = await verdictOf(o, 'transfers-ended-validly');
    expect(evidence).toHaveLength(2);
    expect(evidence[1]).toContain('ended failed (RefundFailed), the bank applied withdraw 70');
  });
});

describe('sagas-completed-or-compensated', () => {
  it('flags a failed saga that still holds its charge (a skipped compensation)', async () => {
    const o = run({
      operations: [saga('s1')],
      outcomes: [{ workflowId: 'order-saga-s1', op: 's1', status: 'failed', failureType: 'OrderFailed' }],
      store: {
        reservations: [{ reservationId: 'r', orderId: 's1', items: [], status: 'released' }],
        payments: [{ paymentId: 'p', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' }],
      },
    });
    expect((await verdictOf(o, 'sagas-completed-or-compensated')).evidence).toEqual([
      'saga s1 (order-saga-s1): ended failed (OrderFailed) but holds 0 reservation(s), 1 charge(s), 0 shipment(s); expected 0 of each',
    ]);
  });

  it('accepts a completed saga holding exactly one of each', async () => {
    const o = run({
      operations: [saga('s1')],
      outcomes: [{ workflowId: 'order-saga-s1', op: 's1', status: 'completed' }],
      store: {
        reservations: [{ reservationId: 'r', orderId: 's1', items: [], status: 'reserved' }],
        payments: [{ paymentId: 'p', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' }],
        shipments: [{ shipmentId: 'h', orderId: 's1', trackingNumber: 't', status: 'created' }],
      },
    });
    expect((await verdictOf(o, 'sagas-completed-or-compensated')).ok).toBe(true);
  });

  it('flags stock created or lost', async () => {
    const o = run({ operations: [], outcomes: [], store: { stockTotals: [{ sku: 'k', available: 9 }] } });
    expect((await verdictOf(o, 'sagas-completed-or-compensated')).evidence).toEqual(['stock of k is 9, it was 10 (-1)']);
  });
});

describe('keys-applied-once', () => {
  it('names a store key applied twice', async () => {
    const o = run({
      operations: [],
      outcomes: [],
      store: {
        operations: [
          { seq: 1, idempotencyKey: 's1:charge', kind: 'chargePayment', orderId: 's1', appliedAt: '' },
          { seq: 4, idempotencyKey: 's1:charge', kind: 'chargePayment', orderId: 's1', appliedAt: '' },
        ],
      },
    });
    expect((await verdictOf(o, 'keys-applied-once')).evidence).toEqual(['store: key s1:charge applied 2 times (operation 1, operation 4)']);
  });
});

describe('compensations-in-reverse', () => {
  const applied = (orderId: string, ...kinds: StoreAudit['operations'][number]['kind'][]): StoreAudit['operations'] =>
    kinds.map((kind, i) => ({ seq: i + 1, idempotencyKey: `${orderId}:${kind}`, kind, orderId, appliedAt: '' }));

  it('accepts compensations in reverse of the steps, including a saga that failed before its last step', async () => {
    const o = run({
      operations: [saga('s1'), saga('s2'), saga('s3')],
      outcomes: [],
      store: {
        operations: [
          ...applied('s1', 'reserveInventory', 'chargePayment', 'cancelShipment', 'refundPayment', 'releaseInventory'),
          ...applied('s2', 'reserveInventory', 'refundPayment', 'releaseInventory'),
          ...applied('s3', 'reserveInventory', 'chargePayment', 'createShipment'),
        ],
      },
    });
    expect(await verdictOf(o, 'compensations-in-reverse')).toEqual({ checker: 'compensations-in-reverse', ok: true, evidence: [] });
  });

  it('names a saga whose compensations took effect in the order of its steps, though it ends holding nothing', async () => {
    const o = run({
      operations: [saga('s1')],
      outcomes: [{ workflowId: 'order-saga-s1', op: 's1', status: 'failed', failureType: 'OrderFailed' }],
      store: { operations: applied('s1', 'reserveInventory', 'chargePayment', 'releaseInventory', 'refundPayment', 'cancelShipment') },
    });
    expect((await verdictOf(o, 'compensations-in-reverse')).evidence).toEqual([
      'saga s1 (order-saga-s1): compensations took effect as releaseInventory, refundPayment, cancelShipment; in reverse order of its steps they are cancelShipment, refundPayment, releaseInventory',
    ]);
    expect((await verdictOf(o, 'sagas-completed-or-compensated')).ok).toBe(true);
  });
});

/** The client's invocation of an operation and how it ended, as the workload records them. */
const sawEnd = (op: PlannedOperation, type: 'ok' | 'fail' | 'info', value?: unknown): HistoryEntry[] => [
  { index: 0, timeMs: 0, process: 'client-1', type: 'invoke', f: op.kind, op: op.id, value: op.args[0] },
  { index: 1, timeMs: 5, process: 'client-1', type, f: op.kind, op: op.id, value },
];
const failure = (...failureTypes: string[]) => ({ failureType: failureTypes[0], failureTypes, message: 'no' });
const order = (id: string, intent: string): PlannedOperation => ({
  ...saga(id),
  kind: 'order',
  workflowId: `order-${id}`,
  workflowType: 'order',
  intent,
});

describe('ok-operations-applied (from the operation history)', () => {
  it('accepts a transfer, saga and orders whose answers name what the bank and store hold', async () => {
    const [t1, s1, o1, o2] = [transfer('t1', 100), saga('s1'), order('o1', 'approve'), order('o2', 'reject')];
    const o = run({
      operations: [t1, s1, o1, o2],
      outcomes: [],
      bankOps: [
        { ...ledger('t1', 'withdraw', 100), operationId: 'W-1' },
        { ...ledger('t1', 'deposit', 100), operationId: 'D-2' },
      ],
      store: {
        reservations: [
          { reservationId: 'R-1', orderId: 's1', items: [], status: 'reserved' },
          { reservationId: 'R-2', orderId: 'o1', items: [], status: 'reserved' },
          { reservationId: 'R-3', orderId: 'o2', items: [], status: 'released' },
        ],
        payments: [
          { paymentId: 'P-1', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' },
          { paymentId: 'P-2', orderId: 'o1', customerId: 'c', amount: 100, status: 'charged' },
        ],
        shipments: [
          { shipmentId: 'S-1', orderId: 's1', trackingNumber: 'T-1', status: 'created' },
          { shipmentId: 'S-2', orderId: 'o1', trackingNumber: 'T-2', status: 'created' },
        ],
      },
      history: [
        ...sawEnd(t1, 'ok', { referenceId: 't1', withdrawalId: 'W-1', depositId: 'D-2' }),
        ...sawEnd(s1, 'ok', { orderId: 's1', reservationId: 'R-1', paymentId: 'P-1', shipmentId: 'S-1', trackingNumber: 'T-1' }),
        ...sawEnd(o1, 'ok', { orderId: 'o1', state: 'completed', reservationId: 'R-2', paymentId: 'P-2', trackingNumber: 'T-2' }),
        ...sawEnd(o2, 'ok', { orderId: 'o2', state: 'rejected', reservationId: 'R-3' }),
      ],
    });
    expect(await verdictOf(o, 'ok-operations-applied')).toEqual({ checker: 'ok-operations-applied', ok: true, evidence: [] });
  });

  it('names a transfer answered ok whose deposit never applied, and a saga answered ok whose payment was refunded', async () => {
    const [t1, s1] = [transfer('t1', 100), saga('s1')];
    const o = run({
      operations: [t1, s1],
      outcomes: [],
      bankOps: [{ ...ledger('t1', 'withdraw', 100), operationId: 'W-1' }],
      store: {
        reservations: [{ reservationId: 'R-1', orderId: 's1', items: [], status: 'reserved' }],
        payments: [{ paymentId: 'P-1', orderId: 's1', customerId: 'c', amount: 100, status: 'refunded' }],
        shipments: [{ shipmentId: 'S-1', orderId: 's1', trackingNumber: 'T-1', status: 'created' }],
      },
      history: [
        ...sawEnd(t1, 'ok', { referenceId: 't1', withdrawalId: 'W-1', depositId: 'D-9' }),
        ...sawEnd(s1, 'ok', { orderId: 's1', reservationId: 'R-1', paymentId: 'P-1', shipmentId: 'S-1', trackingNumber: 'T-1' }),
      ],
    });
    expect((await verdictOf(o, 'ok-operations-applied')).evidence).toEqual([
      'transfer t1 (transfer-t1): the client saw ok; it was answered withdrawal W-1 and deposit D-9 of 100, but the bank applied withdraw 100',
      'saga s1 (order-saga-s1): the client saw ok; it was answered reservation R-1, payment P-1 and shipment S-1, but the store holds 1 reservation(s), 0 charge(s), 1 shipment(s) for it',
    ]);
  });
});

describe('failed-operations-applied-nothing (from the operation history)', () => {
  it('accepts refusals that moved nothing or returned everything, and ignores what the client lost track of', async () => {
    const [t1, t2, t3, s1] = [
      transfer('t1', 100, 'insufficient-funds'),
      transfer('t2', 50, 'invalid-account'),
      transfer('t3', 70),
      saga('s1'),
    ];
    const o = run({
      operations: [t1, t2, t3, s1],
      outcomes: [],
      bankOps: [ledger('t2', 'withdraw', 50), ledger('t2', 'refund', 50), ledger('t3', 'withdraw', 70)],
      store: { reservations: [{ reservationId: 'R-1', orderId: 's1', items: [], status: 'released' }] },
      history: [
        ...sawEnd(t1, 'fail', failure('WithdrawalFailed', 'InsufficientFundsError')),
        ...sawEnd(t2, 'fail', failure('DepositFailed', 'InvalidAccountError')),
        ...sawEnd(t3, 'info', { error: 'deadline exceeded' }),
        ...sawEnd(s1, 'fail', failure('OrderFailed', 'InvalidAddressError')),
      ],
    });
    expect(await verdictOf(o, 'failed-operations-applied-nothing')).toEqual({
      checker: 'failed-operations-applied-nothing',
      ok: true,
      evidence: [],
    });
  });

  it('names a refused transfer that kept the money, and a failed saga that kept its charge, with the business error', async () => {
    const [t1, s1] = [transfer('t1', 60), saga('s1')];
    const o = run({
      operations: [t1, s1],
      outcomes: [],
      bankOps: [ledger('t1', 'withdraw', 60)],
      store: { payments: [{ paymentId: 'P-1', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' }] },
      history: [
        ...sawEnd(t1, 'fail', failure('WithdrawalFailed', 'ServiceUnavailable')),
        ...sawEnd(s1, 'fail', failure('OrderFailed', 'InvalidAddressError')),
      ],
    });
    expect((await verdictOf(o, 'failed-operations-applied-nothing')).evidence).toEqual([
      'transfer t1 (transfer-t1): the client saw fail (WithdrawalFailed: ServiceUnavailable), but the bank applied withdraw 60',
      'saga s1 (order-saga-s1): the client saw fail (OrderFailed: InvalidAddressError), but the store holds 0 reservation(s), 1 charge(s), 0 shipment(s) for it',
    ]);
  });
});

describe('ended-as-intended', () => {
  const decided = (op: PlannedOperation, acknowledged: boolean): HistoryEntry[] => [
    { index: 0, timeMs: 0, process: 'client-1', type: 'invoke', f: 'order', op: op.id },
    { index: 1, timeMs: 1, process: 'client-1', type: 'invoke', f: op.intent!, op: op.id },
    ...(acknowledged ? [{ index: 2, timeMs: 2, process: 'client-1', type: 'ok' as const, f: op.intent!, op: op.id }] : []),
  ];
  const withStep = (op: PlannedOperation): PlannedOperation => ({ ...op, steps: [{ signal: op.intent!, name: op.intent!, afterMs: 0 }] });
  const completed = (op: PlannedOperation, state: string, decision?: string): OperationOutcome => ({
    workflowId: op.workflowId,
    op: op.id,
    status: 'completed',
    result: { orderId: op.id, state, ...(decision ? { approval: { decision } } : {}) },
  });

  it('accepts orders that ended as decided, an automatic rejection, and sagas meant to fail that failed', async () => {
    const [approve, reject, cancel, auto, failing] = [
      withStep(order('o1', 'approve')),
      withStep(order('o2', 'reject')),
      withStep(order('o3', 'cancel')),
      order('o4', 'auto-reject'),
      { ...saga('s1'), intent: 'payment-declined' },
    ];
    const o = run({
      operations: [approve, reject, cancel, auto, failing],
      outcomes: [
        completed(approve, 'completed', 'approved'),
        completed(reject, 'rejected', 'rejected'),
        completed(cancel, 'cancelled'),
        completed(auto, 'rejected', 'auto-rejected'),
        { workflowId: failing.workflowId, op: 's1', status: 'failed', failureType: 'OrderFailed' },
      ],
      history: [...decided(approve, true), ...decided(reject, true), ...decided(cancel, true)],
    });
    expect(await verdictOf(o, 'ended-as-intended')).toEqual({ checker: 'ended-as-intended', ok: true, evidence: [] });
  });

  it('names an order nobody decided that shipped when its approval timed out (a bug in the automatic rejection), and a saga meant to fail that completed', async () => {
    const [auto, failing] = [order('o4', 'auto-reject'), { ...saga('s1'), intent: 'out-of-stock' }];
    const o = run({
      operations: [auto, failing],
      outcomes: [completed(auto, 'completed', 'auto-rejected'), { workflowId: failing.workflowId, op: 's1', status: 'completed' }],
    });
    expect((await verdictOf(o, 'ended-as-intended')).evidence).toEqual([
      'order o4 (order-o4, auto-reject): ended completed (completed, auto-rejected); expected completed (rejected, auto-rejected) or failed (OrderFailed)',
      'saga s1 (order-saga-s1, out-of-stock): ended completed; expected failed (OrderFailed)',
    ]);
  });

  it('judges a decision only once the server acknowledged it', async () => {
    const [unanswered, acknowledged] = [withStep(order('o1', 'reject')), withStep(order('o2', 'reject'))];
    const o = run({
      operations: [unanswered, acknowledged],
      outcomes: [completed(unanswered, 'completed', 'approved'), completed(acknowledged, 'completed', 'approved')],
      history: [...decided(unanswered, false), ...decided(acknowledged, true)],
    });
    expect((await verdictOf(o, 'ended-as-intended')).evidence).toEqual([
      'order o2 (order-o2, reject): ended completed (completed, approved); expected completed (rejected, rejected)',
    ]);
  });
});
