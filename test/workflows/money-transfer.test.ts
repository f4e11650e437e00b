import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { TRANSFER_RETRY_POLICY } from '../../workflows/money-transfer';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_QUEUES, type TransferDetails, type TransferResult, transferWorkflowId } from '../../workflows/types';
import { activityCalls } from '../support/history';
import { uniqueId, useTimeSkippingWorld } from '../support/time-skipping';

const world = useTimeSkippingWorld();

/** Two fresh accounts and a transfer between them. */
async function setUp(amount: number, balances = { source: 10_000, target: 0 }): Promise<TransferDetails> {
  const details: TransferDetails = {
    sourceAccount: uniqueId('src'),
    targetAccount: uniqueId('dst'),
    amount,
    referenceId: uniqueId('ref'),
  };
  await world.bank.openAccount({ accountId: details.sourceAccount, balance: balances.source });
  await world.bank.openAccount({ accountId: details.targetAccount, balance: balances.target });
  return details;
}

function start(details: TransferDetails) {
  return world.client.workflow.start('moneyTransfer', {
    taskQueue: TASK_QUEUES.moneyTransfer,
    workflowId: transferWorkflowId(details.referenceId),
    args: [details],
  });
}

/** What the bank applied under the transfer's reference, in order: e.g. ['withdraw 100', 'deposit 100']. */
async function ledger(details: TransferDetails): Promise<string[]> {
  const { operations } = await world.bank.audit();
  return operations.filter((op) => op.referenceId === details.referenceId).map((op) => `${op.kind} ${op.amount}`);
}

async function balances(details: TransferDetails): Promise<[number, number]> {
  const [source, target] = await Promise.all([world.bank.getAccount(details.sourceAccount), world.bank.getAccount(details.targetAccount)]);
  return [source.balance, target.balance];
}

/** The workflow's failure: type and message of the ApplicationFailure it failed with. */
async function failureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await result.then(
    () => expect.fail('the workflow was expected to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('moneyTransfer', () => {
  it('withdraws from the source, deposits into the target and returns both operation ids', async () => {
    const details = await setUp(2_500);
    const handle = await start(details);

    const result: TransferResult = await handle.result();

    expect(result.referenceId).toBe(details.referenceId);
    expect(result.withdrawalId).toMatch(/\S/);
    expect(result.depositId).toMatch(/\S/);
    expect(await balances(details)).toEqual([7_500, 2_500]);
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', 1, 'completed'],
    ]);
  });

  it('refunds without retrying when the target account does not exist (InvalidAccountError)', async () => {
    const details = { ...(await setUp(1_000)), targetAccount: uniqueId('nobody') };
    const handle = await start(details);

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('DepositFailed');
    expect(failure.message).toContain(`The money was returned to ${details.sourceAccount}`);
    expect(failure.message).toContain(`no account '${details.targetAccount}'`);
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', 1, 'failed'],
      ['refund', 1, 'completed'],
    ]);
    expect((await world.bank.getAccount(details.sourceAccount)).balance).toBe(10_000);
  });

  it('fails without retrying when the source account does not exist, closing the transfer at the bank', async () => {
    const details = { ...(await setUp(1_000)), sourceAccount: uniqueId('nobody') };
    const handle = await start(details);

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('WithdrawalFailed');
    expect(failure.message).toContain('No money was moved');
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'failed'],
      ['refund', 1, 'completed'],
    ]);
    expect((await world.bank.getAccount(details.targetAccount)).balance).toBe(0);
    expect(await ledger(details)).toEqual(['refund 0']);
  });

  it('fails on insufficient funds after one attempt and moves nothing', async () => {
    const details = await setUp(20_000, { source: 5_000, target: 0 });
    const handle = await start(details);

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('WithdrawalFailed');
    expect((failure.cause as ApplicationFailure | undefined)?.cause).toMatchObject({ type: 'InsufficientFundsError' });
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'failed'],
      ['refund', 1, 'completed'],
    ]);
    expect(await balances(details)).toEqual([5_000, 0]);
  });

  it('returns a withdrawal whose answer was lost when the bank then fails until the withdraw runs out of attempts', async () => {
    // The Temporal tutorial's workflow fails here with "No money was moved" while the source has lost the amount.
    const details = await setUp(2_000);
    const attempts = TRANSFER_RETRY_POLICY.maximumAttempts;
    await world.bank.addFault({
      operation: 'withdraw',
      effect: 'fail-after-commit',
      count: 1,
      match: { referenceId: details.referenceId },
    });
    await world.bank.addFault({ operation: 'withdraw', effect: 'fail', count: attempts - 1, match: { referenceId: details.referenceId } });
    const handle = await start(details);

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('WithdrawalFailed');
    expect(failure.message).toContain('No money was moved');
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', attempts, 'failed'],
      ['refund', 1, 'completed'],
    ]);
    expect(await balances(details)).toEqual([10_000, 0]);
    expect(await ledger(details)).toEqual(['withdraw 2000', 'refund 2000']);
  });

  it('retries a deposit that fails 3 times (503) and completes on the 4th attempt', async () => {
    const details = await setUp(4_000);
    await world.bank.addFault({ operation: 'deposit', effect: 'fail', count: 3, match: { referenceId: details.referenceId } });
    const handle = await start(details);

    await handle.result();

    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', 4, 'completed'],
    ]);
    expect(await balances(details)).toEqual([6_000, 4_000]);
  });

  it(`keeps retrying a deposit past the withdraw's ${TRANSFER_RETRY_POLICY.maximumAttempts} attempts: money that left the source never stops halfway`, async () => {
    const details = await setUp(3_000);
    const failures = TRANSFER_RETRY_POLICY.maximumAttempts + 2;
    await world.bank.addFault({ operation: 'deposit', effect: 'fail', count: failures, match: { referenceId: details.referenceId } });
    const handle = await start(details);

    await handle.result();

    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', failures + 1, 'completed'],
    ]);
    expect(await balances(details)).toEqual([7_000, 3_000]);
  });

  it('keeps retrying the refund until the bank takes it', async () => {
    const details = { ...(await setUp(1_500)), targetAccount: uniqueId('nobody') };
    const failures = TRANSFER_RETRY_POLICY.maximumAttempts + 2;
    await world.bank.addFault({ operation: 'refund', effect: 'fail', count: failures, match: { referenceId: details.referenceId } });
    const handle = await start(details);

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('DepositFailed');
    expect(failure.message).toContain(`The money was returned to ${details.sourceAccount}`);
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', 1, 'failed'],
      ['refund', failures + 1, 'completed'],
    ]);
    expect(await balances(details).catch(() => undefined)).toBeUndefined(); // the target does not exist
    expect((await world.bank.getAccount(details.sourceAccount)).balance).toBe(10_000);
  });

  it('says the money could not be returned when the bank refuses the refund, naming its reason', async () => {
    const details = { ...(await setUp(1_500)), targetAccount: uniqueId('nobody') };
    // The workflow's refund is held back while someone else closes the transfer under another key.
    const held = await world.bank.addFault({
      operation: 'refund',
      effect: 'delay',
      delayMs: 2_000,
      count: 1,
      match: { referenceId: details.referenceId },
    });
    const handle = await start(details);
    while (!(await world.bank.listFaults()).some((rule) => rule.id === held.id && rule.fired === 1)) await sleep(20);
    await world.bank.refund({ referenceId: details.referenceId, idempotencyKey: uniqueId('someone-else') });

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('RefundFailed');
    expect(failure.message).toContain(
      `The money could not be returned to ${details.sourceAccount}: reference '${details.referenceId}' was refunded and is closed`,
    );
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['withdraw', 1, 'completed'],
      ['deposit', 1, 'failed'],
      ['refund', 1, 'failed'],
    ]);
  });

  it('deposits exactly once when the first deposit response is lost after the bank applied it', async () => {
    const details = await setUp(2_000);
    await world.bank.addFault({ operation: 'deposit', effect: 'fail-after-commit', count: 1, match: { referenceId: details.referenceId } });
    const handle = await start(details);

    await handle.result();

    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt])).toEqual([
      ['withdraw', 1],
      ['deposit', 2],
    ]);
    expect(await balances(details)).toEqual([8_000, 2_000]);
    const applied = (await world.bank.audit()).operations.filter((op) => op.referenceId === details.referenceId);
    expect(applied.map((op) => op.kind)).toEqual(['withdraw', 'deposit']);
  });

  it('rejects a transfer to the same account before calling the bank', async () => {
    const details = await setUp(100);
    const handle = await start({ ...details, targetAccount: details.sourceAccount });

    const failure = await failureOf(handle.result());

    expect(failure.type).toBe('InvalidTransferError');
    expect(failure.message).toContain('are the same account');
    expect(await activityCalls(handle)).toEqual([]);
  });
});
