/**
 * What the explorer can drive, one capability per test, each under one ordering written out step by step (the way
 * a saved ordering replays) and its timeline asserted to the millisecond: updates, continue-as-new, child workflows,
 * time moving while an activity is in flight, a child's timers due at one instant, a run that stops making progress, a timer longer than the default time bound, a harness that breaks mid-search, and a worker that stops.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDoubleSpec, InterleavingsDefinition, Step } from 'tempest/interleave';
import { defineInterleavings } from 'tempest/interleave';
import { HarnessError } from '../../src/base/errors';
import { resolveInterleavings } from '../../src/features/interleave/definition';
import { exploreInterleavings, judgeRun, replayChooser } from '../../src/features/interleave/explore';
import { runOrdering } from '../../src/features/interleave/run';
import { type InterleaveSession, openSession } from '../../src/features/interleave/session';
import { describeStep, formatRun } from '../../src/features/interleave/timeline';
import expenseBudget from '../fixtures/interleavings/racy/expense-budget';
import jobQueueCarried from '../fixtures/interleavings/racy/job-queue-carried';
import paymentDispute from '../fixtures/interleavings/racy/payment-dispute';
import cardCheckout from '../fixtures/interleavings/racy/card-checkout';
import { REPO_ROOT } from '../support/repo';

const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'interleavings');
let counter = 0;

/** One session on a workflows module (its doubles answer as `activities` say), and a way to run one ordering of a definition on it. */
function useSession(workflows: string, activities: Record<string, ActivityDoubleSpec>) {
  let session: InterleaveSession;
  beforeAll(async () => {
    session = await openSession({ workflowsPath: path.join(fixtures, workflows), activities });
  });
  afterAll(async () => {
    await session?.close();
  });
  return {
    get session() {
      return session;
    },
    async run(definition: InterleavingsDefinition, steps: Step[]) {
      const interleavings = resolveInterleavings(definition);
      const events = new Set(steps.flatMap((s) => (s.kind === 'send' ? [s.event] : [])));
      const run = await runOrdering({
        session,
        interleavings,
        workflowId: `capability-${++counter}`,
        events,
        choose: replayChooser(steps, describeStep),
      });
      return { run, violations: await judgeRun(run, interleavings, session), timeline: formatRun(run) };
    },
  };
}

const send = (event: number, label: string): Step => ({ kind: 'send', event, label });
const complete = (activity: string, call = 1, execution?: string): Step => ({
  kind: 'complete',
  activity,
  call,
  ...(execution ? { execution } : {}),
});
const advance: Step = { kind: 'advance', toMs: 0, reason: '' };

describe('on the racy workflows', () => {
  const racy = useSession('racy/workflows.ts', {
    ...expenseBudget.activities,
    ...jobQueueCarried.activities,
    ...paymentDispute.activities,
    ...cardCheckout.activities,
  });

  it('updates: two accepted while the first one still waits for its activity, a third refused by the validator; each ends as its handler did', async () => {
    const { run, violations, timeline } = await racy.run(expenseBudget, [
      send(0, 'update approve(60)'),
      send(1, 'update approve(70)'),
      send(2, 'update approve(-5)'),
      complete('reserveFunds', 1),
      complete('reserveFunds', 2),
      send(3, 'close'),
    ]);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "+0s       update approve(60) sent",
        "+0s       update approve(60) accepted",
        "+0s       workflow called reserveFunds",
        "+0s       update approve(70) sent",
        "+0s       update approve(70) accepted",
        "+0s       workflow called reserveFunds (call 2)",
        "+0s       update approve(-5) sent",
        "+0s       update approve(-5) rejected: amount must be positive, got -5",
        "+0s       reserveFunds completed",
        "+0s       reserveFunds (call 2) completed",
        "+0s       signal close sent",
        "          ended completed: 130",
      ]
    `);
    expect(run.updates).toMatchInlineSnapshot(`
      [
        {
          "label": "update approve(60)",
          "outcome": {
            "completed": "reservation of 60",
          },
          "result": "accepted",
        },
        {
          "label": "update approve(70)",
          "outcome": {
            "completed": "reservation of 70",
          },
          "result": "accepted",
        },
        {
          "label": "update approve(-5)",
          "result": {
            "rejected": "amount must be positive, got -5",
          },
        },
      ]
    `);
    expect(violations.map((v) => v.property)).toEqual(['within-budget']);
  });

  it('continue-as-new: the chain of runs in the record and the timeline, calls numbered across it', async () => {
    const { run, violations, timeline } = await racy.run(jobQueueCarried, [
      send(0, 'enqueue("a")'),
      complete('processJob', 1),
      send(1, 'enqueue("b")'),
      send(2, 'enqueue("c")'),
      complete('processJob', 2),
      complete('processJob', 3),
      advance,
    ]);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "+0s       signal enqueue("a") sent",
        "+0s       workflow called processJob",
        "+0s       processJob completed",
        "+0s       signal enqueue("b") sent",
        "+0s       workflow called processJob (call 2)",
        "+0s       signal enqueue("c") sent",
        "+0s       processJob (call 2) completed",
        "+0s       continued as new (run 2)",
        "+0s       workflow called processJob (call 3)",
        "+0s       processJob (call 3) completed",
        "+1h       time moved: timer 2 fires",
        "          ended completed: 3 (run 2)",
      ]
    `);
    expect(run.runs.map((r) => r.outcome.status)).toEqual(['continued-as-new', 'completed']);
    expect(run.runs.map((r) => r.history.events?.length)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(run.calls.map(({ args, call, run: inRun }) => ({ args, call, run: inRun }))).toEqual([
      { args: ['a'], call: 1, run: undefined },
      { args: ['b'], call: 2, run: undefined },
      { args: ['c'], call: 3, run: 2 },
    ]);
    expect(violations).toEqual([]);
  });

  it('time moves while an activity is in flight: the deadline passes before the refund answers', async () => {
    const { violations, timeline } = await racy.run(paymentDispute, [
      send(0, 'merchantRefund'),
      advance,
      complete('issueRefund', 1),
      complete('issueRefund', 2),
    ]);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "+0s       signal merchantRefund sent",
        "+0s       workflow called issueRefund",
        "+30s      time moved: timer 1 fires",
        "+30s      workflow called issueRefund (call 2)",
        "+30s      issueRefund completed",
        "+30s      issueRefund (call 2) completed",
        "          ended completed: "refunded by the merchant"",
      ]
    `);
    expect(violations.map((v) => v.property)).toEqual(['refunded-once']);
  });
});

describe('on workflows that show one capability each', () => {
  const base = { args: [], activities: { pack: { returns: (n: number) => n * 10 }, ship: { returns: 'shipment-1' }, renew: {} } };
  const features = useSession('features/workflows.ts', base.activities);

  it('child workflows: their calls join the ordering, named by child; the explorer answers the second child first', async () => {
    const shipOrder = defineInterleavings({ ...base, name: 'ship-order', workflowType: 'shipOrder', children: ['packParcel'] });
    const { run, violations, timeline } = await features.run(shipOrder, [
      complete('pack', 1, 'packParcel-2'),
      complete('pack', 1, 'packParcel-1'),
      complete('ship'),
    ]);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "+0s       child packParcel-1 called pack",
        "+0s       child packParcel-2 called pack",
        "+0s       pack of child packParcel-2 completed",
        "+0s       pack of child packParcel-1 completed",
        "+0s       workflow called ship",
        "+0s       ship completed",
        "          ended completed: "shipment-1"",
      ]
    `);
    expect(run.children.map(({ label, outcome }) => ({ label, outcome }))).toEqual([
      { label: 'packParcel-1', outcome: { status: 'completed', result: 10 } },
      { label: 'packParcel-2', outcome: { status: 'completed', result: 20 } },
    ]);
    expect(run.calls.find((c) => c.activity === 'ship')?.args).toEqual([[10, 20]]);
    expect(violations).toEqual([]);
  });

  it("a child's timers due at one instant reach it in one workflow task, every time", async () => {
    const remind = defineInterleavings({ ...base, name: 'remind', workflowType: 'remindViaChild', children: ['twoReminders'] });
    // the server fires tied timers on two threads: unheld, they reach the child in one task or two, as the threads race
    for (let i = 0; i < 10; i++) {
      const { run, timeline } = await features.run(remind, [advance]);
      expect(timeline).toEqual(['+10m      time moved: timer 1 fires', '          ended completed: 2']);
      const events = run.children[0]!.runs[0]!.history.events!;
      const fired = events.flatMap((event, index) => (event.timerFiredEventAttributes ? [index] : []));
      expect(fired).toHaveLength(2);
      expect(events.slice(fired[0], fired[1]).some((event) => event.workflowTaskStartedEventAttributes)).toBe(false);
    }
  });

  it('a child of a type the definition does not name is refused, naming it', async () => {
    const shipOrder = defineInterleavings({ ...base, name: 'ship-order', workflowType: 'shipOrder' });
    await expect(features.run(shipOrder, [])).rejects.toThrow(
      "the workflow started a child workflow of type 'packParcel', which the definition's children do not name (it names none: add children: [...])",
    );
  });

  it('a run that stops making progress is a finding with its timeline, and the next run goes on', async () => {
    const stray = defineInterleavings({ ...base, name: 'stray', workflowType: 'strayActivity' });
    const { violations, timeline } = await features.run(stray, []);
    expect(violations).toEqual([
      {
        property: 'makes-progress',
        message:
          "the workflow's activity renew scheduled at event 5 never reaches its double: it was scheduled on task queue 'nobody-polls-this', which the explorer's worker does not poll (it polls 'tempest-interleave')",
      },
    ]);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "          stopped making progress: the workflow's activity renew scheduled at event 5 never reaches its double: it was scheduled on task queue 'nobody-polls-this', which the explorer's worker does not poll (it polls 'tempest-interleave')",
      ]
    `);
    const strayChild = defineInterleavings({ ...base, name: 'stray-child', workflowType: 'strayChild', children: ['packParcel'] });
    expect((await features.run(strayChild, [])).violations).toEqual([
      {
        property: 'makes-progress',
        message:
          "child packParcel-1's workflow task scheduled at event 2 is never picked up: its workflow runs on task queue 'nobody-polls-this', which the explorer's worker does not poll (it polls 'tempest-interleave')",
      },
    ]);
    const renewal = defineInterleavings({ ...base, name: 'renewal', workflowType: 'monthlyRenewal' });
    expect((await features.run(renewal, [advance, complete('renew')])).run.outcome).toEqual({ status: 'completed', result: 'renewed' });
  });

  it("the default time bound follows the workflow's timers; a bound of its own is named when a run reaches it", async () => {
    const renewal = defineInterleavings({ ...base, name: 'renewal', workflowType: 'monthlyRenewal' });
    const followed = await features.run(renewal, [advance, complete('renew')]);
    expect(followed.timeline).toMatchInlineSnapshot(`
      [
        "+30d      time moved: timer 1 fires",
        "+30d      workflow called renew",
        "+30d      renew completed",
        "          ended completed: "renewed"",
      ]
    `);
    expect(followed.violations).toEqual([]);
    const bounded = await features.run({ ...renewal, timeBound: '10d' }, []);
    expect(bounded.violations).toEqual([
      { property: 'ended', message: 'still running at the time bound (10d of virtual time, timeBound), its next timer at +30d' },
    ]);
  });

  it('a harness that breaks mid-search ends it with what was found so far and the number of the run that broke', async () => {
    const { session } = features;
    const renewal = resolveInterleavings(
      defineInterleavings({ ...base, name: 'renewal', workflowType: 'monthlyRenewal', timeBound: '1d' }),
    );
    const replay = session.replay;
    let replays = 0;
    session.replay = (history, workflowId) => {
      if (++replays === 3) return Promise.reject(new HarnessError('the replay worker failed: gone'));
      return replay(history, workflowId);
    };
    try {
      const result = await exploreInterleavings({ session, interleavings: renewal, runs: 20, seed: 1, idPrefix: `broken-${++counter}` });
      expect(result.harnessError).toEqual({ message: 'the replay worker failed: gone', runIndex: 3 });
      expect(result.runs).toBe(3);
      expect(result.firstFailedRun).toBe(1);
      expect(result.failed).toBe(true);
    } finally {
      session.replay = replay;
    }
  });
});

describe('a worker that stops mid-search', () => {
  const activities = { pack: {}, ship: {}, renew: {} };
  const stopping = useSession('features/workflows.ts', activities);

  it('ends the search as a harness error saying why, naming the run it broke, never a hang or a finding', async () => {
    const { session } = stopping;
    const renewal = resolveInterleavings(defineInterleavings({ args: [], activities, name: 'renewal', workflowType: 'monthlyRenewal' }));
    // from the fourth run on, Core refuses the worker's completions (as it does one for a task it no longer expects): the worker stops
    const native = (session.worker as unknown as { nativeWorker: { completeWorkflowActivation: (completion: Buffer) => Promise<void> } })
      .nativeWorker;
    const complete = native.completeWorkflowActivation;
    let runs = 0;
    native.completeWorkflowActivation = async (completion) => {
      if (runs >= 3) throw new Error('Core refused the completion');
      return complete(completion);
    };
    const result = await exploreInterleavings({
      session,
      interleavings: renewal,
      runs: 20,
      seed: 1,
      idPrefix: 'stopping',
      onRun: () => void runs++,
    });
    expect(result.harnessError?.message).toMatch(/^run stopping-4 broke: the explorer's worker stopped: .*Core refused the completion/);
    expect(result.harnessError?.runIndex).toBe(4);
    expect(result.runs).toBe(4);
    expect(result.failed).toBe(false);
  });
});
