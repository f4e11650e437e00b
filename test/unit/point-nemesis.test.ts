/**
 * The point nemesis, against a stand-in progress channel and nemesis: it counts the points that match each fault's
 * point, applies the fault at the nth one before the point goes on (or drops it), heals it after its time or at its
 * `until` point, and says which faults never reached their point.
 */
import { describe, expect, it } from 'vitest';
import type {
  ActivityReached,
  HoldDecider,
  PointPattern,
  ProgressChannel,
  ReachedPoint,
  Release,
  RequestReached,
} from '../../src/features/chaos/cluster/progress';

type NewPoint = Omit<ActivityReached, 'seq' | 'atMs' | 'held'> | Omit<RequestReached, 'seq' | 'atMs' | 'held'>;
import { OperationHistory } from '../../src/features/chaos/history';
import type { Nemesis } from '../../src/features/chaos/nemesis';
import type { Plan, PlannedFault } from '../../src/features/chaos/plan';
import { PointNemesis } from '../../src/features/chaos/point-nemesis';

/** A progress channel whose points the test sends, as the probes and gates would. */
class FakeChannel implements ProgressChannel {
  readonly points: ReachedPoint[] = [];
  patterns: readonly PointPattern[] = [];
  private decide: HoldDecider | undefined;
  watch(): () => void {
    return () => undefined;
  }
  hold(patterns: readonly PointPattern[], decide: HoldDecider): void {
    this.patterns = patterns;
    this.decide = patterns.length > 0 ? decide : undefined;
  }
  unhold(): void {
    this.hold([], async () => 'continue');
  }
  workers(): string[] {
    return ['worker-1', 'worker-2'];
  }
  /** A point reaches the channel: held when a pattern names it, then released as the holder decides. */
  async reach(point: NewPoint, text?: string): Promise<Release> {
    const held = this.patterns.some((p) =>
      p.source === 'activity' && point.source === 'activity'
        ? p.at === point.at && (!p.activityTypes || p.activityTypes.includes(point.activityType))
        : p.source === 'request' &&
          point.source === 'request' &&
          p.link === point.link &&
          p.at === point.at &&
          (!p.kinds || p.kinds.includes(point.kind)),
    );
    const reached = { ...point, seq: this.points.length + 1, atMs: Date.now(), held } as ReachedPoint;
    this.points.push(reached);
    return held && this.decide ? this.decide(reached, text === undefined ? undefined : { text }) : 'continue';
  }
}

/** What the nemesis was asked to do, in order. */
function fakeNemesis(done: string[]): Nemesis {
  return {
    applyNow: async (fault: PlannedFault, point?: { reached: ReachedPoint; drop(): void }) => {
      done.push(`apply ${fault.id}${point ? ` at #${point.reached.seq}` : ''}`);
      if (fault.action.kind === 'drop') point!.drop();
    },
    healNow: async (fault: PlannedFault) => void done.push(`heal ${fault.id}`),
  } as unknown as Nemesis;
}

const plan = (faults: PlannedFault[]): Plan => ({
  scenario: 's',
  seed: 1,
  runId: 'run1',
  setup: undefined,
  operations: ['t0', 't1', 't2'].map((id) => ({
    id,
    kind: 'transfer',
    workflowType: 'moneyTransfer',
    workflowId: `transfer-run1-${id}`,
    taskQueue: 'q',
    args: [],
    startAtMs: 0,
    steps: [],
  })),
  faults,
  faultPhaseEndsMs: 0,
});

const activity = (activityType: string, at: 'started' | 'returned' | 'failed', op: string, attempt = 1) =>
  ({
    source: 'activity',
    worker: 'worker-1',
    at,
    activityType,
    workflowId: `transfer-run1-${op}`,
    workflowType: 'moneyTransfer',
    attempt,
  }) as const;
const request = (kind: string, at: 'seen' | 'answered') => ({ source: 'request', link: 'worker-bank', at, kind, connection: 1 }) as const;

describe('the point nemesis', () => {
  it('applies a fault at the nth matching point, before that point goes on, and drops what the point holds for a drop', async () => {
    const done: string[] = [];
    const channel = new FakeChannel();
    const drop: PlannedFault = {
      id: 'f0',
      action: { kind: 'drop' },
      what: 'lost',
      at: { request: 'worker-bank', kind: 'POST /deposit', on: 'answered', nth: 2 },
    };
    const points = new PointNemesis(plan([drop]), {
      progress: channel,
      history: new OperationHistory(),
      nemesis: fakeNemesis(done),
      log: () => undefined,
    });
    points.start();
    expect(channel.patterns).toEqual([{ source: 'request', link: 'worker-bank', at: 'answered', kinds: ['POST /deposit'] }]);

    expect(await channel.reach(request('POST /withdraw', 'answered'))).toBe('continue');
    expect(await channel.reach(request('POST /deposit', 'answered'))).toBe('continue');
    expect(done).toEqual([]);
    expect(await channel.reach(request('POST /deposit', 'answered'))).toBe('drop');
    expect(await channel.reach(request('POST /deposit', 'answered'))).toBe('continue'); // once only
    expect(done).toEqual(['apply f0 at #3']);
    expect(points.outcomes()).toEqual([{ id: 'f0', what: 'lost', reached: true, matched: 2, at: channel.points[2] }]);
  });

  it('counts only the operation a point names: its workflow for an activity, the ids its plan made for a request', async () => {
    const done: string[] = [];
    const channel = new FakeChannel();
    const faults: PlannedFault[] = [
      {
        id: 'f0',
        action: { kind: 'kill', process: 'worker' },
        what: 'k',
        at: { activity: 'deposit', on: 'returned', op: 't1' },
        forMs: 10_000,
      },
      { id: 'f1', action: { kind: 'drop' }, what: 'd', at: { request: 'worker-bank', on: 'seen', op: 't2' } },
    ];
    const points = new PointNemesis(plan(faults), {
      progress: channel,
      history: new OperationHistory(),
      nemesis: fakeNemesis(done),
      log: () => undefined,
    });
    points.start();
    await channel.reach(activity('deposit', 'returned', 't0'));
    await channel.reach(activity('deposit', 'returned', 't1'));
    expect(await channel.reach(request('POST /deposit', 'seen'), '{"referenceId":"run1-t20"}')).toBe('continue'); // t20, not t2
    expect(await channel.reach(request('POST /deposit', 'seen'), '{"referenceId":"run1-t2"}')).toBe('drop');
    expect(done).toEqual(['apply f0 at #2', 'apply f1 at #4']);
    expect(points.outcomes().map((o) => [o.id, o.op])).toEqual([
      ['f0', 't1'],
      ['f1', undefined],
    ]);
    points.stop();
  });

  it('heals a fault at its until point, of the operation it fired at ($point), or after its time', async () => {
    const done: string[] = [];
    const channel = new FakeChannel();
    const history = new OperationHistory();
    const faults: PlannedFault[] = [
      {
        id: 'f0',
        action: { kind: 'link-down', link: 'worker-bank' },
        what: 'down',
        at: { activity: 'withdraw', on: 'started', attempt: 2 },
        until: { activity: 'withdraw', on: 'failed', attempt: 3, op: '$point' },
      },
      { id: 'f1', action: { kind: 'kill', process: 'worker' }, what: 'k', at: { activity: 'deposit', on: 'returned' }, forMs: 20 },
    ];
    const nemesis = fakeNemesis(done);
    const record = nemesis.applyNow.bind(nemesis);
    // The run's history says when a fault was applied (a heal waits for it).
    nemesis.applyNow = async (fault, point) => {
      history.record({ process: 'nemesis', type: 'invoke', f: 'fault', op: fault.id });
      return record(fault, point);
    };
    const points = new PointNemesis(plan(faults), { progress: channel, history: history, nemesis: nemesis, log: () => undefined });
    points.start();
    await channel.reach(activity('withdraw', 'started', 't1', 2));
    await channel.reach(activity('withdraw', 'failed', 't0', 3)); // another operation's third attempt: not the one
    await channel.reach(activity('deposit', 'returned', 't2'));
    await channel.reach(activity('withdraw', 'failed', 't1', 3));
    await points.settled();
    expect(done).toEqual(['apply f0 at #1', 'apply f1 at #3', 'heal f0', 'heal f1']);
    expect(points.outcomes().map((o) => [o.id, o.reached, o.healedAtPoint])).toEqual([
      ['f0', true, true],
      ['f1', true, undefined],
    ]);
  });

  it('says which faults never reached their point, and how many points matched', async () => {
    const channel = new FakeChannel();
    const fault: PlannedFault = { id: 'f0', action: { kind: 'drop' }, what: 'lost', at: { activity: 'deposit', on: 'returned', nth: 5 } };
    const points = new PointNemesis(plan([fault]), {
      progress: channel,
      history: new OperationHistory(),
      nemesis: fakeNemesis([]),
      log: () => undefined,
    });
    points.start();
    for (const op of ['t0', 't1', 't2']) await channel.reach(activity('deposit', 'returned', op));
    points.stop();
    expect(points.outcomes()).toEqual([{ id: 'f0', what: 'lost', reached: false, matched: 3 }]);
    expect(channel.patterns).toEqual([]);
  });
});
