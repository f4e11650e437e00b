import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { keysAppliedTwice, moneyEvidence } from '../../chaos/checkers';
import { Random } from '../../src/base/random';
import { approveSignal, getStatusQuery } from '../../workflows/order';
import {
  type OrderDetails,
  orderSagaWorkflowId,
  orderWorkflowId,
  TASK_QUEUES,
  type TransferDetails,
  transferWorkflowId,
} from '../../workflows/types';
import { useDevServerWorld } from '../support/dev-server';

const world = useDevServerWorld();

describe('money transfers on the dev server with the real services', () => {
  it('a concurrent batch of 40 transfers (valid, unknown accounts, insufficient funds) conserves money', async () => {
    const run = Date.now().toString(36);
    const accounts = Array.from({ length: 6 }, (_, i) => `e2e-${run}-acct${i}`);
    await Promise.all(accounts.map((accountId) => world.bank.openAccount({ accountId, balance: 20_000 })));
    const openingTotal = (await world.bank.audit()).totalBalance;
    const random = new Random(42);
    const transfers: TransferDetails[] = Array.from({ length: 40 }, (_, i) => {
      const sourceAccount = random.pick(accounts);
      const roll = random.next();
      const targetAccount = roll < 0.1 ? `e2e-${run}-ghost` : random.pick(accounts.filter((a) => a !== sourceAccount));
      const amount = roll > 0.9 ? 50_000 : random.int(100, 5_099);
      return { sourceAccount, targetAccount, amount, referenceId: `e2e-${run}-${i}` };
    });

    const outcomes = await Promise.all(
      transfers.map((details) =>
        world.client.workflow
          .execute('moneyTransfer', {
            taskQueue: TASK_QUEUES.moneyTransfer,
            workflowId: transferWorkflowId(details.referenceId),
            args: [details],
          })
          .then(
            () => 'completed',
            (error: unknown) => {
              if (!(error instanceof WorkflowFailedError)) throw error;
              return (error.cause as ApplicationFailure).type ?? 'unknown';
            },
          ),
      ),
    );

    const audit = await world.bank.audit();
    expect(moneyEvidence(audit, openingTotal)).toEqual([]);
    expect(keysAppliedTwice(audit.operations)).toEqual([]);
    // Each transfer ended exactly one valid way, and the ledger agrees with the workflow's outcome.
    const kindsByReference = (referenceId: string): string[] =>
      audit.operations.filter((op) => op.referenceId === referenceId).map((op) => `${op.kind}${op.amount === 0 ? ' 0' : ''}`);
    transfers.forEach((details, i) => {
      // A failed withdraw is followed by a refund that closes the transfer, here with nothing to return.
      const expected = { completed: ['withdraw', 'deposit'], DepositFailed: ['withdraw', 'refund'], WithdrawalFailed: ['refund 0'] }[
        outcomes[i]!
      ];
      expect(expected, `transfer ${details.referenceId} ended ${outcomes[i]}`).toBeDefined();
      expect(kindsByReference(details.referenceId), details.referenceId).toEqual(expected);
    });
    expect(new Set(outcomes)).toEqual(new Set(['completed', 'DepositFailed', 'WithdrawalFailed']));
  });
});

describe('orders on the dev server with the real services', () => {
  const order = (orderId: string, sku: string, customerId: string): OrderDetails => ({
    orderId,
    customerId,
    items: [{ sku, quantity: 1 }],
    amount: 1_500,
    address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
  });

  it('an order saga ships and an approved order completes', async () => {
    const run = Date.now().toString(36);
    const sku = `e2e-${run}-sku`;
    const customerId = `e2e-${run}-cust`;
    await world.store.setStock({ sku, available: 2 });
    await world.store.openCustomer({ customerId, credit: 5_000 });

    const saga = order(`e2e-${run}-saga`, sku, customerId);
    const sagaResult = await world.client.workflow.execute('orderSaga', {
      taskQueue: TASK_QUEUES.orders,
      workflowId: orderSagaWorkflowId(saga.orderId),
      args: [saga],
    });
    const approved = order(`e2e-${run}-approved`, sku, customerId);
    const handle = await world.client.workflow.start('order', {
      taskQueue: TASK_QUEUES.orders,
      workflowId: orderWorkflowId(approved.orderId),
      args: [approved],
    });
    while ((await handle.query(getStatusQuery)).state !== 'awaiting-approval') await new Promise((r) => setTimeout(r, 50));
    await handle.signal(approveSignal, 'e2e');
    const final = await handle.result();

    expect(sagaResult.trackingNumber).toMatch(/\S/);
    expect(final.state).toBe('completed');
    const audit = await world.store.audit();
    expect(audit.stock.find((s) => s.sku === sku)?.available).toBe(0);
    expect(audit.customers.find((c) => c.customerId === customerId)?.credit).toBe(2_000);
    expect(audit.shipments.filter((s) => s.orderId.startsWith(`e2e-${run}`)).map((s) => s.status)).toEqual(['created', 'created']);
  });
});
