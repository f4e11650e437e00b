/**
 * Exploring fault schedules with fast-check: generate schedules of faults, run the scenario's workload under each
 * on a real cluster, and when an invariant breaks, shrink the schedule to a minimal one (fewer faults, earlier,
 * shorter, simpler). Given the points a fault-free run of the workload passed (explore-points.ts), most schedules
 * place their faults at those points, so a counterexample lands where it did every time it runs again; the rest are
 * timed, for faults that are about time. fast-check's seed and path replay that exact schedule.
 */
import fc from 'fast-check';
import { searchOneAtATime } from '../../base/search.ts';
import { type PointCatalogue, type PointFault, pointScheduleArbitrary } from './explore-points.ts';
import { type FaultAction, faultKindsOf } from './faults/index.ts';
import type { FaultKinds, FaultTargets } from './faults/kind.ts';
import { formatDuration } from '../../base/duration.ts';
import { describePointFault } from './points.ts';
import { bindScenario, type BoundScenario, defineScenario, type FaultSpec, faultTargets, type Scenario } from './scenario.ts';
import { type System, TEMPORAL_LINKS } from './system.ts';

/** One generated fault placed at a time: what, when, for how long (milliseconds). */
export interface TimedFault {
  action: FaultAction;
  atMs: number;
  forMs: number;
}

/** One generated fault: at a time, or at a point. */
export type GeneratedFault = TimedFault | PointFault;

export type { PointCatalogue, PointFault };

/**
 * The faults a system's cluster can suffer, from every fault kind explore may generate (its `arbitrary`): kill or
 * pause of a worker or a part (kill of Temporal too: the dev server, or on the services cluster each of its
 * processes, whose database links join the system's), any link, and the system's own kinds that say how.
 */
function actionArbitrary(kinds: FaultKinds, targets: FaultTargets): fc.Arbitrary<FaultAction> {
  const arbitraries = kinds.all().flatMap((kind) => kind.arbitrary?.(targets) ?? []);
  return fc.oneof(...(arbitraries as fc.Arbitrary<FaultAction>[]));
}

export interface ScheduleShape {
  /** Faults in one schedule at most. */
  maxFaults?: number;
  /** Faults start within this long of the workload's start. */
  windowMs?: number;
  /** The longest outage to try: past the retry budgets and timeouts in play (the default, 40 s, is past the SDK's default activity budgets of a few tries). */
  longestMs?: number;
}

/**
 * How long a fault lasts: mostly short (0.3 to 4 s, under most retry budgets), one time in four long (up to
 * `longestMs`, past them), so that both sides of every budget get tried.
 */
function durationArbitrary(longestMs: number): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.integer({ min: 300, max: 4000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 4001, max: Math.max(4001, longestMs) }), weight: 1 },
  );
}

/**
 * Fault schedules, of five kinds (the nemesis schedules that find bugs fastest in the literature, next to plain
 * random ones):
 * - any faults, anywhere, at random times;
 * - partitions of one link at a time in sequence, healed in a random order ("clog one, unclog in random order");
 * - cycles of killing and restarting a worker;
 * - bursts of lost responses: a link between the workers and a part resets each answer for a few hundred
 *   milliseconds at a time, after the part applied the call;
 * - lost answers, then an outage of the same link: a call that applied but whose answer was lost is followed by an
 *   outage that lasts past the retry budget, so the workflow gives up on a step that in fact happened (the bug a
 *   workflow without compensation for uncertain steps has, which neither fault finds alone).
 * Every schedule holds 1 to `maxFaults` faults. Shrinks toward fewer, earlier, shorter faults.
 */
export function scheduleArbitrary(
  system: Pick<System, 'parts' | 'partLinks' | 'faultKinds'>,
  shape: ScheduleShape = {},
  cluster?: Scenario['cluster'],
): fc.Arbitrary<TimedFault[]> {
  const maxFaults = shape.maxFaults ?? 3;
  const windowMs = shape.windowMs ?? 4000;
  const duration = durationArbitrary(shape.longestMs ?? 40_000);
  const targets = faultTargets(system, cluster, 2);
  const links = targets.links;
  const partLinks = system.partLinks.filter((link) => link.from === 'worker').map((link) => link.name);
  const count = fc.integer({ min: 1, max: maxFaults });
  const random = fc.array(
    fc.record({ action: actionArbitrary(faultKindsOf(system), targets), atMs: fc.integer({ min: 0, max: windowMs }), forMs: duration }),
    { minLength: 1, maxLength: maxFaults },
  );
  const partitions = fc
    .record({
      links: fc.shuffledSubarray([...links], { minLength: 1, maxLength: Math.min(maxFaults, links.length) }),
      atMs: fc.integer({ min: 0, max: windowMs }),
      gapMs: fc.integer({ min: 0, max: 2000 }),
      forMs: duration,
      order: fc.nat(),
    })
    .map(({ links: chosen, atMs, gapMs, forMs, order }) => {
      // Link i goes down at atMs + i * gap; they come back in a random order, one gap apart, after forMs.
      const healOrder = rotate(
        chosen.map((_, i) => i),
        order,
      );
      return chosen.map((link, i): TimedFault => ({
        action: { kind: 'link-down', link },
        atMs: atMs + i * gapMs,
        forMs: forMs + (chosen.length - i + healOrder[i]!) * gapMs,
      }));
    });
  const killCycles = fc
    .record({
      cycles: count,
      atMs: fc.integer({ min: 0, max: windowMs }),
      forMs: fc.integer({ min: 300, max: 3000 }),
      gapMs: fc.integer({ min: 200, max: 3000 }),
    })
    .map(({ cycles, atMs, forMs, gapMs }) =>
      Array.from({ length: cycles }, (_, i): TimedFault => ({
        action: { kind: 'kill', process: 'worker' },
        atMs: atMs + i * (forMs + gapMs),
        forMs,
      })),
    );
  const bursts =
    partLinks.length === 0
      ? random
      : fc
          .record({
            link: fc.constantFrom(...partLinks),
            pulses: count,
            atMs: fc.integer({ min: 0, max: windowMs }),
            forMs: fc.integer({ min: 300, max: 700 }),
            gapMs: fc.integer({ min: 300, max: 1500 }),
          })
          .map(({ link, pulses, atMs, forMs, gapMs }) =>
            Array.from({ length: pulses }, (_, i): TimedFault => ({
              action: { kind: 'toxic', link, toxic: 'reset_peer', stream: 'downstream' },
              atMs: atMs + i * (forMs + gapMs),
              forMs,
            })),
          );
  const lostThenDown =
    partLinks.length === 0
      ? random
      : fc
          .record({
            link: fc.constantFrom(...partLinks),
            pulses: fc.integer({ min: 1, max: Math.max(1, maxFaults - 1) }),
            atMs: fc.integer({ min: 0, max: windowMs }),
            gapMs: fc.integer({ min: 300, max: 1500 }),
            outageMs: fc.integer({ min: 4001, max: Math.max(4001, shape.longestMs ?? 40_000) }),
          })
          .map(({ link, pulses, atMs, gapMs, outageMs }) => {
            const pulseMs = 500;
            const lost = Array.from({ length: pulses }, (_, i): TimedFault => ({
              action: { kind: 'toxic', link, toxic: 'reset_peer', stream: 'downstream' },
              atMs: atMs + i * (pulseMs + gapMs),
              forMs: pulseMs,
            }));
            const outage: TimedFault = {
              action: { kind: 'link-down', link },
              atMs: atMs + pulses * (pulseMs + gapMs),
              forMs: outageMs,
            };
            return [...lost, outage];
          });
  return fc.oneof(random, partitions, killCycles, bursts, lostThenDown);
}

/** `items` rotated left by `by` places: a cheap seeded permutation that shrinks to the identity. */
function rotate<T>(items: T[], by: number): T[] {
  const k = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * The schedules explore generates: given the catalogue of a fault-free run's points, three in four place their
 * faults at those points (and a timed schedule shrinks toward them first), the rest are timed; without one, all are
 * timed.
 */
export function exploredArbitrary(
  system: Pick<System, 'parts' | 'partLinks' | 'faultKinds'>,
  shape: ScheduleShape,
  cluster?: Scenario['cluster'],
  catalogue?: PointCatalogue,
): fc.Arbitrary<GeneratedFault[]> {
  const timed = scheduleArbitrary(system, shape, cluster);
  const links = [TEMPORAL_LINKS[0], ...system.partLinks.filter((link) => link.from === 'worker').map((link) => link.name)];
  const points = catalogue && pointScheduleArbitrary(catalogue, { maxFaults: shape.maxFaults, longestMs: shape.longestMs, links });
  if (!points) return timed;
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: points as fc.Arbitrary<GeneratedFault[]>, weight: 3 },
    { arbitrary: timed as fc.Arbitrary<GeneratedFault[]>, weight: 1 },
  );
}

/** A generated fault as one line: "kill -9 worker at 1200 ms for 800 ms", "the answer to POST /deposit #1 on worker-bank lost after the part applied it". */
export function describeGenerated(system: Pick<System, 'faultKinds'>, fault: GeneratedFault): string {
  const what = faultKindsOf(system).of(fault.action).describe(fault.action);
  if (!('point' in fault)) return `${what} at ${fault.atMs} ms for ${fault.forMs} ms`;
  return describePointFault(
    fault.action,
    what,
    fault.point,
    fault.forMs !== undefined ? `for ${formatDuration(fault.forMs, 100)}` : undefined,
  );
}

export function toFaultSpecs(schedule: readonly GeneratedFault[]): FaultSpec[] {
  return schedule.map((f) =>
    'point' in f
      ? { action: f.action, at: f.point, ...(f.forMs !== undefined ? { for: f.forMs } : {}) }
      : { action: f.action, at: f.atMs, for: f.forMs },
  );
}

/** The scenario with its faults replaced by a generated schedule. */
export function withSchedule<Params>(scenario: BoundScenario<Params>, schedule: readonly GeneratedFault[]): BoundScenario<Params> {
  return bindScenario(defineScenario({ ...scenario, name: `${scenario.name}-explored`, faults: toFaultSpecs(schedule) }), scenario.system);
}

export interface ExploreOptions {
  scenario: BoundScenario;
  /** Schedules to try. */
  runs: number;
  /** fast-check's seed; with `path`, replays one exact schedule. */
  seed: number;
  path?: string;
  maxFaults?: number;
  /** The longest outage a generated fault may be (ms); see ScheduleShape. */
  longestMs?: number;
  /**
   * The whole search's time: exploring, shrinking, dropping unneeded faults and re-running the smallest schedule.
   * No run starts that would not end within it, judged by the longest run so far; what was found by then is the
   * result (the smallest failing schedule so far).
   */
  timeLimitMs?: number;
  /** The clock the time limit is kept by (default Date.now). */
  now?: () => number;
  /** The points a fault-free run of the workload passed: schedules then place most faults there. */
  catalogue?: PointCatalogue;
  /**
   * A schedule breaks an invariant when it broke one in this many runs in a row (default 1): a failure that does not
   * repeat is not kept, so the search and its shrinking keep to schedules that fail again when run again.
   */
  confirm?: number;
  /** How many times the smallest schedule is run again, to say how often it fails (default 0). */
  reruns?: number;
  /**
   * Run the scenario under a schedule, once; true when every invariant held. `note` says which run it is, for
   * people: '' while exploring, ' (confirming: run 2 of 2)', ' (re-run 1 of 3 of the smallest schedule)'.
   */
  run: (scenario: BoundScenario, schedule: readonly GeneratedFault[], note: string) => Promise<boolean>;
  /** Told when a schedule that failed held when run again to confirm it. */
  onUnconfirmed?: () => void;
}

interface SearchEnd {
  seed: number;
  /** Runs on the cluster, each confirming run and re-run counted. */
  schedulesRun: number;
  /** The time limit ended the search before it had tried, shrunk, dropped and re-run all it would have. */
  timeLimitReached: boolean;
}

export type ExploreResult =
  | (SearchEnd & { failed: false; runs: number })
  | (SearchEnd & {
      failed: true;
      runs: number;
      /** fast-check's path to its shrunk counterexample: with the seed, it replays that schedule. */
      path: string;
      /** fast-check's shrunk counterexample. */
      shrunk: GeneratedFault[];
      /** The shrunk schedule with every fault that is not needed for the failure removed. */
      minimal: GeneratedFault[];
      shrinks: number;
      /** The smallest schedule run again `reruns` times (fewer when the time limit came first): how often it failed. */
      reruns: { ran: number; failed: number };
    });

/**
 * The runs of one search under its time limit: a run that would not end within it (by the longest run so far) is
 * not started, and counts as holding, which ends shrinking and dropping where they are.
 */
class RunBudget {
  private longestMs = 0;
  schedulesRun = 0;
  limitReached = false;

  constructor(
    private readonly deadline: number,
    private readonly run: ExploreOptions['run'],
    private readonly now: () => number,
  ) {}

  /** Run one schedule; undefined when it was not run, for lack of time. */
  async once(scenario: BoundScenario, schedule: readonly GeneratedFault[], note: string): Promise<boolean | undefined> {
    if (this.now() + this.longestMs > this.deadline) {
      this.limitReached = true;
      return undefined;
    }
    const started = this.now();
    const held = await this.run(scenario, schedule, note);
    this.schedulesRun++;
    this.longestMs = Math.max(this.longestMs, this.now() - started);
    return held;
  }
}

export async function exploreSchedules(options: ExploreOptions): Promise<ExploreResult> {
  const now = options.now ?? Date.now;
  const deadline = options.timeLimitMs === undefined ? Infinity : now() + options.timeLimitMs;
  const budget = new RunBudget(deadline, options.run, now);
  const confirm = options.confirm ?? 1;
  const holds = async (schedule: readonly GeneratedFault[]): Promise<boolean> => {
    const scenario = withSchedule(options.scenario, schedule);
    for (let i = 1; i <= confirm; i++) {
      const held = await budget.once(scenario, schedule, i > 1 ? ` (confirming: run ${i} of ${confirm})` : '');
      if (held === undefined) return true; // not run: out of time
      if (held) {
        if (i > 1) options.onUnconfirmed?.();
        return true;
      }
    }
    return false;
  };
  const shape = { maxFaults: options.maxFaults, windowMs: Math.max(options.scenario.spreadOverMs, 4000), longestMs: options.longestMs };
  const search = await searchOneAtATime(
    exploredArbitrary(options.scenario.system, shape, options.scenario.cluster, options.catalogue),
    holds,
    {
      runs: options.runs,
      seed: options.seed,
      path: options.path,
      timeLimitMs: options.timeLimitMs,
    },
  );
  const end = (): SearchEnd => ({ seed: search.seed, schedulesRun: budget.schedulesRun, timeLimitReached: budget.limitReached });
  if (!search.failed) return { failed: false, runs: search.runs, ...end() };
  const shrunk = search.counterexample;
  const minimal = await dropUnneeded(shrunk, holds);
  // How often the smallest schedule fails again: a fault at a point lands there every time; one at a time may not.
  const reruns = { ran: 0, failed: 0 };
  const total = options.reruns ?? 0;
  for (let i = 1; i <= total; i++) {
    const held = await budget.once(withSchedule(options.scenario, minimal), minimal, ` (re-run ${i} of ${total} of the smallest schedule)`);
    if (held === undefined) break;
    reruns.ran++;
    if (!held) reruns.failed++;
  }
  return { failed: true, runs: search.runs, path: search.path, shrunk, minimal, shrinks: search.shrinks, reruns, ...end() };
}

/**
 * fast-check shrinks to a local minimum: a fault that does not matter can survive next to one that does. Try
 * the schedule without each fault in turn, and keep it out when the run still fails.
 */
async function dropUnneeded(
  schedule: GeneratedFault[],
  holds: (schedule: readonly GeneratedFault[]) => Promise<boolean>,
): Promise<GeneratedFault[]> {
  let minimal = schedule;
  for (let i = minimal.length - 1; i >= 0 && minimal.length > 1; i--) {
    const without = minimal.filter((_, j) => j !== i);
    if (!(await holds(without))) minimal = without;
  }
  return minimal;
}
