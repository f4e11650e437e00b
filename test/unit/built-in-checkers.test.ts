import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { appliedAtMostOnce, compensatedInReverse, conserved } from '../../src/features/chaos/checkers/helpers';
import { activityRetries, BUILT_IN_CHECKERS, workflowTaskFailures } from '../../src/features/chaos/checkers/built-in';
import { runChecks } from '../../src/features/chaos/checkers';
import type { HistoryEntry } from '../../src/features/chaos/history';
import { clientView, type RecordedWorkflow, type RunObservations } from '../../src/features/chaos/observations';
import type { PlannedOperation } from '../../src/features/chaos/plan';

const Cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause;

/** A history of one activity: scheduled with this retry policy, then started at `attempt` after a failure of `type`. */
function retried(
  workflowId: string,
  activity: string,
  attempt: number,
  type: string,
  policy: { maximumAttempts?: number; nonRetryableErrorTypes?: string[] } = {},
): RecordedWorkflow {
  return {
    workflowId,
    runId: 'r',
    workflowType: 'w',
    events: [
      {
        eventId: 5,
        activityTaskScheduledEventAttributes: {
          activityType: { name: activity },
          retryPolicy: { maximumAttempts: policy.maximumAttempts ?? 0, nonRetryableErrorTypes: policy.nonRetryableErrorTypes ?? [] },
        },
      },
      {
        eventId: 6,
        activityTaskStartedEventAttributes: {
          scheduledEventId: 5,
          attempt,
          lastFailure: { message: 'no', applicationFailureInfo: { type } },
        },
      },
    ],
  } as unknown as RecordedWorkflow;
}

function run(parts: Partial<RunObservations>): RunObservations {
  return {
    plan: { scenario: 's', seed: 1, runId: 'r', setup: undefined, operations: [], faults: [], faultPhaseEndsMs: 0 },
    history: [],
    outcomes: [],
    before: undefined,
    after: undefined,
    workflows: [],
    replay: [],
    unsettled: [],
    settleWithinMs: 60_000,
    businessErrors: [],
    ...parts,
  };
}

const evidenceOf = async (o: RunObservations, check: string) => (await runChecks([check], [], o))[0]!.evidence;

describe('the built-in checkers, derived from the recorded histories', () => {
  it('name every invariant a run gets without asking the user for anything', () => {
    expect(BUILT_IN_CHECKERS.map((c) => c.name)).toEqual([
      'all-finished',
      'histories-replay',
      'no-workflow-task-failures',
      'business-errors-not-retried',
      'retries-within-policy',
      'client-agrees-with-outcome',
    ]);
  });

  it('business-errors-not-retried: a retry after a declared business error, or after a type the policy calls non-retryable; not after a transport error', async () => {
    const o = run({
      businessErrors: ['InsufficientFundsError'],
      workflows: [
        retried('transfer-t1', 'withdraw', 2, 'InsufficientFundsError'),
        retried('transfer-t2', 'deposit', 3, 'ServiceUnreachable'),
        retried('order-1', 'charge', 2, 'PaymentDeclined', { nonRetryableErrorTypes: ['PaymentDeclined'] }),
      ],
    });
    expect(await evidenceOf(o, 'business-errors-not-retried')).toEqual([
      'transfer-t1: activity withdraw was retried after InsufficientFundsError (attempt 2)',
      'order-1: activity charge was retried after PaymentDeclined (attempt 2)',
    ]);
  });

  it('business-errors-not-retried: an activity still retrying a business error when the run ended is named from its pending state, its history ending at ActivityTaskScheduled', async () => {
    const unlimited = {
      workflowId: 'transfer-t4',
      runId: 'r',
      workflowType: 'moneyTransfer',
      events: [
        {
          eventId: 5,
          activityTaskScheduledEventAttributes: {
            activityId: '1',
            activityType: { name: 'withdraw' },
            retryPolicy: { maximumAttempts: 0, nonRetryableErrorTypes: [] },
          },
        },
      ],
      pendingActivities: [
        {
          activityId: '1',
          activityType: { name: 'withdraw' },
          attempt: 14,
          lastFailure: { message: 'declined', applicationFailureInfo: { type: 'InsufficientFundsError' } },
        },
      ],
    } as unknown as RecordedWorkflow;
    const o = run({ businessErrors: ['InsufficientFundsError'], workflows: [unlimited] });
    expect(await evidenceOf(o, 'business-errors-not-retried')).toEqual([
      'transfer-t4: activity withdraw was retried after InsufficientFundsError (attempt 14, still retrying when the run ended)',
    ]);
    expect(await evidenceOf(o, 'retries-within-policy')).toEqual([]);
  });

  it('activityRetries counts an attempt seen both pending and then started in the history once', () => {
    const workflow = {
      ...retried('w', 'deposit', 3, 'Timeout'),
      pendingActivities: [
        { activityId: '1', activityType: { name: 'deposit' }, attempt: 3, lastFailure: { message: 'timed out', timeoutFailureInfo: {} } },
      ],
    } as RecordedWorkflow;
    (workflow.events[0]!.activityTaskScheduledEventAttributes as { activityId: string }).activityId = '1';
    expect(activityRetries(workflow)).toEqual([
      { workflowId: 'w', activity: 'deposit', attempt: 3, afterFailure: 'Timeout', nonRetryable: false, maximumAttempts: 0 },
    ]);
  });

  it('retries-within-policy: an attempt beyond the maximum is named; unlimited attempts are never too many', async () => {
    const o = run({
      workflows: [
        retried('a', 'deposit', 7, 'X', { maximumAttempts: 6 }),
        retried('b', 'deposit', 40, 'X', { maximumAttempts: 0 }),
        retried('c', 'deposit', 6, 'X', { maximumAttempts: 6 }),
      ],
    });
    expect(await evidenceOf(o, 'retries-within-policy')).toEqual(['a: activity deposit ran attempt 7, its retry policy allows 6']);
    expect(activityRetries(retried('c', 'deposit', 6, 'X', { maximumAttempts: 6 }))).toEqual([
      { workflowId: 'c', activity: 'deposit', attempt: 6, afterFailure: 'X', nonRetryable: false, maximumAttempts: 6 },
    ]);
  });

  it('no-workflow-task-failures: non-determinism and errors thrown in workflow code, not the ordinary unhandled command', async () => {
    const workflow = {
      workflowId: 'w1',
      runId: 'r',
      workflowType: 'w',
      events: [
        { eventId: 4, workflowTaskFailedEventAttributes: { cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND } },
        {
          eventId: 9,
          workflowTaskFailedEventAttributes: {
            cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
            failure: { message: '[TMPRL1100] Nondeterminism error\nmore' },
          },
        },
        {
          eventId: 12,
          workflowTaskFailedEventAttributes: {
            cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
            failure: { message: 'boom' },
          },
        },
      ],
    } as unknown as RecordedWorkflow;
    expect(workflowTaskFailures(workflow).map((f) => f.cause)).toEqual(['NON_DETERMINISTIC_ERROR', 'WORKFLOW_WORKER_UNHANDLED_FAILURE']);
    expect(await evidenceOf(run({ workflows: [workflow] }), 'no-workflow-task-failures')).toEqual([
      'w1: workflow task failed at event 9 (NON_DETERMINISTIC_ERROR): [TMPRL1100] Nondeterminism error',
      'w1: workflow task failed at event 12 (WORKFLOW_WORKER_UNHANDLED_FAILURE): boom',
    ]);
  });

  it("no-workflow-task-failures: the sandbox's time limit is the fault's doing when the run paused a worker, and a failure otherwise", async () => {
    const workflow = {
      workflowId: 'w1',
      runId: 'r',
      workflowType: 'w',
      events: [
        {
          eventId: 12,
          workflowTaskFailedEventAttributes: {
            cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
            failure: { message: 'Script execution timed out after 5000ms' },
          },
        },
      ],
    } as unknown as RecordedWorkflow;
    const fault = (action: object) => ({
      index: 1,
      timeMs: 300,
      process: 'nemesis',
      type: 'invoke' as const,
      f: 'fault',
      op: 'f0',
      value: action,
    });
    expect(
      await evidenceOf(
        run({ workflows: [workflow], history: [fault({ kind: 'pause', process: 'worker-2' })] }),
        'no-workflow-task-failures',
      ),
    ).toEqual([]);
    const named = ['w1: workflow task failed at event 12 (WORKFLOW_WORKER_UNHANDLED_FAILURE): Script execution timed out after 5000ms'];
    expect(
      await evidenceOf(run({ workflows: [workflow], history: [fault({ kind: 'pause', process: 'bank' })] }), 'no-workflow-task-failures'),
    ).toEqual(named);
    expect(await evidenceOf(run({ workflows: [workflow] }), 'no-workflow-task-failures')).toEqual(named);
  });

  it('client-agrees-with-outcome: an ok must be a completed workflow, a fail a failed one with the failure the client saw; info promises nothing', async () => {
    const op = (id: string): PlannedOperation => ({
      id,
      kind: 'transfer',
      workflowId: `transfer-${id}`,
      workflowType: 'moneyTransfer',
      taskQueue: 'q',
      args: [],
      startAtMs: 0,
      steps: [],
    });
    const ended = (id: string, type: 'ok' | 'fail' | 'info', value?: unknown): HistoryEntry[] => [
      { index: 0, timeMs: 0, process: 'client-1', type: 'invoke', f: 'transfer', op: id },
      { index: 1, timeMs: 9, process: 'client-1', type, f: 'transfer', op: id, value },
    ];
    const operations = ['a', 'b', 'c', 'd', 'e', 'f'].map(op);
    const o = run({
      plan: { scenario: 's', seed: 1, runId: 'r', setup: undefined, operations, faults: [], faultPhaseEndsMs: 0 },
      history: [
        ...ended('a', 'ok'),
        ...ended('b', 'fail', { failureType: 'DepositFailed', failureTypes: ['DepositFailed', 'InvalidAccountError'] }),
        ...ended('c', 'info', { error: 'cut off' }),
        ...ended('d', 'ok'),
        ...ended('e', 'fail', { failureType: 'DepositFailed', failureTypes: ['DepositFailed'] }),
        ...ended('f', 'fail', { failureType: 'CancelledFailure', failureTypes: [] }),
      ],
      outcomes: [
        { workflowId: 'transfer-a', op: 'a', status: 'completed' },
        { workflowId: 'transfer-b', op: 'b', status: 'failed', failureType: 'DepositFailed' },
        { workflowId: 'transfer-c', op: 'c', status: 'completed' },
        { workflowId: 'transfer-d', op: 'd', status: 'failed', failureType: 'WithdrawalFailed' },
        { workflowId: 'transfer-e', op: 'e', status: 'failed', failureType: 'WithdrawalFailed' },
        { workflowId: 'transfer-f', op: 'f', status: 'cancelled' },
      ],
    });
    expect(await evidenceOf(o, 'client-agrees-with-outcome')).toEqual([
      'transfer d (transfer-d): the client saw ok, but the workflow ended failed (WithdrawalFailed)',
      'transfer e (transfer-e): the client saw fail (DepositFailed), but the workflow ended failed (WithdrawalFailed)',
    ]);
  });

  it("clientView reads an operation's completion and its steps, acknowledged or not, from the operation history", () => {
    const order = { id: 'o1', kind: 'order' };
    const history: HistoryEntry[] = [
      { index: 0, timeMs: 0, process: 'client-2', type: 'invoke', f: 'order', op: 'o1' },
      { index: 1, timeMs: 1, process: 'nemesis', type: 'invoke', f: 'fault', op: 'f0' },
      { index: 2, timeMs: 2, process: 'client-2', type: 'invoke', f: 'approve', op: 'o1', value: ['me'] },
      { index: 3, timeMs: 3, process: 'client-2', type: 'ok', f: 'approve', op: 'o1' },
      { index: 4, timeMs: 4, process: 'client-2', type: 'invoke', f: 'ship', op: 'o1' },
      { index: 5, timeMs: 9, process: 'client-2', type: 'info', f: 'order', op: 'o1', value: { error: 'cut off' } },
    ];
    expect(clientView({ history }, order)).toEqual({
      op: 'o1',
      type: 'info',
      value: { error: 'cut off' },
      failureTypes: [],
      steps: [
        { name: 'approve', acknowledged: true },
        { name: 'ship', acknowledged: false },
      ],
    });
    expect(clientView({ history: [] }, order)).toEqual({ op: 'o1', failureTypes: [], steps: [] });
  });

  it('all-finished and histories-replay name the workflow', async () => {
    expect(await evidenceOf(run({ unsettled: ['transfer-t9'] }), 'all-finished')).toEqual([
      'transfer-t9 had not finished 60 s after the faults healed',
    ]);
    expect(
      await evidenceOf(run({ replay: [{ workflowId: 'w', status: 'nondeterministic', detail: 'event 5' }] }), 'histories-replay'),
    ).toEqual(['w: nondeterministic: event 5']);
  });

  it('a checker that throws, or returns anything but evidence lines, is a harness error naming it, never a verdict', async () => {
    const throwing = {
      name: 'explodes',
      check: () => {
        throw new Error('cannot read property x\nstack');
      },
    };
    const returningJunk = { name: 'returns-junk', check: () => 42 as unknown as string[] };
    await expect(runChecks(['explodes'], [throwing], run({}))).rejects.toThrow(/^checker explodes threw: cannot read property x$/);
    await expect(runChecks(['returns-junk'], [returningJunk], run({}))).rejects.toThrow(
      /^checker returns-junk returned 42; a checker returns a list of evidence lines/,
    );
  });
});

describe('checker helpers', () => {
  it('appliedAtMostOnce names each key applied more than once, with what applied it', () => {
    const effects = [
      { key: 'a', n: 1 },
      { key: 'b', n: 2 },
      { key: 'a', n: 3 },
    ];
    expect(
      appliedAtMostOnce(
        effects,
        (e) => e.key,
        (e) => `#${e.n}`,
      ),
    ).toEqual(['key a applied 2 times (#1, #3)']);
    expect(appliedAtMostOnce([{ key: 'a' }], (e) => e.key)).toEqual([]);
  });

  it('compensatedInReverse names compensations out of reverse order, ignoring what is no compensation', () => {
    const steps = [
      { step: 'book', compensation: 'unbook' },
      { step: 'pay', compensation: 'refund' },
    ];
    expect(compensatedInReverse(steps, ['book', 'pay', 'refund', 'unbook'])).toEqual([]);
    expect(compensatedInReverse(steps, ['book', 'unbook'])).toEqual([]);
    expect(compensatedInReverse(steps, ['book', 'pay', 'unbook', 'note', 'refund'])).toEqual([
      'compensations took effect as unbook, refund; in reverse order of its steps they are refund, unbook',
    ]);
  });

  it('conserved names each quantity that changed, with both values and the difference', () => {
    expect(conserved({ money: { before: 10, after: 12 }, stock: { before: 3, after: 3 } })).toEqual(['money is 12, it was 10 (+2)']);
  });
});
