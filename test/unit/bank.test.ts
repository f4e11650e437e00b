import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankClient } from '../../services/bank/client';
import type { MoneyMovementRequest } from '../../services/bank/api';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, expectServiceError, postRaw, startBank, uniqueId } from './support/services';

let service: InProcessService<BankClient>;
let bank: BankClient;

beforeAll(async () => {
  service = await startBank();
  bank = service.client;
}, SERVICE_START_TIMEOUT_MS);

afterAll(() => service?.stop());

/** Opens accounts with unique ids and the given opening balances, in order. */
async function openAccounts(...balances: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const balance of balances) {
    const accountId = uniqueId('acct');
    await bank.openAccount({ accountId, balance });
    ids.push(accountId);
  }
  return ids;
}

async function balances(...accountIds: string[]): Promise<number[]> {
  return Promise.all(accountIds.map(async (accountId) => (await bank.getAccount(accountId)).balance));
}

function movement(accountId: string, amount: number, fields: Partial<MoneyMovementRequest> = {}): MoneyMovementRequest {
  return { accountId, amount, idempotencyKey: uniqueId('key'), referenceId: uniqueId('ref'), ...fields };
}

async function operationsWithKey(idempotencyKey: string) {
  return (await bank.audit()).operations.filter((operation) => operation.idempotencyKey === idempotencyKey);
}

describe('accounts', () => {
  it('openAccount answers the account and getAccount reads it back', async () => {
    const accountId = uniqueId('acct');
    expect(await bank.openAccount({ accountId, balance: 1234 })).toEqual({ accountId, balance: 1234 });
    expect(await bank.getAccount(accountId)).toEqual({ accountId, balance: 1234 });
  });

  it('opening an id that exists already is a ValidationError on accountId and keeps the balance', async () => {
    const [accountId] = await openAccounts(500);
    const error = await expectServiceError(bank.openAccount({ accountId: accountId!, balance: 9 }), {
      status: 400,
      type: 'ValidationError',
      field: 'accountId',
    });
    expect(error.message).toBe(`account '${accountId}' already exists`);
    expect(await balances(accountId!)).toEqual([500]);
  });

  it('getAccount of an unknown id is InvalidAccountError', async () => {
    await expectServiceError(bank.getAccount(uniqueId('nobody')), { status: 422, type: 'InvalidAccountError' });
  });

  it('health answers the service name', async () => {
    expect(await bank.health()).toEqual({ service: 'bank', ok: true });
  });
});

describe('withdraw and deposit', () => {
  it('withdraw takes the amount from the account and answers the new balance', async () => {
    const [accountId] = await openAccounts(1000);
    const request = movement(accountId!, 300);
    expect(await bank.withdraw(request)).toEqual({
      operationId: expect.stringMatching(/^W-\d{6}$/),
      kind: 'withdraw',
      ...request,
      balance: 700,
      replayed: false,
    });
    expect(await balances(accountId!)).toEqual([700]);
  });

  it('deposit adds the amount to the account', async () => {
    const [accountId] = await openAccounts(50);
    const request = movement(accountId!, 25);
    expect(await bank.deposit(request)).toEqual({
      operationId: expect.stringMatching(/^D-\d{6}$/),
      kind: 'deposit',
      ...request,
      balance: 75,
      replayed: false,
    });
  });

  it('a transfer (withdraw from one account, deposit into another) moves the money', async () => {
    const [source, target] = await openAccounts(1000, 10);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(source!, 400, { referenceId }));
    await bank.deposit(movement(target!, 400, { referenceId }));
    expect(await balances(source!, target!)).toEqual([600, 410]);
  });

  it('withdrawing the whole balance leaves zero', async () => {
    const [accountId] = await openAccounts(250);
    expect((await bank.withdraw(movement(accountId!, 250))).balance).toBe(0);
  });

  it('withdraw or deposit on an unknown account is InvalidAccountError and records nothing', async () => {
    const withdraw = movement(uniqueId('nobody'), 10);
    const deposit = movement(uniqueId('nobody'), 10);
    await expectServiceError(bank.withdraw(withdraw), { status: 422, type: 'InvalidAccountError' });
    await expectServiceError(bank.deposit(deposit), { status: 422, type: 'InvalidAccountError' });
    expect(await operationsWithKey(withdraw.idempotencyKey)).toEqual([]);
    expect(await operationsWithKey(deposit.idempotencyKey)).toEqual([]);
  });

  it('withdrawing more than the balance is InsufficientFundsError, changes nothing, and does not burn the key', async () => {
    const [accountId] = await openAccounts(100);
    const request = movement(accountId!, 101);
    const error = await expectServiceError(bank.withdraw(request), { status: 422, type: 'InsufficientFundsError' });
    expect(error.message).toBe(`account '${accountId}' has 100 cents; cannot withdraw 101`);
    expect(await balances(accountId!)).toEqual([100]);
    expect(await operationsWithKey(request.idempotencyKey)).toEqual([]);

    await bank.deposit(movement(accountId!, 1));
    expect(await bank.withdraw(request)).toMatchObject({ balance: 0, replayed: false });
  });

  it('a reference withdraws from one account only: another source is a ValidationError on accountId', async () => {
    const [first, second] = await openAccounts(100, 100);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(first!, 10, { referenceId }));
    await expectServiceError(bank.withdraw(movement(second!, 10, { referenceId })), {
      status: 400,
      type: 'ValidationError',
      field: 'accountId',
    });
    expect(await balances(first!, second!)).toEqual([90, 100]);
  });
});

describe('idempotency', () => {
  it('a repeated key answers the first result with replayed=true and changes nothing', async () => {
    const [accountId] = await openAccounts(1000);
    const request = movement(accountId!, 300);
    const first = await bank.withdraw(request);
    const again = await bank.withdraw(request);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await balances(accountId!)).toEqual([700]);
    expect(await operationsWithKey(request.idempotencyKey)).toHaveLength(1);
  });

  it('a replay answers the balance right after the first call, not the current one', async () => {
    const [accountId] = await openAccounts(1000);
    const request = movement(accountId!, 100);
    await bank.withdraw(request);
    await bank.deposit(movement(accountId!, 5000));
    expect(await bank.withdraw(request)).toMatchObject({ balance: 900, replayed: true });
  });

  it('the same key with a different amount is IdempotencyKeyReused (409) and changes nothing', async () => {
    const [accountId] = await openAccounts(1000);
    const request = movement(accountId!, 300);
    await bank.withdraw(request);
    const error = await expectServiceError(bank.withdraw({ ...request, amount: 301 }), {
      status: 409,
      type: 'IdempotencyKeyReused',
      field: 'idempotencyKey',
    });
    expect(error.message).toBe(`idempotencyKey '${request.idempotencyKey}' was already used for a different request`);
    expect(await balances(accountId!)).toEqual([700]);
  });

  it('the same key for a different operation kind is IdempotencyKeyReused', async () => {
    const [accountId] = await openAccounts(1000);
    const request = movement(accountId!, 300);
    await bank.withdraw(request);
    await expectServiceError(bank.deposit(request), { status: 409, type: 'IdempotencyKeyReused', field: 'idempotencyKey' });
    expect(await balances(accountId!)).toEqual([700]);
  });

  it('two different keys are two operations: the money moves twice and the audit shows both', async () => {
    const [accountId] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(accountId!, 300, { referenceId }));
    await bank.withdraw(movement(accountId!, 300, { referenceId }));
    expect(await balances(accountId!)).toEqual([400]);
    const operations = (await bank.audit()).operations.filter((operation) => operation.referenceId === referenceId);
    expect(operations.map((operation) => [operation.kind, operation.amount])).toEqual([
      ['withdraw', 300],
      ['withdraw', 300],
    ]);
  });
});

describe('refund', () => {
  it('after a withdraw, refund credits the withdrawn amount back to the source and closes the reference', async () => {
    const [accountId] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(accountId!, 300, { referenceId }));
    const idempotencyKey = uniqueId('key');
    expect(await bank.refund({ referenceId, idempotencyKey })).toEqual({
      operationId: expect.stringMatching(/^R-\d{6}$/),
      kind: 'refund',
      accountId,
      amount: 300,
      balance: 1000,
      referenceId,
      idempotencyKey,
      replayed: false,
    });
    expect((await bank.audit()).closedReferences).toContain(referenceId);
  });

  it('refunds everything the reference withdrew, across several withdraws', async () => {
    const [accountId] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(accountId!, 100, { referenceId }));
    await bank.withdraw(movement(accountId!, 250, { referenceId }));
    expect(await bank.refund({ referenceId, idempotencyKey: uniqueId('key') })).toMatchObject({
      amount: 350,
      balance: 1000,
    });
  });

  it('after the deposit landed a refund returns nothing, and closes the reference', async () => {
    const [source, target] = await openAccounts(1000, 0);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(source!, 300, { referenceId }));
    await bank.deposit(movement(target!, 300, { referenceId }));
    expect(await bank.refund({ referenceId, idempotencyKey: uniqueId('key') })).toMatchObject({
      accountId: source,
      amount: 0,
      balance: 700,
    });
    expect(await balances(source!, target!)).toEqual([700, 300]);
    expect((await bank.audit()).closedReferences).toContain(referenceId);
  });

  it('a refund of a reference that never withdrew returns nothing and closes it: a withdraw that arrives late never applies', async () => {
    const [source] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    expect(await bank.refund({ referenceId, idempotencyKey: uniqueId('key') })).toMatchObject({
      kind: 'refund',
      accountId: null,
      amount: 0,
      balance: null,
      replayed: false,
    });
    await expectServiceError(bank.withdraw(movement(source!, 300, { referenceId })), { status: 422, type: 'TransferClosedError' });
    expect(await balances(source!)).toEqual([1000]);
    const audit = await bank.audit();
    expect(audit.closedReferences).toContain(referenceId);
    expect(audit.operations.filter((op) => op.referenceId === referenceId).map((op) => [op.kind, op.accountId, op.amount])).toEqual([
      ['refund', null, 0],
    ]);
  });

  it('after a refund, a late deposit or withdraw under the reference is TransferClosedError and changes nothing', async () => {
    const [source, target] = await openAccounts(1000, 0);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(source!, 300, { referenceId }));
    await bank.refund({ referenceId, idempotencyKey: uniqueId('key') });
    await expectServiceError(bank.deposit(movement(target!, 300, { referenceId })), {
      status: 422,
      type: 'TransferClosedError',
    });
    await expectServiceError(bank.withdraw(movement(source!, 300, { referenceId })), {
      status: 422,
      type: 'TransferClosedError',
    });
    expect(await balances(source!, target!)).toEqual([1000, 0]);
  });

  it('a withdraw retried with its own key after the refund still replays its first answer', async () => {
    const [accountId] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    const withdraw = movement(accountId!, 300, { referenceId });
    const first = await bank.withdraw(withdraw);
    await bank.refund({ referenceId, idempotencyKey: uniqueId('key') });
    expect(await bank.withdraw(withdraw)).toEqual({ ...first, replayed: true });
    expect(await balances(accountId!)).toEqual([1000]);
  });

  it('a second refund with a new key is TransferClosedError; with the first key it replays', async () => {
    const [accountId] = await openAccounts(1000);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(accountId!, 300, { referenceId }));
    const refund = { referenceId, idempotencyKey: uniqueId('key') };
    const first = await bank.refund(refund);
    await expectServiceError(bank.refund({ referenceId, idempotencyKey: uniqueId('key') }), {
      status: 422,
      type: 'TransferClosedError',
    });
    expect(await bank.refund(refund)).toEqual({ ...first, replayed: true });
    expect(await balances(accountId!)).toEqual([1000]);
  });

  it('a partly deposited reference refunds only the rest', async () => {
    const [source, target] = await openAccounts(1000, 0);
    const referenceId = uniqueId('ref');
    await bank.withdraw(movement(source!, 300, { referenceId }));
    await bank.deposit(movement(target!, 100, { referenceId }));
    expect(await bank.refund({ referenceId, idempotencyKey: uniqueId('key') })).toMatchObject({
      accountId: source,
      amount: 200,
      balance: 900,
    });
  });
});

describe('validation: 400 ValidationError naming the field, nothing changes', () => {
  const invalidMovements: { name: string; change: Record<string, unknown>; field: string; message: string }[] = [
    {
      name: 'a negative amount',
      change: { amount: -5 },
      field: 'amount',
      message: 'amount must be a positive integer number of cents, at most 9007199254740991',
    },
    {
      name: 'a zero amount',
      change: { amount: 0 },
      field: 'amount',
      message: 'amount must be a positive integer number of cents, at most 9007199254740991',
    },
    {
      name: 'a fractional amount',
      change: { amount: 10.5 },
      field: 'amount',
      message: 'amount must be a positive integer number of cents, at most 9007199254740991',
    },
    {
      name: 'an amount given as a string',
      change: { amount: '10' },
      field: 'amount',
      message: 'amount must be a positive integer number of cents, at most 9007199254740991',
    },
    {
      name: 'an unsafe integer amount',
      change: { amount: 2 ** 53 },
      field: 'amount',
      message: 'amount must be a positive integer number of cents, at most 9007199254740991',
    },
    {
      name: 'a missing idempotency key',
      change: { idempotencyKey: undefined },
      field: 'idempotencyKey',
      message: 'idempotencyKey must be a non-empty string',
    },
    { name: 'an empty account id', change: { accountId: '' }, field: 'accountId', message: 'accountId must be a non-empty string' },
    {
      name: 'a blank reference id',
      change: { referenceId: '  ' },
      field: 'referenceId',
      message: 'referenceId must be a non-empty string',
    },
    { name: 'a numeric account id', change: { accountId: 42 }, field: 'accountId', message: 'accountId must be a non-empty string' },
  ];

  it.each(invalidMovements)('withdraw with $name', async ({ change, field, message }) => {
    const [accountId] = await openAccounts(1000);
    const request = { ...movement(accountId!, 100), ...change } as MoneyMovementRequest;
    const error = await expectServiceError(bank.withdraw(request), { status: 400, type: 'ValidationError', field });
    expect(error.message).toBe(message);
    expect(await balances(accountId!)).toEqual([1000]);
  });

  it('deposit with a fractional amount', async () => {
    const [accountId] = await openAccounts(0);
    await expectServiceError(bank.deposit(movement(accountId!, 0.01)), { status: 400, type: 'ValidationError', field: 'amount' });
    expect(await balances(accountId!)).toEqual([0]);
  });

  it('refund without a reference id', async () => {
    await expectServiceError(bank.refund({ idempotencyKey: uniqueId('key') } as never), {
      status: 400,
      type: 'ValidationError',
      field: 'referenceId',
    });
  });

  it('openAccount with a negative balance', async () => {
    const error = await expectServiceError(bank.openAccount({ accountId: uniqueId('acct'), balance: -1 }), {
      status: 400,
      type: 'ValidationError',
      field: 'balance',
    });
    expect(error.message).toBe('balance must be a non-negative integer number of cents, at most 9007199254740991');
  });

  it('a malformed JSON body sent raw', async () => {
    const [accountId] = await openAccounts(1000);
    const answer = await postRaw(`${service.url}/withdraw`, `{"accountId":"${accountId}","amount":100,`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { type: 'ValidationError', message: expect.stringMatching(/^request body is not valid JSON: /) },
    });
    expect(await balances(accountId!)).toEqual([1000]);
  });

  it('a JSON body that is not an object', async () => {
    const answer = await postRaw(`${service.url}/withdraw`, '[1, 2]');
    expect(answer).toEqual({
      status: 400,
      body: { error: { type: 'ValidationError', message: 'request body must be a JSON object' } },
    });
  });

  it('a body over 64 KiB', async () => {
    const answer = await postRaw(`${service.url}/withdraw`, JSON.stringify({ padding: 'x'.repeat(70_000) }));
    expect(answer).toEqual({
      status: 400,
      body: { error: { type: 'ValidationError', message: 'request body is larger than 65536 bytes' } },
    });
  });

  it('an unknown route is 404 NotFound', async () => {
    const answer = await postRaw(`${service.url}/transfer`, '{}');
    expect(answer).toEqual({ status: 404, body: { error: { type: 'NotFound', message: 'no route for POST /transfer' } } });
  });
});

describe('audit', () => {
  it('lists every applied operation in order with dense seq, totals the balances, and lists closed references', async () => {
    const [source, target] = await openAccounts(1000, 0);
    const transferred = uniqueId('ref');
    const refunded = uniqueId('ref');
    const withdraw = movement(source!, 300, { referenceId: transferred });
    const deposit = movement(target!, 300, { referenceId: transferred });
    const withdrawAgain = movement(source!, 200, { referenceId: refunded });
    const refundKey = uniqueId('key');
    await bank.withdraw(withdraw);
    await bank.withdraw(withdraw);
    await bank.deposit(deposit);
    await bank.withdraw(withdrawAgain);
    await bank.refund({ referenceId: refunded, idempotencyKey: refundKey });
    await expectServiceError(bank.withdraw(movement(source!, 10_000)), { status: 422, type: 'InsufficientFundsError' });

    const audit = await bank.audit();
    expect(audit.operations.map((operation) => operation.seq)).toEqual(audit.operations.map((_, index) => index + 1));
    expect(audit.totalBalance).toBe(audit.accounts.reduce((sum, account) => sum + account.balance, 0));
    const mine = audit.operations.filter((operation) => [source, target].includes(operation.accountId ?? undefined));
    const summary = mine.map(({ kind, accountId, amount, referenceId, idempotencyKey }) => ({
      kind,
      accountId,
      amount,
      referenceId,
      idempotencyKey,
    }));
    expect(summary).toEqual([
      { kind: 'withdraw', accountId: source, amount: 300, referenceId: transferred, idempotencyKey: withdraw.idempotencyKey },
      { kind: 'deposit', accountId: target, amount: 300, referenceId: transferred, idempotencyKey: deposit.idempotencyKey },
      { kind: 'withdraw', accountId: source, amount: 200, referenceId: refunded, idempotencyKey: withdrawAgain.idempotencyKey },
      { kind: 'refund', accountId: source, amount: 200, referenceId: refunded, idempotencyKey: refundKey },
    ]);
    for (const operation of mine) expect(new Date(operation.appliedAt).toISOString()).toBe(operation.appliedAt);
    const mineBalances = audit.accounts.filter((account) => [source, target].includes(account.accountId));
    expect(Object.fromEntries(mineBalances.map((account) => [account.accountId, account.balance]))).toEqual({
      [source!]: 700,
      [target!]: 300,
    });
    expect(audit.closedReferences).toContain(refunded);
    expect(audit.closedReferences).not.toContain(transferred);
  });
});
