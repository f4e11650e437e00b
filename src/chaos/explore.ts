/**
 * Exploring fault schedules with fast-check: generate schedules of faults, run the scenario's workload under each
 * on a real cluster, and when an invariant breaks, shrink the schedule to a minimal one (fewer faults, earlier,
 * shorter, simpler). fast-check's seed and path replay that exact schedule.
 */
import fc from 'fast-check';
import { bindScenario, type BoundScenario, defineScenario, type FaultAction, type FaultSpec, TOXICS } from './scenario.ts';
import { linkNames, type System } from './system.ts';

/** One generated fault: what, when, for how long (milliseconds). */
export interface GeneratedFault {
  action: FaultAction;
  atMs: number;
  forMs: number;
}

/** The faults a system's cluster can suffer: kill or pause of a worker or a part (kill of Temporal too), and any link. */
function actionArbitrary(system: Pick<System, 'parts' | 'partLinks'>): fc.Arbitrary<FaultAction> {
  const links = linkNames(system);
  const processes = ['worker', ...Object.keys(system.parts)];
  return fc.oneof(
    fc.record({ kind: fc.constant('kill' as const), process: fc.constantFrom(...processes, 'temporal') }),
    fc.record({ kind: fc.constant('link-down' as const), link: fc.constantFrom(...links) }),
    fc.record({ kind: fc.constant('pause' as const), process: fc.constantFrom(...processes) }),
    fc.record({ kind: fc.constant('toxic' as const), link: fc.constantFrom(...links), toxic: fc.constantFrom(...TOXICS), stream: fc.constantFrom('downstream' as const, 'upstream' as const) }),
  );
}

/** Schedules of 1 to `maxFaults` faults starting within the first `windowMs`, each lasting 0.3 to 4 s. Shrinks toward fewer, earlier, shorter faults. */
export function scheduleArbitrary(system: Pick<System, 'parts' | 'partLinks'>, maxFaults = 3, windowMs = 4000): fc.Arbitrary<GeneratedFault[]> {
  return fc.array(fc.record({ action: actionArbitrary(system), atMs: fc.integer({ min: 0, max: windowMs }), forMs: fc.integer({ min: 300, max: 4000 }) }), { minLength: 1, maxLength: maxFaults });
}

export function toFaultSpecs(schedule: readonly GeneratedFault[]): FaultSpec[] {
  return schedule.map((f) => ({ action: f.action, at: f.atMs, for: f.forMs }));
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
  /** Stop shrinking after this long and report the smallest failing schedule found so far. */
  timeLimitMs?: number;
  /** Run the scenario under a schedule; true when every invariant held. */
  run: (scenario: BoundScenario, schedule: readonly GeneratedFault[]) => Promise<boolean>;
}

export type ExploreResult =
  | { failed: false; runs: number; seed: number }
  | {
      failed: true;
      runs: number;
      seed: number;
      /** fast-check's path to its shrunk counterexample: with the seed, it replays that schedule. */
      path: string;
      /** fast-check's shrunk counterexample. */
      shrunk: GeneratedFault[];
      /** The shrunk schedule with every fault that is not needed for the failure removed. */
      minimal: GeneratedFault[];
      shrinks: number;
    };

export async function exploreSchedules(options: ExploreOptions): Promise<ExploreResult> {
  const property = fc.asyncProperty(scheduleArbitrary(options.scenario.system, options.maxFaults), async (schedule) => options.run(withSchedule(options.scenario, schedule), schedule));
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    path: options.path,
    endOnFailure: options.path !== undefined,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
  });
  if (!details.failed || !details.counterexample || details.counterexamplePath === null) return { failed: false, runs: details.numRuns, seed: details.seed };
  const shrunk = details.counterexample[0];
  return { failed: true, runs: details.numRuns, seed: details.seed, path: details.counterexamplePath, shrunk, minimal: await dropUnneeded(shrunk, options), shrinks: details.numShrinks };
}

/**
 * fast-check shrinks to a local minimum: a fault that does not matter can survive next to one that does. Try
 * the schedule without each fault in turn, and keep it out when the run still fails.
 */
async function dropUnneeded(schedule: GeneratedFault[], options: ExploreOptions): Promise<GeneratedFault[]> {
  let minimal = schedule;
  for (let i = minimal.length - 1; i >= 0 && minimal.length > 1; i--) {
    const without = minimal.filter((_, j) => j !== i);
    if (!(await options.run(withSchedule(options.scenario, without), without))) minimal = without;
  }
  return minimal;
}
