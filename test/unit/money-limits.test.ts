/**
 * Money and stock stay exact integers end to end: no amount, balance, credit, quantity or total in an answer or an
 * audit goes past Number.MAX_SAFE_INTEGER (2^53 - 1, the largest integer a JSON number carries exactly). Whatever
 * would take one past it is a 400 naming the field and changes nothing; transfers, refunds and compensations at the
 * limit still work. Each service here is fresh, so the totals start at zero.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankClient } from '../../services/bank/client';
import { bankSchema } from '../../services/bank/ledger';
import { createBankServer } from '../../services/bank/server';
import { openDatabase } from '../../services/db';
import { closeServer, listen } from '../../services/http';
import type { StoreClient } from '../../services/store/client';
import {
  expectServiceError,
  freshDataDir,
  type InProcessService,
  SERVICE_START_TIMEOUT_MS,
  startBank,
  startStore,
  uniqueId,
} from './support/services';

const MAX = Number.MAX_SAFE_INTEGER;
const key = () => uniqueId('key');

describe('the bank at 2^53 - 1', () => {
  let service: InProcessService<BankClient>;
  let bank: BankClient;
  const [a, b] = [uniqueId('a'), uniqueId('b')];

  beforeAll(async () => {
    service = await startBank();
    bank = service.client;
    await bank.openAccount({ accountId: a, balance: MAX - 1 });
    await bank.openAccount({ accountId: b, balance: 1 });
  }, SERVICE_START_TIMEOUT_MS);
  afterAll(() => service?.stop());

  it('reports a total of exactly 2^53 - 1', async () => {
    const audit = await bank.audit();
    expect(audit.totalBalance).toBe(MAX);
    expect(audit.accounts.map((account) => account.balance).sort((x, y) => x - y)).toEqual([1, MAX - 1]);
  });

  it('refuses an opening balance that would take the total past it: 400 on balance, no account', async () => {
    const accountId = uniqueId('c');
    const error = await expectServiceError(bank.openAccount({ accountId, balance: 1 }), {
      status: 400,
      type: 'ValidationError',
      field: 'balance',
    });
    expect(error.message).toBe(
      "balance would take the bank's total (every balance plus what open transfers could refund) to 9007199254740992, past 9007199254740991 (the largest amount the service holds exactly)",
    );
    await expectServiceError(bank.getAccount(accountId), { status: 422, type: 'InvalidAccountError' });
  });

  it('refuses a deposit of new money past it: 400 on amount, nothing applied', async () => {
    const before = await bank.audit();
    await expectServiceError(bank.deposit({ accountId: b, amount: 1, idempotencyKey: key(), referenceId: uniqueId('ref') }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    expect(await bank.audit()).toEqual(before);
  });

  it('still moves money at the limit: a transfer (withdraw, then deposit under the same reference) is no new money', async () => {
    const referenceId = uniqueId('ref');
    await bank.withdraw({ accountId: a, amount: 1_000, idempotencyKey: key(), referenceId });
    const deposit = await bank.deposit({ accountId: b, amount: 1_000, idempotencyKey: key(), referenceId });
    expect(deposit.balance).toBe(1_001);
    expect((await bank.audit()).totalBalance).toBe(MAX);
  });

  it('still refunds at the limit: a compensation is never refused for the total', async () => {
    const referenceId = uniqueId('ref');
    await bank.withdraw({ accountId: a, amount: 500, idempotencyKey: key(), referenceId });
    // While the withdrawn money is in transit, new money may not take its place.
    await expectServiceError(bank.deposit({ accountId: b, amount: 1, idempotencyKey: key(), referenceId: uniqueId('ref') }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    const refund = await bank.refund({ referenceId, idempotencyKey: key() });
    expect(refund.amount).toBe(500);
    expect((await bank.audit()).totalBalance).toBe(MAX);
  });

  it('refuses a deposit beyond what its reference withdrew once the total is full: 400 on amount', async () => {
    const referenceId = uniqueId('ref');
    await bank.withdraw({ accountId: a, amount: 10, idempotencyKey: key(), referenceId });
    await expectServiceError(bank.deposit({ accountId: b, amount: 11, idempotencyKey: key(), referenceId }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    await bank.deposit({ accountId: b, amount: 10, idempotencyKey: key(), referenceId });
    expect((await bank.audit()).totalBalance).toBe(MAX);
  });
});

describe('a reference’s own sums', () => {
  let service: InProcessService<BankClient>;
  let bank: BankClient;

  beforeAll(async () => {
    service = await startBank();
    bank = service.client;
  }, SERVICE_START_TIMEOUT_MS);
  afterAll(() => service?.stop());

  it('stop at 2^53 - 1: money withdrawn and deposited back under one reference again and again (before: accepted past it, and the reference’s refund then failed with a 500)', async () => {
    const accountId = uniqueId('acct');
    const half = 2 ** 52;
    await bank.openAccount({ accountId, balance: half });
    const referenceId = uniqueId('ref');
    // Each round withdraws `half` from the account and deposits it back under the same reference: no money is
    // created, but what the reference withdrew and deposited grows by `half` a round.
    await bank.withdraw({ accountId, amount: half, idempotencyKey: key(), referenceId });
    await bank.deposit({ accountId, amount: half, idempotencyKey: key(), referenceId });
    const error = await expectServiceError(bank.withdraw({ accountId, amount: half, idempotencyKey: key(), referenceId }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    expect(error.message).toBe(
      `amount would take what reference '${referenceId}' withdrew to 9007199254740992, past 9007199254740991 (the largest amount the service holds exactly)`,
    );
    await bank.withdraw({ accountId, amount: half - 1, idempotencyKey: key(), referenceId });
    await expectServiceError(bank.deposit({ accountId, amount: half, idempotencyKey: key(), referenceId }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    // Refunding what is left is exact, and so is the total.
    const refund = await bank.refund({ referenceId, idempotencyKey: key() });
    expect(refund.amount).toBe(half - 1);
    expect((await bank.audit()).totalBalance).toBe(half);
  });
});

describe('a bank database written before the total was kept', () => {
  it(
    'gets its potential total from its balances and open references when it opens',
    async () => {
      const dataDir = freshDataDir('bank-upgrade');
      try {
        let db = await openDatabase(dataDir, bankSchema);
        let server = createBankServer({ db });
        let bank = new BankClient({ baseUrl: await listen(server, 0, '127.0.0.1') });
        await bank.openAccount({ accountId: 'a', balance: MAX - 10 });
        await bank.withdraw({ accountId: 'a', amount: 5, idempotencyKey: key(), referenceId: 'open-transfer' });
        await closeServer(server, 0);
        // What an older version left: the same tables without the kept total.
        await db.transaction((tx) => tx.query('drop table bank_totals'));
        await db.close();

        db = await openDatabase(dataDir, bankSchema);
        server = createBankServer({ db });
        bank = new BankClient({ baseUrl: await listen(server, 0, '127.0.0.1') });
        try {
          // MAX - 15 in the balance and 5 the open transfer could refund leave room for exactly 10.
          await expectServiceError(bank.openAccount({ accountId: 'b', balance: 11 }), {
            status: 400,
            type: 'ValidationError',
            field: 'balance',
          });
          await bank.openAccount({ accountId: 'b', balance: 10 });
          await bank.refund({ referenceId: 'open-transfer', idempotencyKey: key() });
          expect((await bank.audit()).totalBalance).toBe(MAX);
        } finally {
          await closeServer(server, 0);
          await db.close();
        }
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    SERVICE_START_TIMEOUT_MS,
  );
});

describe('the store at 2^53 - 1', () => {
  let service: InProcessService<StoreClient>;
  let store: StoreClient;
  const sku = uniqueId('sku');
  const [rich, poor] = [uniqueId('rich'), uniqueId('poor')];

  beforeAll(async () => {
    service = await startStore();
    store = service.client;
    await store.openCustomer({ customerId: rich, credit: MAX - 1 });
    await store.openCustomer({ customerId: poor, credit: 1 });
    await store.setStock({ sku, available: MAX });
  }, SERVICE_START_TIMEOUT_MS);
  afterAll(() => service?.stop());

  it('reports a money total and a stock total of exactly 2^53 - 1, through a charge and its refund', async () => {
    const orderId = uniqueId('order');
    await store.chargePayment({ orderId, customerId: rich, amount: MAX - 2, idempotencyKey: key() });
    expect((await store.audit()).moneyTotal).toBe(MAX);
    await store.refundPayment({ orderId, idempotencyKey: key() });
    const audit = await store.audit();
    expect(audit.moneyTotal).toBe(MAX);
    expect(audit.customers.find((customer) => customer.customerId === rich)?.credit).toBe(MAX - 1);
    expect(audit.stockTotals.find((level) => level.sku === sku)?.available).toBe(MAX);
  });

  it('refuses credit that would take the money total past it: 400 on credit, no customer', async () => {
    const before = await store.audit();
    await expectServiceError(store.openCustomer({ customerId: uniqueId('cust'), credit: 1 }), {
      status: 400,
      type: 'ValidationError',
      field: 'credit',
    });
    expect(await store.audit()).toEqual(before);
  });

  it('refuses stock that, with what is reserved, would pass it: 400 on available, stock unchanged', async () => {
    const orderId = uniqueId('order');
    await store.reserveInventory({ orderId, items: [{ sku, quantity: MAX - 5 }], idempotencyKey: key() });
    const before = await store.audit();
    const error = await expectServiceError(store.setStock({ sku, available: 6 }), {
      status: 400,
      type: 'ValidationError',
      field: 'available',
    });
    expect(error.message).toBe(
      `available would take the total of sku '${sku}' (available plus reserved) to 9007199254740992, past 9007199254740991 (the largest amount the service holds exactly)`,
    );
    expect(await store.audit()).toEqual(before);
    await store.setStock({ sku, available: 5 });
    await store.releaseInventory({ orderId, idempotencyKey: key() });
    expect((await store.audit()).stock.find((level) => level.sku === sku)?.available).toBe(MAX);
  });

  it('refuses an order whose quantities of one SKU sum past it: 400 on the item that passes it', async () => {
    const before = await store.audit();
    await expectServiceError(
      store.reserveInventory({
        orderId: uniqueId('order'),
        items: [
          { sku, quantity: MAX },
          { sku: uniqueId('other'), quantity: 1 },
          { sku, quantity: 1 },
        ],
        idempotencyKey: key(),
      }),
      { status: 400, type: 'ValidationError', field: 'items[2].quantity' },
    );
    expect(await store.audit()).toEqual(before);
  });
});
