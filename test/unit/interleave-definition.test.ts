import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import order from '../../interleavings/order';
import {
  defineInterleavings,
  type InterleavingsDefinition,
  resolveInterleavings,
  virtualMs,
} from '../../src/features/interleave/definition';
import { WorkflowProgress } from '../../src/base/history/progress';
import { historyShape } from '../../src/features/interleave/shape';
import { RunCalls } from '../../src/features/interleave/doubles';
import { possibleSteps } from '../../src/features/interleave/run';
import { formatOffset } from '../../src/base/duration';
import { offsetOfAt } from '../../src/features/testing/offsets';
import { describeStep } from '../../src/features/interleave/timeline';
import { parseHistory } from '../../src/base/history/history-file';

const base: InterleavingsDefinition = {
  name: 'x',
  workflowType: 'order',
  args: [],
  activities: { charge: { returns: 'p-1', fails: [{ type: 'Declined' }] } },
};

describe('defineInterleavings', () => {
  it.each([
    [{ ...base, name: 'has spaces' }, /^name: expected letters/],
    [{ ...base, activities: {} }, /^activities: expected the activities/],
    [{ ...base, activities: { charge: { fails: [{}] } } }, /^activities\.charge\.fails\[0\]\.type: expected a failure type name/],
    [{ ...base, events: [{ signal: '' }] }, /^events\[0\]\.signal: expected a signal name/],
    [{ ...base, events: [{ signal: 'approve', after: '-1h' }] }, /^events\[0\]\.after: expected a duration such as 500, /],
    [{ ...base, events: [{ signal: 'approve', after: '8d' }] }, /^events\[0\]\.after: "8d" is at or past the time bound/],
    [{ ...base, timeBound: 'soon' }, /^timeBound: expected a duration/],
    [{ ...base, properties: [{ name: 'p', check: 'yes' }] }, /^properties\[0\]\.check: expected a function/],
    [{ ...base, maxSteps: 0 }, /^maxSteps: expected a whole number above zero/],
    [{ ...base, together: 'no' }, /^together: expected true or false, got "no"/],
  ])('refuses a wrong field, naming it (%#)', (definition, message) => {
    expect(() => defineInterleavings(definition as InterleavingsDefinition)).toThrow(message);
  });

  it('returns the definition as given, and resolves durations of virtual time', () => {
    expect(defineInterleavings(base)).toBe(base);
    expect(virtualMs('23h', 'f')).toBe(23 * 3_600_000);
    expect(virtualMs('7d', 'f')).toBe(7 * 86_400_000);
    expect(resolveInterleavings({ ...base, events: [{ signal: 'approve', after: '23h' }, { cancel: true }] }).events).toEqual([
      { kind: 'signal', signal: 'approve', args: [], afterMs: 23 * 3_600_000, label: 'approve', name: 'approve' },
      { kind: 'cancel', afterMs: 0, label: 'cancel request', name: 'cancel request' },
    ]);
  });

  it('labels a signal listed twice with its arguments, and names it by its signal for run.sent', () => {
    const events = resolveInterleavings({
      ...base,
      events: [
        { signal: 'enqueue', args: ['a'] },
        { signal: 'enqueue', args: ['b'] },
      ],
    }).events;
    expect(events.map((e) => [e.label, e.name])).toEqual([
      ['enqueue("a")', 'enqueue'],
      ['enqueue("b")', 'enqueue'],
    ]);
  });

  it("reads an event's `after` in the workflow test's grammar too: '+23h59m' as at() writes it, and '23h59m'", () => {
    const afterMs = (after: string): number => resolveInterleavings({ ...base, events: [{ signal: 'approve', after }] }).events[0]!.afterMs;
    expect(afterMs('+23h59m')).toBe(offsetOfAt('+23h59m'));
    expect(afterMs('23h59m')).toBe(offsetOfAt('+23h59m'));
    expect(afterMs('+1d 2h')).toBe(26 * 3_600_000);
    expect(() => afterMs('+')).toThrow(/^events\[0\]\.after: not an offset on the workflow clock/);
  });
});

describe('possible steps', () => {
  const interleavings = resolveInterleavings({ ...base, events: [{ signal: 'approve' }, { signal: 'reject', after: '1h' }] });
  const timers = [{ timerId: '1', firesAtMs: 86_400_000 }];

  const source = (activityId: string) => ({ workflowId: 'w', runId: 'r', activityId });
  const place = { execution: '', executionRank: 0, run: 1 };
  const timeBoundMs = 7 * 86_400_000;

  it('puts the canonical step first: answer the oldest call, then send, then move time, then fail', () => {
    const calls = new RunCalls(interleavings.activities);
    // Parked calls are answered by release() below; their promises are not this test's subject.
    calls.park('charge', [], source('2')).catch(() => undefined);
    calls.park('charge', [], source('1')).catch(() => undefined);
    calls.number(() => place);
    const steps = possibleSteps({
      interleavings,
      calls,
      timers,
      events: new Set([0, 1]),
      sent: new Set(),
      nowMs: 0,
      startMs: 0,
      timeBoundMs,
      callsDeadlineMs: 5000,
    }).map(describeStep);
    expect(steps).toEqual([
      'charge completed',
      'charge (call 2) completed',
      'signal approve sent',
      'charge failed: Declined',
      'charge (call 2) failed: Declined',
    ]);
    calls.release();
  });

  it('moves time to the next timer or event, within the time bound', () => {
    const calls = new RunCalls(interleavings.activities);
    const at = (nowMs: number, bound = timeBoundMs) =>
      possibleSteps({ interleavings, calls, timers, events: new Set([1]), sent: new Set(), nowMs, startMs: 0, timeBoundMs: bound }).map(
        describeStep,
      );
    expect(at(0)).toEqual(['time moved: reject may be sent']);
    expect(at(3_600_000)).toEqual(['signal reject sent', 'time moved: timer 1 fires']);
    expect(at(3_600_000, 3_600_000)).toEqual(['signal reject sent']);
  });

  it('moves time while calls wait for their answers, but only to points before the soonest of their timeouts', () => {
    const calls = new RunCalls(interleavings.activities);
    calls.park('charge', [], source('1')).catch(() => undefined);
    calls.number(() => place);
    const steps = (callsDeadlineMs: number) =>
      possibleSteps({
        interleavings,
        calls,
        timers,
        events: new Set(),
        sent: new Set(),
        nowMs: 0,
        startMs: 0,
        timeBoundMs,
        callsDeadlineMs,
      }).map(describeStep);
    expect(steps(2 * 86_400_000)).toEqual(['charge completed', 'time moved: timer 1 fires', 'charge failed: Declined']);
    expect(steps(60_000)).toEqual(['charge completed', 'charge failed: Declined']);
    calls.release();
  });

  it('numbers calls in the order the workflow made them, the explored workflow first, then each child', () => {
    const calls = new RunCalls(interleavings.activities);
    calls.park('charge', [], { workflowId: 'child', runId: 'c', activityId: '1' }).catch(() => undefined);
    calls.park('charge', [], source('3')).catch(() => undefined);
    calls.park('charge', [], { workflowId: 'w', runId: 'r2', activityId: '1' }).catch(() => undefined);
    calls.number((s) =>
      s.workflowId === 'child'
        ? { execution: 'shipItem-1', executionRank: 1, run: 1 }
        : { execution: '', executionRank: 0, run: s.runId === 'r2' ? 2 : 1 },
    );
    expect(calls.calls.map(({ call, execution, run, index }) => ({ call, execution, run, index }))).toEqual([
      { call: 1, execution: undefined, run: undefined, index: 0 },
      { call: 2, execution: undefined, run: 2, index: 1 },
      { call: 1, execution: 'shipItem-1', run: undefined, index: 2 },
    ]);
    calls.release();
  });
});

describe('reading a history', () => {
  const file = 'replay-histories/order/order-corpus-order-rejected.01a20ae3-f179-76fe-ba1b-613eb43d9436.json';
  const { history } = parseHistory(file, readFileSync(file, 'utf8'));

  it('says how it ended and that nothing is outstanding', () => {
    const state = WorkflowProgress.of(history);
    expect(state.outcome).toMatchObject({ status: 'completed', result: { state: 'rejected' } });
    expect(state.workflowTaskOutstanding).toBe(false);
    expect(state.openActivities()).toEqual([]);
    expect(state.runningTimers()).toEqual([]);
  });

  it('sees a workflow task, activities and a timer outstanding in a history cut short', () => {
    const events = history.events!;
    const cut = events.findIndex((e) => e.timerStartedEventAttributes) + 1;
    const state = WorkflowProgress.of({ events: events.slice(0, cut) });
    expect(state.outcome).toEqual({ status: 'running' });
    expect(state.runningTimers()).toHaveLength(1);
    const started = WorkflowProgress.of({ events: events.slice(0, 3) });
    expect(started.workflowTaskOutstanding).toBe(true);
  });

  it('has a shape without the events whose place the server decides', () => {
    expect(historyShape(history)).toBe(
      'WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled(reserveInventory) ActivityTaskScheduled(chargePayment) ActivityTaskCompleted ActivityTaskCompleted WorkflowTaskCompleted TimerStarted WorkflowExecutionSignaled(reject) WorkflowTaskCompleted TimerCanceled ActivityTaskScheduled(cancelOrder) ActivityTaskCompleted WorkflowTaskCompleted WorkflowExecutionCompleted',
    );
  });
});

describe('the timeline', () => {
  it('says virtual time since the start, to the millisecond', () => {
    expect([0, 1_400, 86_400_000, 23 * 3_600_000 + 59 * 60_000].map((ms) => formatOffset(ms))).toEqual([
      '+0s',
      '+1s 400ms',
      '+1d',
      '+23h 59m',
    ]);
    expect([0, 1_400, 1_600, 23 * 3_600_000 + 59 * 60_000].map((ms) => formatOffset(ms, 1000))).toEqual(['+0s', '+1s', '+2s', '+23h 59m']);
  });

  it('is what the packaged order definition names', () => {
    expect(resolveInterleavings(order).events.map((e) => e.label)).toEqual(['approve', 'reject', 'cancelOrder']);
  });
});
