import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../activities';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';
import type { OrderDetails, TransferDetails } from '../../workflows/types';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, startBank, startStore, uniqueId } from './support/services';

let bank: InProcessService<BankClient>;
let store: InProcessService<StoreClient>;
let activities: Activities;

beforeAll(async () => {
  [bank, store] = await Promise.all([startBank(), startStore()]);
  activities = createActivities({ bank: bank.client, store: store.client });
}, SERVICE_START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([bank?.stop(), store?.stop()]);
});

/** Run an activity the way a worker would, with an activity context for the given attempt. */
function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, attempt = 1): Promise<R> {
  // The environment logs every failed activity; these tests expect failures, so keep it to errors.
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run(fn, ...args);
}

async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => expect.fail('the activity was expected to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

async function transfer(balance = 10_000): Promise<TransferDetails> {
  const details = { sourceAccount: uniqueId('src'), targetAccount: uniqueId('dst'), amount: 1_200, referenceId: uniqueId('ref') };
  await bank.client.openAccount({ accountId: details.sourceAccount, balance });
  await bank.client.openAccount({ accountId: details.targetAccount, balance: 0 });
  return details;
}

describe('bank activities', () => {
  it('withdraw uses the key {referenceId}:withdraw, so a retried attempt applies nothing twice', async () => {
    const details = await transfer();

    const first = await runActivity(activities.withdraw, [details], 1);
    const retried = await runActivity(activities.withdraw, [details], 2);

    expect(retried).toBe(first);
    expect((await bank.client.getAccount(details.sourceAccount)).balance).toBe(8_800);
    const applied = (await bank.client.audit()).operations.filter((op) => op.referenceId === details.referenceId);
    expect(applied.map((op) => op.idempotencyKey)).toEqual([`${details.referenceId}:withdraw`]);
  });

  it('deposit then refund are keyed by step and refund returns the money to the source', async () => {
    const details = await transfer();
    await runActivity(activities.withdraw, [details]);
    const refundId = await runActivity(activities.refund, [details]);

    expect(refundId).toMatch(/\S/);
    expect((await bank.client.getAccount(details.sourceAccount)).balance).toBe(10_000);
    const keys = (await bank.client.audit()).operations
      .filter((op) => op.referenceId === details.referenceId)
      .map((op) => op.idempotencyKey);
    expect(keys).toEqual([`${details.referenceId}:withdraw`, `${details.referenceId}:refund`]);
  });

  it("keeps a business error's type and leaves retrying to the workflow's policy", async () => {
    const details = await transfer(100);

    const failure = await failureOf(runActivity(activities.withdraw, [details]));

    expect(failure.type).toBe('InsufficientFundsError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain(details.sourceAccount);
  });

  it('reports an unknown account as InvalidAccountError', async () => {
    const details = { ...(await transfer()), targetAccount: uniqueId('ghost') };
    expect((await failureOf(runActivity(activities.deposit, [details]))).type).toBe('InvalidAccountError');
  });

  it('makes a request the bank can never accept non-retryable: a deposit after the transfer was refunded', async () => {
    const details = await transfer();
    await runActivity(activities.withdraw, [details]);
    await runActivity(activities.refund, [details]);

    const failure = await failureOf(runActivity(activities.deposit, [details]));

    expect(failure.type).toBe('TransferClosedError');
    expect(failure.nonRetryable).toBe(true);
  });

  it('turns a 503 from the bank into a retryable failure', async () => {
    const details = await transfer();
    await bank.client.addFault({ operation: 'withdraw', effect: 'fail', count: 1, match: { referenceId: details.referenceId } });

    const failure = await failureOf(runActivity(activities.withdraw, [details]));

    expect(failure.type).toBe('InjectedFault');
    expect(failure.nonRetryable).toBe(false);
  });

  it('turns an unreachable bank into a retryable ServiceUnreachable failure', async () => {
    const offline = createActivities({
      bank: new BankClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }),
      store: store.client,
    });
    const failure = await failureOf(runActivity(offline.withdraw, [await transfer()]));
    expect(failure.type).toBe('ServiceUnreachable');
    expect(failure.nonRetryable).toBe(false);
  });
});

describe('store activities', () => {
  async function order(overrides: Partial<OrderDetails> = {}): Promise<OrderDetails> {
    const sku = uniqueId('sku');
    const customerId = uniqueId('cust');
    await store.client.setStock({ sku, available: 3 });
    await store.client.openCustomer({ customerId, credit: 5_000 });
    return {
      orderId: uniqueId('order'),
      customerId,
      items: [{ sku, quantity: 2 }],
      amount: 1_000,
      address: { name: 'Ada', line1: '1 Lane', city: 'Paris', country: 'FR' },
      ...overrides,
    };
  }

  it('reserves, charges and ships with keys {orderId}:reserve, :charge, :ship, each applied once across retries', async () => {
    const details = await order();
    const reservationId = await runActivity(activities.reserveInventory, [details]);
    expect(await runActivity(activities.reserveInventory, [details], 2)).toBe(reservationId);
    await runActivity(activities.chargePayment, [details]);
    const shipment = await runActivity(activities.createShipment, [details]);

    expect(shipment.trackingNumber).toMatch(/\S/);
    const keys = (await store.client.audit()).operations.filter((op) => op.orderId === details.orderId).map((op) => op.idempotencyKey);
    expect(keys).toEqual([`${details.orderId}:reserve`, `${details.orderId}:charge`, `${details.orderId}:ship`]);
  });

  it('compensations report whether they undid anything', async () => {
    const details = await order();
    await runActivity(activities.reserveInventory, [details]);

    expect(await runActivity(activities.releaseInventory, [details.orderId])).toBe(true);
    expect(await runActivity(activities.refundPayment, [details.orderId])).toBe(false);
    expect(await runActivity(activities.cancelShipment, [details.orderId])).toBe(false);
  });

  it('cancelOrder undoes inventory and payment in one call', async () => {
    const details = await order();
    await runActivity(activities.reserveInventory, [details]);
    await runActivity(activities.chargePayment, [details]);

    expect(await runActivity(activities.cancelOrder, [details.orderId])).toEqual({
      releasedInventory: true,
      refundedPayment: true,
      cancelledShipment: false,
    });
    const audit = await store.client.audit();
    expect(audit.customers.find((c) => c.customerId === details.customerId)?.credit).toBe(5_000);
  });

  it("keeps PaymentDeclined as a typed failure that the workflow's policy decides to retry or not", async () => {
    const details = await order({ amount: 999_999 });
    const failure = await failureOf(runActivity(activities.chargePayment, [details]));
    expect(failure.type).toBe('PaymentDeclined');
    expect(failure.nonRetryable).toBe(false);
  });

  it("keeps InvalidAddressError as a typed failure that the workflow's policy decides to retry or not", async () => {
    const details = await order({ address: { name: 'X', line1: 'Y', city: 'Z', country: 'XX' } });
    const failure = await failureOf(runActivity(activities.createShipment, [details]));
    expect(failure.type).toBe('InvalidAddressError');
    expect(failure.nonRetryable).toBe(false);
  });

  it('reports a reservation beyond stock as OutOfStockError', async () => {
    const details = await order();
    details.items = [{ sku: details.items[0]!.sku, quantity: 4 }];
    expect((await failureOf(runActivity(activities.reserveInventory, [details]))).type).toBe('OutOfStockError');
  });
});
