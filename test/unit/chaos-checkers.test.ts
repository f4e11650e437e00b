import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/chaos/checkers';
import type { Observations, WorkflowOutcome } from '../../src/chaos/observations';
import type { Plan, PlannedOperation } from '../../src/chaos/plan';
import type { AppliedBankOperation } from '../../services/bank/api';
import type { StoreAudit } from '../../services/store/api';

const transfer = (id: string, amount: number, intent: PlannedOperation['intent'] = 'valid'): PlannedOperation => ({
  id,
  kind: 'transfer',
  intent,
  workflowId: `transfer-${id}`,
  startAtMs: 0,
  input: { sourceAccount: 'a', targetAccount: 'b', amount, referenceId: id },
});
const saga = (id: string): PlannedOperation => ({
  id,
  kind: 'saga',
  intent: 'valid',
  workflowId: `order-saga-${id}`,
  startAtMs: 0,
  input: { orderId: id, customerId: 'c', items: [{ sku: 'k', quantity: 1 }], amount: 100, address: { name: 'n', line1: 'l', city: 'c', country: 'DE' } },
});

let seq = 0;
const ledger = (referenceId: string, kind: AppliedBankOperation['kind'], amount: number, key = `${referenceId}:${kind}`): AppliedBankOperation => ({
  seq: ++seq,
  operationId: `op${seq}`,
  idempotencyKey: key,
  kind,
  accountId: kind === 'deposit' ? 'b' : 'a',
  amount,
  referenceId,
  appliedAt: '2026-01-01T00:00:00Z',
});

const emptyStore: StoreAudit = { stock: [], customers: [], reservations: [], payments: [], shipments: [], operations: [], moneyTotal: 1000, stockTotals: [{ sku: 'k', available: 10 }] };

function observations(parts: { operations: PlannedOperation[]; outcomes: WorkflowOutcome[]; bankOps?: AppliedBankOperation[]; total?: number; store?: Partial<StoreAudit>; unsettled?: string[] }): Observations {
  const plan: Plan = { scenario: 's', seed: 1, runId: 'r', seeding: { accounts: [], stock: [], customers: [] }, operations: parts.operations, faults: [], faultPhaseEndsMs: 0 };
  return {
    plan,
    history: [],
    outcomes: parts.outcomes,
    bank: { accounts: [], totalBalance: parts.total ?? 1000, operations: parts.bankOps ?? [], closedReferences: [] },
    store: { ...emptyStore, ...parts.store },
    openingStore: { moneyTotal: emptyStore.moneyTotal, stockTotals: emptyStore.stockTotals },
    openingBankTotal: 1000,
    unsettled: parts.unsettled ?? [],
    settleWithinMs: 60_000,
    replay: [],
    retries: [],
  };
}

const evidenceOf = (o: Observations, check: Parameters<typeof runChecks>[0][number]) => runChecks([check], o)[0]!;

describe('transfers-ended-validly', () => {
  it('accepts completed [withdraw, deposit], refunded [withdraw, refund] and rejected with nothing applied', () => {
    const o = observations({
      operations: [transfer('t1', 100), transfer('t2', 50, 'invalid-account'), transfer('t3', 9_999, 'insufficient-funds')],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'completed' },
        { workflowId: 'transfer-t2', op: 't2', status: 'failed', failureType: 'DepositFailed' },
        { workflowId: 'transfer-t3', op: 't3', status: 'failed', failureType: 'WithdrawalFailed' },
      ],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100), ledger('t2', 'withdraw', 50), ledger('t2', 'refund', 50)],
    });
    expect(evidenceOf(o, 'transfers-ended-validly')).toEqual({ checker: 'transfers-ended-validly', ok: true, evidence: [] });
  });

  it('names the transfer whose deposit was applied twice (a key that changed per attempt)', () => {
    const o = observations({
      operations: [transfer('t1', 100)],
      outcomes: [{ workflowId: 'transfer-t1', op: 't1', status: 'completed' }],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100, 't1:deposit:1'), ledger('t1', 'deposit', 100, 't1:deposit:2')],
      total: 1100,
    });
    expect(evidenceOf(o, 'transfers-ended-validly').evidence).toEqual([
      'transfer t1 (transfer-t1, valid, 100 from a to b): ended completed, the bank applied withdraw 100, deposit 100, deposit 100',
    ]);
    expect(evidenceOf(o, 'money-conserved').evidence[0]).toBe('total balance is 1100, opening total was 1000 (+100)');
  });

  it('flags a transfer meant to fail that completed, and one whose money was never returned', () => {
    const o = observations({
      operations: [transfer('t1', 100, 'insufficient-funds'), transfer('t2', 70)],
      outcomes: [
        { workflowId: 'transfer-t1', op: 't1', status: 'completed' },
        { workflowId: 'transfer-t2', op: 't2', status: 'failed', failureType: 'RefundFailed' },
      ],
      bankOps: [ledger('t1', 'withdraw', 100), ledger('t1', 'deposit', 100), ledger('t2', 'withdraw', 70)],
    });
    expect(evidenceOf(o, 'transfers-ended-validly').evidence).toHaveLength(2);
    expect(evidenceOf(o, 'transfers-ended-validly').evidence[1]).toContain('ended failed (RefundFailed), the bank applied withdraw 70');
  });
});

describe('sagas-completed-or-compensated', () => {
  it('flags a failed saga that still holds its charge (a skipped compensation), and the money it took', () => {
    const o = observations({
      operations: [saga('s1')],
      outcomes: [{ workflowId: 'order-saga-s1', op: 's1', status: 'failed', failureType: 'OrderFailed' }],
      store: {
        reservations: [{ reservationId: 'r', orderId: 's1', items: [], status: 'released' }],
        payments: [{ paymentId: 'p', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' }],
      },
    });
    expect(evidenceOf(o, 'sagas-completed-or-compensated').evidence).toEqual([
      'saga s1 (order-saga-s1): ended failed (OrderFailed) but holds 0 reservation(s), 1 charge(s), 0 shipment(s); expected 0 of each',
    ]);
  });

  it('accepts a completed saga holding exactly one of each', () => {
    const o = observations({
      operations: [saga('s1')],
      outcomes: [{ workflowId: 'order-saga-s1', op: 's1', status: 'completed' }],
      store: {
        reservations: [{ reservationId: 'r', orderId: 's1', items: [], status: 'reserved' }],
        payments: [{ paymentId: 'p', orderId: 's1', customerId: 'c', amount: 100, status: 'charged' }],
        shipments: [{ shipmentId: 'h', orderId: 's1', trackingNumber: 't', status: 'created' }],
      },
    });
    expect(evidenceOf(o, 'sagas-completed-or-compensated').ok).toBe(true);
  });

  it('flags stock created or lost', () => {
    const o = observations({ operations: [], outcomes: [], store: { stockTotals: [{ sku: 'k', available: 9 }] } });
    expect(evidenceOf(o, 'sagas-completed-or-compensated').evidence).toEqual(['stock of k totals 9, it opened at 10']);
  });
});

describe('business-errors-not-retried', () => {
  it('names an activity retried after a business error, and ignores retries after transport errors', () => {
    const o = {
      ...observations({ operations: [], outcomes: [] }),
      retries: [
        { workflowId: 'transfer-t1', activity: 'withdraw', attempt: 2, afterFailure: 'InsufficientFundsError' },
        { workflowId: 'transfer-t2', activity: 'deposit', attempt: 3, afterFailure: 'ServiceUnreachable' },
      ],
    };
    expect(evidenceOf(o, 'business-errors-not-retried').evidence).toEqual(['transfer-t1: activity withdraw was retried after InsufficientFundsError (attempt 2)']);
  });
});

describe('keys-applied-once, all-finished, histories-replay', () => {
  it('names a store key applied twice', () => {
    const o = observations({
      operations: [],
      outcomes: [],
      store: { operations: [{ seq: 1, idempotencyKey: 's1:charge', kind: 'chargePayment', orderId: 's1', appliedAt: '' }, { seq: 4, idempotencyKey: 's1:charge', kind: 'chargePayment', orderId: 's1', appliedAt: '' }] },
    });
    expect(evidenceOf(o, 'keys-applied-once').evidence).toEqual(['store: key s1:charge applied 2 times (operations 1, 4)']);
  });

  it('names the workflows that had not finished within the bound', () => {
    expect(evidenceOf(observations({ operations: [], outcomes: [], unsettled: ['transfer-t9'] }), 'all-finished').evidence).toEqual([
      'transfer-t9 had not finished 60 s after the faults healed',
    ]);
  });

  it('names a history that does not replay', () => {
    const o = { ...observations({ operations: [], outcomes: [] }), replay: [{ workflowId: 'w', status: 'nondeterministic' as const, detail: 'event 5' }] };
    expect(evidenceOf(o, 'histories-replay').evidence).toEqual(['w: nondeterministic: event 5']);
  });
});
