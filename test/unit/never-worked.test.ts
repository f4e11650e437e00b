/**
 * A system that never worked, judged from what a run recorded (histories, pending activities): programming errors on
 * every attempt, an activity the workers do not register, a first workflow task that fails, a part nobody reached
 * without faults. And what it must never judge: a type that worked once, a network error under faults, a business
 * error, too few attempts.
 */
import proto, { type temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { describeNeverWorked, firstFrame, neverWorked, type WorkflowRecord, workedTypes } from '../../src/base/history/never-worked';

type Event = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
const { EventType } = proto.temporal.api.enums.v1;

const STACK = [
  "TypeError: Cannot read properties of undefined (reading 'withdraw')",
  `    at withdraw (file://${process.cwd()}/activities/index.ts:29:14)`,
  `    at Activity.execute (${process.cwd()}/node_modules/@temporalio/worker/lib/activity.js:95:24)`,
].join('\n');

const typeError: Failure = {
  message: "Cannot read properties of undefined (reading 'withdraw')",
  stackTrace: STACK,
  applicationFailureInfo: { type: 'TypeError' },
};
const fetchFailed: Failure = {
  message: 'fetch failed',
  applicationFailureInfo: { type: 'TypeError' },
  cause: { message: 'connect ECONNREFUSED 127.0.0.1:40123', applicationFailureInfo: { type: 'Error' } },
};
const refused: Failure = {
  message: 'cannot reach http://127.0.0.1:40123 (withdraw): connect ECONNREFUSED 127.0.0.1:40123',
  applicationFailureInfo: { type: 'ServiceUnreachable' },
};
const declined: Failure = { message: 'insufficient funds', applicationFailureInfo: { type: 'InsufficientFundsError' } };

/** A transfer's history: started, then one activity per entry, each scheduled, started at `attempt`, and ended. */
function workflow(
  workflowId: string,
  activities: { type: string; attempt?: number; end: 'completed' | Failure | 'pending' }[],
  more: { pending?: { type: string; attempt: number; lastFailure: Failure }[]; workflowTask?: Failure } = {},
): WorkflowRecord {
  let id = 0;
  const events: Event[] = [];
  // Plain numbers where a server sends Longs: the judgement reads either.
  const add = (eventType: number, attributes: Record<string, unknown>): number => {
    events.push({ eventId: ++id, eventType, ...attributes } as unknown as Event);
    return id;
  };
  add(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
    workflowExecutionStartedEventAttributes: { workflowType: { name: 'moneyTransfer' } },
  });
  add(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, { workflowTaskScheduledEventAttributes: {} });
  if (more.workflowTask) {
    add(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, { workflowTaskFailedEventAttributes: { failure: more.workflowTask } });
    return { workflowId, workflowType: 'moneyTransfer', events };
  }
  add(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: {} });
  for (const activity of activities) {
    const scheduled = add(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
      activityTaskScheduledEventAttributes: { activityType: { name: activity.type } },
    });
    if (activity.end === 'pending') continue;
    add(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
      activityTaskStartedEventAttributes: { scheduledEventId: scheduled, attempt: activity.attempt ?? 1 },
    });
    if (activity.end === 'completed')
      add(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: scheduled } });
    else
      add(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, {
        activityTaskFailedEventAttributes: { scheduledEventId: scheduled, failure: activity.end },
      });
  }
  const pendingActivities = more.pending?.map((p) => ({ activityType: { name: p.type }, attempt: p.attempt, lastFailure: p.lastFailure }));
  return { workflowId, workflowType: 'moneyTransfer', events, ...(pendingActivities ? { pendingActivities } : {}) };
}

const retrying = (workflowId: string, attempt: number, lastFailure: Failure): WorkflowRecord =>
  workflow(workflowId, [{ type: 'withdraw', end: 'pending' }], { pending: [{ type: 'withdraw', attempt, lastFailure }] });

const modules = { activities: 'activities/index.ts', workflows: 'workflows/index.ts', parts: { '127.0.0.1:40123': 'bank' } };

describe('a system that never worked', () => {
  it('an activity that failed with a TypeError on every attempt and never completed: the module, the activity, the error and its first frame', () => {
    const finding = neverWorked([retrying('t1', 3, typeError), retrying('t2', 2, typeError)], { faultFree: false });

    expect(finding).toMatchObject({
      kind: 'activity',
      activityType: 'withdraw',
      reason: 'programming-error',
      attempts: 3,
      workflowId: 't1',
    });
    expect(describeNeverWorked(finding!, modules)).toBe(
      "activities/index.ts: activity withdraw failed with TypeError on all 3 attempts and never completed: TypeError: Cannot read properties of undefined (reading 'withdraw') (at withdraw (activities/index.ts:29:14))",
    );
  });

  it('attempts that ran out count as the attempts the history started (ActivityTaskStarted.attempt)', () => {
    const finding = neverWorked([workflow('t1', [{ type: 'withdraw', attempt: 6, end: typeError }])], { faultFree: false });
    expect(finding).toMatchObject({ activityType: 'withdraw', attempts: 6 });
  });

  it('an activity the workers do not register, on its first attempt', () => {
    const missing: Failure = {
      message: 'Activity function refund is not registered on this Worker, available activities: ["withdraw","deposit"]',
      applicationFailureInfo: { type: 'NotFoundError' },
    };
    const finding = neverWorked([retrying('t1', 2, missing)], { faultFree: false });

    expect(finding).toMatchObject({ kind: 'activity', reason: 'not-registered', activityType: 'withdraw' });
    expect(describeNeverWorked(finding!, modules)).toBe(
      'activities/index.ts: the workflows schedule activity withdraw, which the workers do not register (createActivities does not return it): NotFoundError: Activity function refund is not registered on this Worker, available activities: ["withdraw","deposit"]',
    );
  });

  it('a workflow type whose workflows failed their first workflow task and never completed one', () => {
    // A workflow task's failure carries no type: its stack's first line names the error.
    const failure: Failure = {
      message: "Cannot read properties of undefined (reading 'perTransfer')",
      stackTrace:
        "TypeError: Cannot read properties of undefined (reading 'perTransfer')\n    at moneyTransfer (webpack-internal:///./workflows/bad.ts:9:42)",
    };
    const finding = neverWorked([workflow('t1', [], { workflowTask: failure })], { faultFree: false });

    expect(describeNeverWorked(finding!, modules)).toBe(
      "workflows/index.ts: workflow moneyTransfer failed its first workflow task and never completed one: TypeError: Cannot read properties of undefined (reading 'perTransfer') (at moneyTransfer (webpack-internal:///./workflows/bad.ts:9:42))",
    );
  });

  it('a workflow task failure whose stack Node decorated with the line that rethrew it: the error still named', () => {
    const failure: Failure = {
      message: "Cannot read properties of undefined (reading 'perTransfer')",
      stackTrace:
        "/cache/bundles/1e1a73.js:6627\n            throw this.workflowTaskError;\n            ^\n\nTypeError: Cannot read properties of undefined (reading 'perTransfer')\n    at perTransfer (/p/workflows/bad.ts:9:31)",
    };
    const finding = neverWorked([workflow('t1', [], { workflowTask: failure })], { faultFree: false });

    expect(describeNeverWorked(finding!, modules)).toMatch(/never completed one: TypeError: Cannot read properties/);
  });

  it('without faults, an activity that never reached its part on any attempt: that part named', () => {
    const finding = neverWorked([retrying('t1', 4, refused)], { faultFree: true });

    expect(describeNeverWorked(finding!, modules)).toBe(
      'activities/index.ts: activity withdraw never reached part bank without any fault, failing on all 3 attempts: ServiceUnreachable: cannot reach http://127.0.0.1:40123 (withdraw): connect ECONNREFUSED 127.0.0.1:40123',
    );
  });
});

describe('what is never judged as a system that never worked', () => {
  it('a type that completed once: a bug on some path, for the checkers', () => {
    const records = [retrying('t1', 5, typeError), workflow('t2', [{ type: 'withdraw', end: 'completed' }])];
    expect(neverWorked(records, { faultFree: false })).toBeUndefined();
  });

  it('a type a warm-up of the same code saw complete', () => {
    const worked = workedTypes([workflow('w1', [{ type: 'withdraw', end: 'completed' }])]);
    expect(worked).toEqual({ activities: ['withdraw'], workflows: ['moneyTransfer'] });
    expect(neverWorked([retrying('t1', 5, typeError)], { faultFree: false, worked })).toBeUndefined();
  });

  it("fetch's TypeError: fetch failed, and a refused connection, under faults", () => {
    expect(neverWorked([retrying('t1', 9, fetchFailed)], { faultFree: false })).toBeUndefined();
    expect(neverWorked([retrying('t1', 9, refused)], { faultFree: false })).toBeUndefined();
  });

  it('a business error on every attempt, with or without faults', () => {
    expect(neverWorked([retrying('t1', 9, declined)], { faultFree: true })).toBeUndefined();
  });

  it('fewer failed attempts than the bound (3)', () => {
    expect(neverWorked([retrying('t1', 3, typeError)], { faultFree: false })).toBeUndefined();
  });

  it('a workflow task that failed after one had completed (a bug after a signal, a non-determinism)', () => {
    const later = workflow('t1', [{ type: 'withdraw', end: 'completed' }]);
    later.events = [
      ...later.events,
      {
        eventId: 99,
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        workflowTaskFailedEventAttributes: { failure: typeError },
      } as unknown as Event,
    ];
    expect(neverWorked([later], { faultFree: false })).toBeUndefined();
  });
});

describe('the first frame of a stack', () => {
  it("skips node_modules and Node's internals, and shows the user's file as the user sees it", () => {
    expect(firstFrame(STACK)).toBe('withdraw (activities/index.ts:29:14)');
    expect(firstFrame('Error: x\n    at node:internal/process/task_queues:95:5\n    at run (/elsewhere/app.js:3:1)')).toBe(
      'run (/elsewhere/app.js:3:1)',
    );
    expect(firstFrame(undefined)).toBeUndefined();
  });
});
