import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  describeGenerated,
  exploreSchedules,
  type GeneratedFault,
  type PointCatalogue,
  scheduleArbitrary,
  withSchedule,
} from '../../src/features/chaos/explore';
import { pointScheduleArbitrary } from '../../src/features/chaos/explore-points';
import bankAndStore from '../../chaos/system';
import { bindScenario, defineScenario } from '../../src/features/chaos/scenario';

const scenario = bindScenario(
  defineScenario({ name: 'explore-me', description: 'a workload to explore', workload: { transfers: 5, concurrency: 2 }, faults: [] }),
  bankAndStore,
);

/** A stand-in for a real run (pure logic under test): the "system" breaks whenever the bank is killed for over a second. */
const breaksWhenBankDiesLong = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> =>
  !schedule.some((f) => f.action.kind === 'kill' && f.action.process === 'bank' && (f.forMs ?? 0) > 1000);

/** For seeds 0 to 9, the number of the first schedule `holds` fails on (0: none in 100); the seeds fix the schedules, so this is deterministic. */
function schedulesUntilFirstFailure(holds: (s: unknown, schedule: readonly GeneratedFault[]) => Promise<boolean>): Promise<number[]> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, seed) => {
      let runs = 0;
      let found = 0;
      await exploreSchedules({
        scenario,
        runs: 100,
        seed,
        run: async (s, schedule) => {
          runs++;
          const held = await holds(s, schedule);
          if (!held && found === 0) found = runs;
          return held;
        },
      });
      return found;
    }),
  );
}

describe('exploreSchedules', () => {
  it('shrinks a failing schedule to the one fault that matters, at its smallest', async () => {
    const result = await exploreSchedules({ scenario, runs: 200, seed: 7, run: breaksWhenBankDiesLong });
    expect(result.failed).toBe(true);
    if (!result.failed) return;
    expect(result.minimal).toEqual([{ action: { kind: 'kill', process: 'bank' }, atMs: 0, forMs: 1001 }]);
  });

  it("replays fast-check's shrunk schedule exactly from its seed and path", async () => {
    const first = await exploreSchedules({ scenario, runs: 200, seed: 7, run: breaksWhenBankDiesLong });
    if (!first.failed) return expect.fail('expected a failure');
    const seen: GeneratedFault[][] = [];
    const replayed = await exploreSchedules({
      scenario,
      runs: 1,
      seed: first.seed,
      path: first.path,
      run: async (s, schedule) => (seen.push([...schedule]), breaksWhenBankDiesLong(s, schedule)),
    });
    expect(seen[0]).toEqual(first.shrunk);
    expect(replayed.failed).toBe(true);
  });

  it('never runs two schedules at once, not even when the time limit stops the search mid-run', async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    const slow = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 60));
      running--;
      finished++;
      return breaksWhenBankDiesLong(_s, schedule);
    };
    await exploreSchedules({ scenario, runs: 200, seed: 7, timeLimitMs: 100, run: slow });
    expect(running).toBe(0); // the run the time limit interrupted had ended before explore returned
    expect(most).toBe(1);
    expect(finished).toBeGreaterThan(0);
  });

  it('stops at a run that throws (the harness failed: nothing ran) and throws its error, never shrinking it as a counterexample', async () => {
    let runs = 0;
    const broken = async (): Promise<boolean> => {
      runs++;
      if (runs === 2) throw new Error('the cluster went away');
      return true;
    };
    await expect(exploreSchedules({ scenario, runs: 50, seed: 3, run: broken })).rejects.toThrow('the cluster went away');
    expect(runs).toBe(2);
  });

  it('reports no failure when every schedule holds', async () => {
    expect(await exploreSchedules({ scenario, runs: 20, seed: 1, run: async () => true })).toEqual({
      failed: false,
      runs: 20,
      seed: 1,
      schedulesRun: 20,
      timeLimitReached: false,
    });
  });

  it('ends within its time limit, shrinking, dropping unneeded faults and re-running included: no run starts that would not end in time', async () => {
    // Each run takes 200 ms of a clock that moves only with the runs (a busy machine cannot stretch it); the
    // "system" breaks under any two faults, so the smallest failing schedule has two, and dropping either is tried,
    // each three times, as are the re-runs of the smallest: far more runs than fit in 1500 ms.
    let clock = 0;
    const notes: string[] = [];
    const taking200ms = async (_s: unknown, schedule: readonly GeneratedFault[], note: string): Promise<boolean> => {
      notes.push(note);
      await Promise.resolve();
      clock += 200;
      return schedule.length < 2;
    };
    const result = await exploreSchedules({
      scenario,
      runs: 200,
      seed: 7,
      timeLimitMs: 1500,
      now: () => clock,
      confirm: 3,
      reruns: 3,
      run: taking200ms,
    });
    expect(result).toMatchObject({ failed: true, timeLimitReached: true });
    // runs started at 0, 200, ..., 1200: the eighth would have ended at 1600
    expect(result.schedulesRun).toBe(7);
    expect(notes).toHaveLength(7);
    expect(clock).toBe(1400);
  });

  it('re-runs the smallest schedule `reruns` times when there is time, and says how often it failed', async () => {
    let runs = 0;
    const flaky = async (_s: unknown, schedule: readonly GeneratedFault[], note: string): Promise<boolean> => {
      runs++;
      if (note.includes('re-run 2')) return true; // the second re-run happens to hold
      return breaksWhenBankDiesLong(_s, schedule);
    };
    const result = await exploreSchedules({ scenario, runs: 200, seed: 7, reruns: 3, run: flaky });
    if (!result.failed) return expect.fail('expected a failure');
    expect(result.reruns).toEqual({ ran: 3, failed: 2 });
    expect(result.schedulesRun).toBe(runs);
    expect(result.timeLimitReached).toBe(false);
  });
});

describe('the generated schedules', () => {
  const sample = fc.sample(scheduleArbitrary(bankAndStore, { maxFaults: 3, longestMs: 40_000 }), { numRuns: 400, seed: 11 });
  const faults = sample.flat();

  it('hold 1 to maxFaults faults each', () => {
    expect(sample.every((schedule) => schedule.length >= 1 && schedule.length <= 3)).toBe(true);
  });

  it('last both less and more than the retry budgets in play: 0.3 to 4 s mostly, up to the longest outage sometimes', () => {
    const durations = faults.filter((f) => f.action.kind !== 'toxic' || f.action.toxic !== 'reset_peer').map((f) => f.forMs);
    expect(Math.min(...durations)).toBeLessThan(1000);
    expect(durations.filter((d) => d > 25_000).length).toBeGreaterThan(10);
    expect(durations.filter((d) => d <= 4000).length).toBeGreaterThan(durations.length / 2);
  });

  it('include partitions of one link after another, kill-restart cycles of a worker, bursts of lost responses, and lost responses followed by an outage of that link', () => {
    const linkSequence = sample.some(
      (s) =>
        s.length > 1 &&
        s.every((f) => f.action.kind === 'link-down') &&
        new Set(s.map((f) => (f.action as { link: string }).link)).size === s.length,
    );
    const killCycle = sample.some(
      (s) =>
        s.length > 1 &&
        s.every((f) => f.action.kind === 'kill' && f.action.process === 'worker') &&
        s.every((f, i) => i === 0 || f.atMs >= s[i - 1]!.atMs + s[i - 1]!.forMs),
    );
    const burst = sample.some(
      (s) =>
        s.length > 1 &&
        s.every(
          (f) =>
            f.action.kind === 'toxic' &&
            f.action.toxic === 'reset_peer' &&
            f.action.stream === 'downstream' &&
            f.action.link === (s[0]!.action as { link: string }).link,
        ),
    );
    const lostThenDown = sample.some((s) => {
      const last = s.at(-1)!;
      return (
        s.length > 1 &&
        last.action.kind === 'link-down' &&
        last.forMs > 25_000 &&
        s
          .slice(0, -1)
          .every(
            (f) =>
              f.action.kind === 'toxic' &&
              f.action.toxic === 'reset_peer' &&
              f.action.link === (last.action as { link: string }).link &&
              f.atMs + f.forMs <= last.atMs,
          )
      );
    });
    expect([linkSequence, killCycle, burst, lostThenDown]).toEqual([true, true, true, true]);
  });

  it('on the services cluster, fault its processes and database links instead of the dev server, and bind to a services scenario', () => {
    const services = fc.sample(scheduleArbitrary(bankAndStore, { maxFaults: 3 }, 'services'), { numRuns: 400, seed: 11 }).flat();
    const killed = new Set(services.flatMap((f) => (f.action.kind === 'kill' ? [f.action.process] : [])));
    const linked = new Set(services.flatMap((f) => (f.action.kind === 'link-down' || f.action.kind === 'toxic' ? [f.action.link] : [])));
    expect(killed.has('temporal')).toBe(false);
    expect(['postgres', 'temporal-history', 'temporal-matching'].every((p) => killed.has(p))).toBe(true);
    expect(linked.has('temporal-history-postgres')).toBe(true);
    expect(faults.some((f) => f.action.kind === 'kill' && f.action.process === 'temporal')).toBe(true);
    const onServices = bindScenario(defineScenario({ ...scenario, cluster: 'services', faults: [] }), bankAndStore);
    expect(() => withSchedule(onServices, services.slice(0, 3))).not.toThrow();
  });

  it('find a bug that needs a lost answer from the bank within a few schedules', async () => {
    const losesAnAnswer = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> =>
      !schedule.some(
        (f) =>
          f.action.kind === 'toxic' &&
          f.action.toxic === 'reset_peer' &&
          f.action.stream === 'downstream' &&
          f.action.link === 'worker-bank',
      );
    const firstFailure = await schedulesUntilFirstFailure(losesAnAnswer);
    console.log(`schedules until a lost bank answer, seeds 0-9: ${firstFailure.join(', ')}`);
    expect(Math.max(...firstFailure)).toBeLessThanOrEqual(30);
    expect(firstFailure.every((n) => n > 0)).toBe(true);
    const result = await exploreSchedules({ scenario, runs: 30, seed: 1, run: losesAnAnswer });
    expect(result.failed).toBe(true);
    if (result.failed) expect(result.minimal).toHaveLength(1);
  });

  it('find a bug that needs a lost bank answer and then a bank outage past the retry budget, and shrink it to those two faults', async () => {
    // The tutorial transfer's bug: a withdraw applied but its answer lost, then the bank unreachable for longer than the withdraw's 6 attempts.
    const givesUpOnAnAppliedWithdraw = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> => {
      const lost = schedule.find(
        (f) =>
          f.action.kind === 'toxic' &&
          f.action.toxic === 'reset_peer' &&
          f.action.stream === 'downstream' &&
          f.action.link === 'worker-bank',
      );
      return (
        !lost ||
        !schedule.some(
          (f) =>
            'atMs' in f &&
            'atMs' in lost &&
            f.action.kind === 'link-down' &&
            f.action.link === 'worker-bank' &&
            f.atMs >= lost.atMs &&
            f.forMs >= 25_000,
        )
      );
    };
    const firstFailure = await schedulesUntilFirstFailure(givesUpOnAnAppliedWithdraw);
    console.log(`schedules until a lost bank answer then a long bank outage, seeds 0-9: ${firstFailure.join(', ')}`);
    expect(firstFailure.every((n) => n > 0)).toBe(true);
    const result = await exploreSchedules({ scenario, runs: 100, seed: 1, run: givesUpOnAnAppliedWithdraw });
    expect(result.failed).toBe(true);
    if (result.failed) expect(result.minimal.map((f) => f.action.kind)).toEqual(['toxic', 'link-down']);
  });
});

describe('schedules over points', () => {
  /** The points a fault-free run of 6 transfers passes (as a warm-up's catalogue gives them). */
  const catalogue: PointCatalogue = {
    activities: { withdraw: 6, deposit: 5, refund: 1 },
    requests: { 'worker-bank': { 'POST /withdraw': 6, 'POST /deposit': 5, 'POST /refund': 1 } },
  };
  /** A stand-in for a run: the per-attempt deposit key breaks when a deposit's answer is lost, or its worker dies after it returned. */
  const breaksOnARetriedDeposit = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> =>
    !schedule.some(
      (f) =>
        'point' in f &&
        (('request' in f.point && f.point.kind === 'POST /deposit' && f.point.on === 'answered' && f.action.kind === 'drop') ||
          ('activity' in f.point && f.point.activity === 'deposit' && f.point.on === 'returned' && f.action.kind === 'kill')),
    );

  it('place every fault at a point the catalogue has, within its count', () => {
    const sample = fc.sample(pointScheduleArbitrary(catalogue, { links: ['worker-bank'] })!, { numRuns: 300, seed: 5 }).flat();
    for (const fault of sample) {
      const { point } = fault;
      if ('request' in point) expect(point.nth!).toBeLessThanOrEqual(catalogue.requests[point.request]![point.kind!]!);
      if ('activity' in point) expect(point.nth!).toBeLessThanOrEqual(catalogue.activities[point.activity as string]!);
    }
    expect(new Set(sample.map((f) => `${f.action.kind} ${'request' in f.point ? f.point.on : (f.point as { on: string }).on}`))).toEqual(
      new Set(['drop answered', 'drop seen', 'kill returned', 'link-down started']),
    );
  });

  it('find a bug that needs a retried deposit within a few schedules for any seed, and shrink it to the first such point', async () => {
    const found: number[] = [];
    const minimal: string[] = [];
    for (let seed = 0; seed < 10; seed++) {
      let runs = 0;
      let first = 0;
      const result = await exploreSchedules({
        scenario,
        runs: 50,
        seed,
        catalogue,
        run: async (s, schedule) => {
          runs++;
          const held = await breaksOnARetriedDeposit(s, schedule);
          if (!held && first === 0) first = runs;
          return held;
        },
      });
      found.push(first);
      if (result.failed) minimal.push(result.minimal.map((f) => describeGenerated(bankAndStore, f)).join('; '));
    }
    console.log(`schedules until a retried deposit, seeds 0-9: ${found.join(', ')}`);
    expect(found.every((n) => n > 0 && n <= 15)).toBe(true);
    console.log(`smallest schedules: ${[...new Set(minimal)].join(' | ')}`);
    for (const line of minimal)
      expect([
        'the answer to POST /deposit #1 on worker-bank lost after the part applied it',
        'kill -9 the worker right after the 1st deposit attempt returned, before its completion reached Temporal, for 300ms',
      ]).toContain(line);
  });
});
