import { loadHistoryFile } from 'tempest/replay';
import { activity, activityStarted, at, describeEvent, timerStarted, WorkflowTestInputError } from 'tempest/testing';
import { describe, expect, it } from 'vitest';
import { formatOffset } from '../../src/base/duration.ts';
import { DoubleInRun } from '../../src/features/testing/doubles.ts';
import { offsetOfAt } from '../../src/features/testing/offsets.ts';
import { HistoryReader } from '../../src/features/testing/events.ts';

const HOUR = 3_600_000;

describe('offsets on the workflow clock', () => {
  it.each([
    ['+3h', 3 * HOUR],
    ['+23h59m', 23 * HOUR + 59 * 60_000],
    ['+1d2h3m4s5ms', 26 * HOUR + 3 * 60_000 + 4_005],
    ['+250ms', 250],
    ['+90s', 90_000],
    ['+0s', 0],
    ['+1d 2h', 26 * HOUR],
    ['+1.5h', 90 * 60_000],
  ])('%s is %i ms after the start, and reads back the same', (offset, ms) => {
    expect(offsetOfAt(offset)).toBe(ms);
    expect(offsetOfAt(formatOffset(ms))).toBe(ms);
  });

  it.each(['+3x', '3h', '+', '+h', '+3h ', '+-3h', '+3h  2m', '+ 3h'])(
    '%j is refused with a message naming it and showing the form',
    (offset) => {
      expect(() => offsetOfAt(offset)).toThrow(
        new WorkflowTestInputError(
          `at(${JSON.stringify(offset)}): not an offset on the workflow clock; write '+' then numbers with units d, h, m, s or ms, such as '+3h', '+23h59m' or '+90s'`,
        ),
      );
    },
  );

  it('formats the largest units first, and nothing as +0s', () => {
    expect(formatOffset(26 * HOUR + 1)).toBe('+1d 2h 1ms');
    expect(formatOffset(0)).toBe('+0s');
  });
});

describe('actions', () => {
  it('read in messages as they were written', () => {
    expect(at('+23h59m').signal('approve', 'ops').label).toBe(`at('+23h59m').signal("approve", "ops")`);
    expect(at(activityStarted('chargePayment', { attempt: 2 })).cancel().label).toBe(
      'at(activityStarted("chargePayment", { attempt: 2 })).cancel()',
    );
    expect(at(timerStarted()).terminate().label).toBe('at(timerStarted()).terminate()');
    expect(at(timerStarted(2)).update('add', 1)).toMatchObject({
      kind: 'update',
      name: 'add',
      args: [1],
      trigger: { kind: 'timerStarted', nth: 2 },
    });
  });

  it('refuse a missing name, an attempt or a timer counted from 0', () => {
    expect(() => at('+1h').signal('')).toThrow(new WorkflowTestInputError(`at('+1h').signal(): give the signal's name`));
    expect(() => activityStarted('charge', { attempt: 0 })).toThrow(
      new WorkflowTestInputError('activityStarted("charge", { attempt: 0 }): attempts count from 1'),
    );
    expect(() => timerStarted(0)).toThrow(new WorkflowTestInputError('timerStarted(0): timers count from 1'));
  });
});

describe('activity doubles: bad input', () => {
  it('a duration that is not one names the builder and the value', () => {
    expect(() => activity.returns(1).takes('2 hours')).toThrow(
      new WorkflowTestInputError(
        `takes("2 hours"): expected a duration such as 500, '500ms', '2s', '1.5m' or '23h59m' (units d, h, m, s, ms), got "2 hours"`,
      ),
    );
  });

  it('failing no attempts, or a negative number of calls, is refused', () => {
    expect(() => activity.failsFirst(0, 'x')).toThrow(
      new WorkflowTestInputError('failsFirst(0, ...): give the number of attempts that fail, 1 or more'),
    );
    expect(() => activity.returns(1).expectCalls(-1)).toThrow(
      new WorkflowTestInputError('expectCalls(-1): give a whole number of calls, 0 or more'),
    );
  });
});

describe('activity doubles: expectations', () => {
  const inRun = (double: ReturnType<typeof activity.returns>, calls: { args: unknown[]; attempt: number; at: number }[]) => {
    const run = new DoubleInRun('charge', double.spec);
    run.calls.push(...calls.map((call, i) => ({ ...call, activityId: String(i + 1) })));
    return run;
  };

  it('met expectations say nothing', () => {
    expect(
      inRun(activity.returns('p').expectCalls(2).expectArgs('o-1'), [
        { args: ['o-1'], attempt: 1, at: 0 },
        { args: ['o-1'], attempt: 2, at: 1000 },
      ]).unmetExpectations(),
    ).toEqual([]);
  });

  it('a wrong count names the activity, both counts, and each call with its attempt and offset', () => {
    const double = inRun(activity.returns('p').expectCalls(1), [
      { args: [], attempt: 1, at: 20 },
      { args: [], attempt: 2, at: 1020 },
    ]);
    expect(double.unmetExpectations()).toEqual(['activity charge: expected 1 call, got 2 (attempt 1 at +20ms, attempt 2 at +1s 20ms)']);
  });

  it('wrong arguments name the first call that had others', () => {
    const double = inRun(activity.returns('p').expectArgs('o-1'), [
      { args: ['o-1'], attempt: 1, at: 0 },
      { args: ['o-2'], attempt: 1, at: 3 * HOUR },
    ]);
    expect(double.unmetExpectations()).toEqual([
      'activity charge: expected every call with arguments ["o-1"], attempt 1 at +3h had ["o-2"]',
    ]);
  });
});

describe('the events a workflow saw, read from its history', () => {
  it('reads a recorded auto-rejected order as activities, the approval timer and the close, each at its offset', async () => {
    const { history } = await loadHistoryFile(
      'replay-histories/order/order-corpus-order-auto-rejected.01a20ae3-f17d-76f4-aaae-5bcbd6d6e1f9.json',
    );
    const reader = new HistoryReader();

    const events = history.events!.flatMap((event) => reader.read(event));

    expect(events.map((event) => `${event.type} ${event.name ?? ''}`.trim())).toEqual([
      'activityScheduled reserveInventory',
      'activityScheduled chargePayment',
      'activityStarted reserveInventory',
      'activityCompleted reserveInventory',
      'activityStarted chargePayment',
      'activityCompleted chargePayment',
      'timerStarted 1',
      'timerFired 1',
      'activityScheduled cancelOrder',
      'activityStarted cancelOrder',
      'activityCompleted cancelOrder',
      'workflowCompleted',
    ]);
    const timer = events.find((event) => event.type === 'timerStarted')!;
    const fired = events.find((event) => event.type === 'timerFired')!;
    expect(fired.at - timer.at).toBeGreaterThanOrEqual(timer.durationMs!);
    expect(describeEvent(events[2]!)).toMatch(/^activityStarted reserveInventory #1 at \+\d+ms$/);
  });
});
