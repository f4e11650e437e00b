import { describe, expect, it } from 'vitest';
import { bankSlice, storeSlice } from '../../chaos/audits';
import type { BankAudit } from '../../services/bank/api';
import type { StoreAudit } from '../../services/store/api';

const op = (seq: number, referenceId: string, kind: 'withdraw' | 'deposit' | 'refund', amount: number, accountId: string | null) => ({
  seq,
  operationId: `X${seq}`,
  idempotencyKey: `${referenceId}:${kind}`,
  kind,
  accountId,
  amount,
  referenceId,
  appliedAt: '2026-12-01T00:00:00Z',
});

describe("the run's slice of the audits", () => {
  it("keeps the bank's accounts and operations of the run's ids, with the total over them", () => {
    const audit: BankAudit = {
      accounts: [
        { accountId: 'r1-acct0', balance: 700 },
        { accountId: 'r1-acct1', balance: 1300 },
        { accountId: 'r2-acct0', balance: 5 },
      ],
      totalBalance: 2005,
      operations: [
        op(1, 'r1-t0', 'withdraw', 300, 'r1-acct0'),
        op(2, 'r2-t0', 'withdraw', 9, 'r2-acct0'),
        op(3, 'r1-t0', 'deposit', 300, 'r1-acct1'),
      ],
      closedReferences: ['r2-t1', 'r1-t3'],
    };
    const slice = bankSlice(audit, 'r1-');
    expect(slice.accounts.map((a) => a.accountId)).toEqual(['r1-acct0', 'r1-acct1']);
    expect(slice.totalBalance).toBe(2000);
    expect(slice.operations.map((o) => o.seq)).toEqual([1, 3]);
    expect(slice.closedReferences).toEqual(['r1-t3']);
    // The prefix ends with its separator: run r1 never takes run r10's state.
    expect(bankSlice({ ...audit, accounts: [{ accountId: 'r10-acct0', balance: 1 }] }, 'r1-').accounts).toEqual([]);
  });

  it("recomputes the store's money and stock totals over the run's customers, SKUs and orders, as the store defines them", () => {
    const audit: StoreAudit = {
      stock: [
        { sku: 'r1-sku0', available: 7 },
        { sku: 'r2-sku0', available: 100 },
      ],
      customers: [
        { customerId: 'r1-cust0', credit: 900 },
        { customerId: 'r2-cust0', credit: 50 },
      ],
      reservations: [
        { reservationId: 'V1', orderId: 'r1-s0', items: [{ sku: 'r1-sku0', quantity: 2 }], status: 'reserved' },
        { reservationId: 'V2', orderId: 'r1-s1', items: [{ sku: 'r1-sku0', quantity: 1 }], status: 'released' },
        { reservationId: 'V3', orderId: 'r2-s0', items: [{ sku: 'r2-sku0', quantity: 4 }], status: 'reserved' },
      ],
      payments: [
        { paymentId: 'P1', orderId: 'r1-s0', customerId: 'r1-cust0', amount: 100, status: 'charged' },
        { paymentId: 'P2', orderId: 'r1-s1', customerId: 'r1-cust0', amount: 40, status: 'refunded' },
        { paymentId: 'P3', orderId: 'r2-s0', customerId: 'r2-cust0', amount: 10, status: 'charged' },
      ],
      shipments: [{ shipmentId: 'S1', orderId: 'r2-s0', trackingNumber: 'T', status: 'created' }],
      operations: [
        { seq: 1, idempotencyKey: 'r1-s0:reserve', kind: 'reserveInventory', orderId: 'r1-s0', appliedAt: '' },
        { seq: 2, idempotencyKey: 'r2-s0:reserve', kind: 'reserveInventory', orderId: 'r2-s0', appliedAt: '' },
      ],
      moneyTotal: 1060,
      stockTotals: [
        { sku: 'r1-sku0', available: 9 },
        { sku: 'r2-sku0', available: 104 },
      ],
    };
    const slice = storeSlice(audit, 'r1-');
    expect(slice.moneyTotal).toBe(1000);
    expect(slice.stockTotals).toEqual([{ sku: 'r1-sku0', available: 9 }]);
    expect([slice.reservations.length, slice.payments.length, slice.shipments.length, slice.operations.length]).toEqual([2, 2, 0, 1]);
  });
});
