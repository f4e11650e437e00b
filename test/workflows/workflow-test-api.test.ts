import { ApplicationFailure } from '@temporalio/common';
import { activity, activityStarted, at, testWorkflow, timerStarted, WorkflowTestError, WorkflowTestInputError } from 'tempest/testing';
import { useTimeSkipping } from 'tempest/vitest';
import { describe, expect, it } from 'vitest';
import type { OrderRequest, OrderStatus, SagaFailureDetails, TransferDetails } from '../../workflows/types';
import { uniqueId } from '../support/ids';

const timeSkipping = useTimeSkipping();
const WORKFLOWS = 'workflows/index.ts';
const FIXTURES = 'test/fixtures/workflow-test/workflows.ts';
const HOUR = 3_600_000;

const orderRequest = (): OrderRequest => ({
  orderId: uniqueId('order'),
  customerId: 'cust-1',
  items: [{ sku: 'sku-1', quantity: 2 }],
  amount: 3_000,
  address: { name: 'Grace Hopper', line1: '1 Navy Way', city: 'Arlington', country: 'US' },
});

const orderDoubles = () => ({
  reserveInventory: activity.returns('res-1'),
  chargePayment: activity.returns('pay-1'),
  createShipment: activity.returns({ shipmentId: 'ship-1', trackingNumber: 'TRACK-1' }),
  cancelOrder: activity.returns({ releasedInventory: true, refundedPayment: true, cancelledShipment: false }),
});

const transfer = (): TransferDetails => ({ sourceAccount: 'alice', targetAccount: 'bob', amount: 500, referenceId: uniqueId('ref') });

describe('testWorkflow: actions on the workflow clock', () => {
  it('an approval at +23h59m beats the 24h auto-reject: the order ships, and the listener log shows the order of things', async () => {
    const heard: string[] = [];
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: { ...orderDoubles(), cancelOrder: activity.returns(undefined).expectCalls(0) },
      at: [at('+23h59m').signal('approve', 'ops')],
      onEvent: (event) => heard.push(`${event.type} ${event.name ?? ''}`.trim()),
    });

    expect(run.outcome.status).toBe('completed');
    expect(run.outcome.status === 'completed' && (run.outcome.result as OrderStatus)).toMatchObject({
      state: 'completed',
      approval: { decision: 'approved', by: 'ops' },
      trackingNumber: 'TRACK-1',
    });
    // The clock moves only when the run moves it: the signal arrives at exactly the offset it was sent at.
    const signal = run.events.find((event) => event.type === 'signalReceived')!;
    expect(signal.at).toBe(23 * HOUR + 59 * 60_000);
    expect(run.actions.map((action) => action.at)).toEqual([23 * HOUR + 59 * 60_000]);
    expect(heard).toEqual(run.events.map((event) => `${event.type} ${event.name ?? ''}`.trim()));
    const log = heard.filter((line) => !line.startsWith('activityStarted'));
    // Reserve and charge run in parallel: either may complete first.
    expect(log.slice(0, 4).sort()).toEqual([
      'activityCompleted chargePayment',
      'activityCompleted reserveInventory',
      'activityScheduled chargePayment',
      'activityScheduled reserveInventory',
    ]);
    expect(log.slice(4)).toEqual([
      'timerStarted 1',
      'signalReceived approve',
      'timerCancelled 1',
      'activityScheduled createShipment',
      'activityCompleted createShipment',
      'workflowCompleted',
    ]);
  });

  it('an approval at +24h1m comes too late: the timer fires at 24h, the order is auto-rejected and undone, and the late signal is refused', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: {
        ...orderDoubles(),
        createShipment: activity.returns(undefined).expectCalls(0),
        cancelOrder: activity.returns(undefined).expectCalls(1),
      },
      at: [at('+24h1m').signal('approve', 'ops')],
    });

    expect(run.outcome.status === 'completed' && (run.outcome.result as OrderStatus)).toMatchObject({
      state: 'rejected',
      approval: { decision: 'auto-rejected' },
    });
    expect(run.events.find((event) => event.type === 'timerFired')!.at).toBe(24 * HOUR);
    expect(run.actions).toEqual([
      {
        label: 'at(\'+24h1m\').signal("approve", "ops")',
        at: 24 * HOUR + 60_000,
        error: expect.stringMatching(/completed|closed|not found/i),
      },
    ]);
  });

  it('acts the moment the approval timer starts: a query there sees the order awaiting approval, before the clock moved', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: orderDoubles(),
      at: [at(timerStarted()).query('getStatus'), at(timerStarted()).signal('reject', 'no stock promise')],
    });

    expect(run.actions.map((action) => action.label)).toEqual([
      'at(timerStarted()).query("getStatus")',
      'at(timerStarted()).signal("reject", "no stock promise")',
    ]);
    expect(run.actions[0]!.result).toMatchObject({ state: 'awaiting-approval', reservationId: 'res-1', paymentId: 'pay-1' });
    expect(run.actions.map((action) => action.at)).toEqual([0, 0]);
    expect(run.outcome.status === 'completed' && (run.outcome.result as OrderStatus)).toMatchObject({
      state: 'rejected',
      approval: { decision: 'rejected', reason: 'no stock promise' },
    });
  });

  it('waits out the retries of a failing charge for the approval timer to start, and approves there', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: {
        ...orderDoubles(),
        chargePayment: activity.failsFirst(2, new Error('gateway down')).thenReturns('pay-1').expectCalls(3),
      },
      at: [at(timerStarted()).signal('approve', 'ops')],
    });

    expect(run.outcome.status === 'completed' && (run.outcome.result as OrderStatus)).toMatchObject({
      state: 'completed',
      approval: { decision: 'approved' },
    });
    expect(
      run.events.filter((event) => event.type.startsWith('timer') || event.type === 'signalReceived').map((event) => event.type),
    ).toEqual(['timerStarted', 'signalReceived', 'timerCancelled']);
  });

  it('a cancel at the moment chargePayment starts: the saga refunds and releases, in reverse order, and fails at chargePayment', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'orderSaga',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: {
        reserveInventory: activity.returns('res-1'),
        chargePayment: activity.returns('pay-1').takes('1m'),
        createShipment: activity.returns(undefined).expectCalls(0),
        refundPayment: activity.returns(true).expectCalls(1),
        releaseInventory: activity.returns(true).expectCalls(1),
      },
      at: [at(activityStarted('chargePayment')).cancel()],
    });

    expect(run.outcome.status).toBe('failed');
    const failure = run.outcome.status === 'failed' ? (run.outcome.error.cause as ApplicationFailure) : undefined;
    expect(failure?.type).toBe('OrderFailed');
    expect(failure?.details?.[0] as SagaFailureDetails).toMatchObject({
      failedStep: 'chargePayment',
      compensated: ['refundPayment', 'releaseInventory'],
    });
    expect(run.calls.map((call) => call.activity)).toEqual(['reserveInventory', 'chargePayment', 'refundPayment', 'releaseInventory']);
    const cancel = run.events.find((event) => event.type === 'cancelRequested')!;
    expect(cancel.eventId).toBeLessThan(
      run.events.find((event) => event.type === 'activityScheduled' && event.name === 'refundPayment')!.eventId,
    );
  });

  it("a terminate the moment the deposit starts ends the transfer terminated, and leaves the server's clock free for the next test", async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [transfer()],
      workflowsPath: WORKFLOWS,
      activities: {
        withdraw: activity.returns('w-1'),
        deposit: activity.returns('d-1'),
        refund: activity.returns(undefined).expectCalls(0),
      },
      at: [at(activityStarted('deposit')).terminate('operator stopped it')],
    });

    expect(run.outcome.status).toBe('terminated');
    expect(run.events.map((event) => event.type).at(-1)).toBe('workflowTerminated');
    // The deposit was still open when the workflow closed; were its hold on the clock kept, this would take 24 hours.
    const next = await testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: orderDoubles(),
      timeoutMs: 20_000,
    });
    expect(next.outcome.status === 'completed' && (next.outcome.result as OrderStatus).approval).toEqual({
      decision: 'auto-rejected',
      reason: 'no approval in time',
    });
  });

  it('updates at offsets answer in run.actions, and the listener log has them accepted and completed in order', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'tally',
      workflowsPath: FIXTURES,
      at: [at('+10m').update('add', 2), at('+20m').update('add', 3), at('+30m').signal('close')],
    });

    expect(run.outcome).toEqual({ status: 'completed', result: 5 });
    expect(run.actions.map(({ label, result }) => [label, result])).toEqual([
      ['at(\'+10m\').update("add", 2)', 2],
      ['at(\'+20m\').update("add", 3)', 5],
      ['at(\'+30m\').signal("close")', undefined],
    ]);
    expect(
      run.events.filter((event) => !event.type.startsWith('timer')).map((event) => `${event.type} ${event.name ?? ''}`.trim()),
    ).toEqual([
      'updateAccepted add',
      'updateCompleted add',
      'updateAccepted add',
      'updateCompleted add',
      'signalReceived close',
      'workflowCompleted',
    ]);
  });
});

describe('testWorkflow: activity doubles', () => {
  it("a deposit that fails its first 2 attempts is retried on the policy's backoff, and its calls say how", async () => {
    const details = transfer();
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [details],
      workflowsPath: WORKFLOWS,
      activities: {
        withdraw: activity.returns('w-1').expectCalls(1).expectArgs(details),
        deposit: activity.failsFirst(2, new Error('bank unavailable')).thenReturns('d-1').expectCalls(3).expectArgs(details),
        refund: activity.returns(undefined).expectCalls(0),
      },
    });

    expect(run.outcome).toEqual({
      status: 'completed',
      result: { referenceId: details.referenceId, withdrawalId: 'w-1', depositId: 'd-1' },
    });
    expect(run.calls.map((call) => `${call.activity}#${call.attempt}`)).toEqual(['withdraw#1', 'deposit#1', 'deposit#2', 'deposit#3']);
    const [first, second, third] = run.activity('deposit').calls;
    // The retry policy's backoff (1 s, then 2 s) on the workflow clock, exactly.
    expect(second!.at - first!.at).toBe(1000);
    expect(third!.at - second!.at).toBe(2000);
  });

  it('a non-retryable failure is not retried: the transfer refunds and fails', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [transfer()],
      workflowsPath: WORKFLOWS,
      activities: {
        withdraw: activity.returns('w-1'),
        deposit: activity.fails('account closed', { type: 'InvalidAccountError' }).expectCalls(1),
        refund: activity.returns('r-1').expectCalls(1),
      },
    });

    expect(run.outcome.status === 'failed' && (run.outcome.error.cause as ApplicationFailure).type).toBe('DepositFailed');
  });

  it('an activity that takes 6 hours on the workflow clock completes at +6h, with no 6 hours of wall time', async () => {
    const wallStart = performance.now();
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'nightlyReport',
      args: ['2026-12-01'],
      workflowsPath: FIXTURES,
      activities: { buildReport: activity.calls((day: string) => `report for ${day}`).takes('6h') },
    });
    const wallMs = performance.now() - wallStart;

    expect(run.outcome).toEqual({ status: 'completed', result: 'report for 2026-12-01' });
    const completed = run.events.find((event) => event.type === 'activityCompleted')!;
    expect(completed.at).toBe(6 * HOUR);
    console.log(
      `6-hour activity: ${(completed.at / HOUR).toFixed(3)} h on the workflow clock, ${Math.round(wallMs)} ms of wall time (replay included)`,
    );
  });

  it('a charge that takes longer than its 5-second timeout is timed out on every attempt, on the workflow clock, and the saga compensates', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'orderSaga',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: {
        reserveInventory: activity.returns('res-1'),
        chargePayment: activity.returns('pay-1').takes('10s').expectCalls(6),
        createShipment: activity.returns(undefined).expectCalls(0),
        refundPayment: activity.returns(true).expectCalls(1),
        releaseInventory: activity.returns(true).expectCalls(1),
      },
    });

    expect(run.outcome.status === 'failed' && (run.outcome.error.cause as ApplicationFailure).details?.[0]).toMatchObject({
      failedStep: 'chargePayment',
    });
    expect(run.events.filter((event) => event.name === 'chargePayment').map((event) => event.type)).toEqual([
      'activityScheduled',
      'activityTimedOut',
    ]);
    const starts = run.activity('chargePayment').calls.map((call) => call.at);
    // Each attempt runs its 5 s and is timed out; the next starts after the policy's backoff (1 s, 2 s, 4 s, 8 s, 10 s).
    expect(starts.slice(1).map((at, i) => at - starts[i]!)).toEqual([6, 7, 9, 13, 15].map((seconds) => seconds * 1000));
  });

  it('an expectation that is not met fails the run with a message naming the activity, the count and each call', async () => {
    const failed = testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [transfer()],
      workflowsPath: WORKFLOWS,
      activities: {
        withdraw: activity.returns('w-1').expectArgs({ sourceAccount: 'carol' }),
        deposit: activity.failsFirst(1, new Error('bank unavailable')).thenReturns('d-1').expectCalls(1),
        refund: activity.returns(undefined),
      },
    });

    const error = await failed.then(
      () => expect.fail('the run was expected to fail its expectations'),
      (e: unknown) => e as WorkflowTestError,
    );
    expect(error).toBeInstanceOf(WorkflowTestError);
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^activity withdraw: expected every call with arguments \[\{"sourceAccount":"carol"\}\], attempt 1 at \+\S+ had \[\{"sourceAccount":"alice",/,
      ),
      expect.stringMatching(/^activity deposit: expected 1 call, got 2 \(attempt 1 at \+[^,]+, attempt 2 at \+[^)]+\)$/),
    ]);
    expect(error.run?.outcome.status).toBe('completed');
  });
});

describe('testWorkflow: replay at the end of each run', () => {
  it('catches code that does something else on replay, although the run itself went well', async () => {
    const failed = testWorkflow(timeSkipping.env, {
      workflow: 'replaySensitiveReport',
      args: ['2026-12-01'],
      workflowsPath: FIXTURES,
      activities: { buildReport: activity.returns('report') },
    });

    await expect(failed).rejects.toThrow(
      /^the run's history does not replay against test\/fixtures\/workflow-test\/workflows\.ts: nondeterministic at event \d+; history: started a 1min timer; code: scheduled activity buildReport; sdk: /,
    );
  });

  it('replays nothing when the test opts out', async () => {
    const run = await testWorkflow(timeSkipping.env, {
      workflow: 'replaySensitiveReport',
      args: ['2026-12-01'],
      workflowsPath: FIXTURES,
      activities: { buildReport: activity.returns('report') },
      replay: false,
    });

    expect(run.outcome).toEqual({ status: 'completed', result: 'report' });
  });

  it('replays the history against another version of the code and fails the run where they part', async () => {
    const failed = testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [transfer()],
      workflowsPath: WORKFLOWS,
      activities: { withdraw: activity.returns('w-1'), deposit: activity.returns('d-1'), refund: activity.returns(undefined) },
      replay: { workflowsPath: 'test/fixtures/workflow-changes/timer-added.ts' },
    });

    await expect(failed).rejects.toThrow(
      /^the run's history does not replay against test\/fixtures\/workflow-changes\/timer-added\.ts: nondeterministic at event \d+; history: scheduled activity withdraw; code: started a 1min timer; sdk: .*; hint: .*patched/,
    );
  });
});

describe('testWorkflow: bad input and broken code', () => {
  it('a malformed offset is refused when written', () => {
    expect(() => at('+3x')).toThrow(
      new WorkflowTestInputError(
        "at(\"+3x\"): not an offset on the workflow clock; write '+' then numbers with units d, h, m, s or ms, such as '+3h', '+23h59m' or '+90s'",
      ),
    );
  });

  it('a signal the workflow does not define is named, with the ones it does', async () => {
    const run = testWorkflow(timeSkipping.env, {
      workflow: 'order',
      args: [orderRequest()],
      workflowsPath: WORKFLOWS,
      activities: orderDoubles(),
      at: [at('+1h').signal('aprove', 'ops')],
    });

    await expect(run).rejects.toThrow(
      new WorkflowTestInputError(
        `at('+1h').signal("aprove", "ops"): order defines no signal 'aprove' (it defines: approve, cancelOrder, reject)`,
      ),
    );
  });

  it('workflow code that throws stops the run at once, with its message, instead of being retried until the bound', async () => {
    const run = testWorkflow(timeSkipping.env, { workflow: 'brokenReport', args: ['2026-12-01'], workflowsPath: FIXTURES });

    await expect(run).rejects.toThrow(
      /^a workflow task of brokenReport failed \(the worker retries it forever\): Cannot read properties of undefined \(reading 'sum'\)$/,
    );
  });

  it('an activity the workflow calls without a double is named', async () => {
    const run = testWorkflow(timeSkipping.env, {
      workflow: 'moneyTransfer',
      args: [transfer()],
      workflowsPath: WORKFLOWS,
      activities: { withdraw: activity.returns('w-1'), refund: activity.returns(undefined) },
    });

    await expect(run).rejects.toThrow(
      new WorkflowTestInputError(
        "moneyTransfer scheduled activity 'deposit', which has no double: give activities.deposit (doubles given: withdraw, refund)",
      ),
    );
  });
});
