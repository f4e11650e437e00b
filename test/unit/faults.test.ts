import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MoneyMovementRequest } from '../../services/bank/api';
import { BankClient } from '../../services/bank/client';
import { ServiceUnreachableError } from '../../services/client';
import type { FaultRule } from '../../services/contract';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, expectServiceError, startBank, uniqueId } from './support/services';

/** The fault switchboard (POST|GET|DELETE /_faults), exercised on the bank. */

let service: InProcessService<BankClient>;
let bank: BankClient;

beforeAll(async () => {
  service = await startBank();
  bank = service.client;
}, SERVICE_START_TIMEOUT_MS);

afterEach(() => bank.clearFaults());

afterAll(() => service?.stop());

async function openAccount(balance: number): Promise<string> {
  const accountId = uniqueId('acct');
  await bank.openAccount({ accountId, balance });
  return accountId;
}

function movement(accountId: string, amount: number, fields: Partial<MoneyMovementRequest> = {}): MoneyMovementRequest {
  return { accountId, amount, idempotencyKey: uniqueId('key'), referenceId: uniqueId('ref'), ...fields };
}

async function balanceOf(accountId: string): Promise<number> {
  return (await bank.getAccount(accountId)).balance;
}

async function appliedWithKey(idempotencyKey: string): Promise<number> {
  return (await bank.audit()).operations.filter((operation) => operation.idempotencyKey === idempotencyKey).length;
}

describe('fail', () => {
  it('with count 2, the next two calls answer 503 InjectedFault and apply nothing; the third succeeds', async () => {
    const accountId = await openAccount(1000);
    const rule = await bank.addFault({ operation: 'withdraw', effect: 'fail', count: 2 });
    expect(rule).toEqual({ id: expect.any(Number), operation: 'withdraw', effect: 'fail', count: 2, remaining: 2, fired: 0 });

    const request = movement(accountId, 100);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await expectServiceError(bank.withdraw(request), { status: 503, type: 'InjectedFault' });
      expect(error.message).toBe(`injected fault: rule ${rule.id} (fail) on withdraw; nothing was applied`);
    }
    expect(await balanceOf(accountId)).toBe(1000);
    expect(await bank.withdraw(request)).toMatchObject({ balance: 900, replayed: false });
    expect(await bank.listFaults()).toEqual([{ ...rule, remaining: 0, fired: 2 }]);
  });

  it('without a count, fails every matching call until cleared', async () => {
    const accountId = await openAccount(1000);
    await bank.addFault({ operation: 'deposit', effect: 'fail' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await expectServiceError(bank.deposit(movement(accountId, 1)), { status: 503, type: 'InjectedFault' });
    }
    expect(await bank.listFaults()).toMatchObject([{ remaining: null, fired: 3 }]);
    expect(await bank.clearFaults()).toBe(1);
    expect(await bank.listFaults()).toEqual([]);
    expect(await bank.deposit(movement(accountId, 1))).toMatchObject({ balance: 1001 });
  });

  it('answers the status the rule asks for', async () => {
    const accountId = await openAccount(1000);
    await bank.addFault({ operation: 'withdraw', effect: 'fail', status: 500, count: 1 });
    await expectServiceError(bank.withdraw(movement(accountId, 1)), { status: 500, type: 'InjectedFault' });
  });
});

describe('fail-after-commit (a lost response)', () => {
  it('applies the operation once; the retry with the same key answers replayed=true and applies nothing more', async () => {
    const accountId = await openAccount(1000);
    const rule = await bank.addFault({ operation: 'withdraw', effect: 'fail-after-commit', count: 1 });
    const request = movement(accountId, 300);
    const error = await expectServiceError(bank.withdraw(request), { status: 503, type: 'InjectedFault' });
    expect(error.message).toBe(`injected fault: rule ${rule.id} (fail-after-commit) on withdraw; the operation was applied and committed`);
    expect(await balanceOf(accountId)).toBe(700);

    expect(await bank.withdraw(request)).toMatchObject({ balance: 700, replayed: true });
    expect(await balanceOf(accountId)).toBe(700);
    expect(await appliedWithKey(request.idempotencyKey)).toBe(1);
  });

  it('when the operation itself fails, answers that error: nothing was committed', async () => {
    const accountId = await openAccount(10);
    await bank.addFault({ operation: 'withdraw', effect: 'fail-after-commit', count: 1 });
    await expectServiceError(bank.withdraw(movement(accountId, 300)), { status: 422, type: 'InsufficientFundsError' });
    expect(await balanceOf(accountId)).toBe(10);
  });
});

describe('delay', () => {
  it('waits delayMs, then handles the call normally', async () => {
    const accountId = await openAccount(1000);
    await bank.addFault({ operation: 'withdraw', effect: 'delay', delayMs: 300, count: 1 });
    const started = performance.now();
    expect(await bank.withdraw(movement(accountId, 100))).toMatchObject({ balance: 900, replayed: false });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a client that gives up first gets ServiceUnreachableError, yet the call applies (and a retry replays)', async () => {
    const accountId = await openAccount(1000);
    await bank.addFault({ operation: 'withdraw', effect: 'delay', delayMs: 400, count: 1 });
    const impatient = new BankClient({ baseUrl: service.url, timeoutMs: 100 });
    const request = movement(accountId, 100);
    const error: unknown = await impatient.withdraw(request).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as ServiceUnreachableError).message).toBe(`no answer from ${service.url} (withdraw) within 100 ms`);

    await expect.poll(() => balanceOf(accountId), { timeout: 2000 }).toBe(900);
    expect(await bank.withdraw(request)).toMatchObject({ balance: 900, replayed: true });
  });
});

describe('matching', () => {
  it('a rule for referenceId A does not touch referenceId B', async () => {
    const accountId = await openAccount(1000);
    const referenceA = uniqueId('ref');
    const referenceB = uniqueId('ref');
    await bank.addFault({ operation: 'withdraw', effect: 'fail', match: { referenceId: referenceA } });
    expect(await bank.withdraw(movement(accountId, 100, { referenceId: referenceB }))).toMatchObject({ balance: 900 });
    await expectServiceError(bank.withdraw(movement(accountId, 100, { referenceId: referenceA })), {
      status: 503,
      type: 'InjectedFault',
    });
    expect(await bank.listFaults()).toMatchObject([{ fired: 1 }]);
  });

  it('a rule for accountId matches withdraws and deposits on that account only', async () => {
    const faulted = await openAccount(1000);
    const other = await openAccount(1000);
    await bank.addFault({ operation: '*', effect: 'fail', match: { accountId: faulted } });
    await expectServiceError(bank.deposit(movement(faulted, 1)), { status: 503, type: 'InjectedFault' });
    expect(await bank.deposit(movement(other, 1))).toMatchObject({ balance: 1001 });
  });

  it('a rule for one operation does not touch the others', async () => {
    const accountId = await openAccount(1000);
    await bank.addFault({ operation: 'deposit', effect: 'fail' });
    expect(await bank.withdraw(movement(accountId, 100))).toMatchObject({ balance: 900 });
  });

  it("'*' matches every keyed operation, but never the seeding calls", async () => {
    const accountId = await openAccount(1000);
    const referenceId = uniqueId('ref');
    await bank.addFault({ operation: '*', effect: 'fail', count: 3 });
    expect(await openAccount(5)).toEqual(expect.any(String));
    await expectServiceError(bank.withdraw(movement(accountId, 100, { referenceId })), { status: 503, type: 'InjectedFault' });
    await expectServiceError(bank.deposit(movement(accountId, 100)), { status: 503, type: 'InjectedFault' });
    await expectServiceError(bank.refund({ referenceId, idempotencyKey: uniqueId('key') }), { status: 503, type: 'InjectedFault' });
    expect(await bank.withdraw(movement(accountId, 100))).toMatchObject({ balance: 900 });
  });

  it('rules apply in the order they were added: the first with calls left wins', async () => {
    const accountId = await openAccount(1000);
    const first = await bank.addFault({ operation: 'withdraw', effect: 'fail', count: 1, status: 502 });
    const second = await bank.addFault({ operation: 'withdraw', effect: 'fail', count: 1, status: 504 });
    await expectServiceError(bank.withdraw(movement(accountId, 1)), { status: 502, type: 'InjectedFault' });
    await expectServiceError(bank.withdraw(movement(accountId, 1)), { status: 504, type: 'InjectedFault' });
    expect(await bank.listFaults()).toEqual([
      { ...first, remaining: 0, fired: 1 },
      { ...second, remaining: 0, fired: 1 },
    ]);
  });

  it('a request that fails validation answers 400 and does not use up a rule', async () => {
    await bank.addFault({ operation: 'withdraw', effect: 'fail', count: 1 });
    await expectServiceError(bank.withdraw(movement(uniqueId('acct'), -1)), { status: 400, type: 'ValidationError', field: 'amount' });
    expect(await bank.listFaults()).toMatchObject([{ remaining: 1, fired: 0 }]);
  });
});

describe('invalid rules: 400 ValidationError naming the field', () => {
  it.each([
    { problem: 'an unknown operation', rule: { operation: 'transfer', effect: 'fail' }, field: 'operation' },
    { problem: 'an unknown effect', rule: { operation: 'withdraw', effect: 'explode' }, field: 'effect' },
    { problem: 'a zero count', rule: { operation: 'withdraw', effect: 'fail', count: 0 }, field: 'count' },
    { problem: 'a fractional count', rule: { operation: 'withdraw', effect: 'fail', count: 1.5 }, field: 'count' },
    { problem: 'a delay without delayMs', rule: { operation: 'withdraw', effect: 'delay' }, field: 'delayMs' },
    { problem: 'a negative delayMs', rule: { operation: 'withdraw', effect: 'delay', delayMs: -1 }, field: 'delayMs' },
    { problem: 'delayMs on a fail rule', rule: { operation: 'withdraw', effect: 'fail', delayMs: 10 }, field: 'delayMs' },
    { problem: 'a success status', rule: { operation: 'withdraw', effect: 'fail', status: 200 }, field: 'status' },
    { problem: 'an unknown match field', rule: { operation: 'withdraw', effect: 'fail', match: { sku: 'x' } }, field: 'match.sku' },
    {
      problem: 'an empty match value',
      rule: { operation: 'withdraw', effect: 'fail', match: { referenceId: '' } },
      field: 'match.referenceId',
    },
    { problem: 'a misspelt field', rule: { operation: 'withdraw', effect: 'fail', cout: 1 }, field: 'cout' },
  ])('$problem ($field)', async ({ rule, field }) => {
    await expectServiceError(bank.addFault(rule as unknown as FaultRule), { status: 400, type: 'ValidationError', field });
    expect(await bank.listFaults()).toEqual([]);
  });
});
