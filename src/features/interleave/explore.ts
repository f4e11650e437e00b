/**
 * Exploring interleavings with fast-check: an ordering is which events a run sends and, at each point where the
 * workflow has settled, which of the possible next steps to take (as small numbers: 0 is the canonical step, the
 * oldest call answered first). fast-check generates orderings, each is run on the time-skipping server and judged,
 * and a failing one is shrunk toward fewer events and canonical steps: the minimal ordering that still fails.
 * Its seed and path replay it exactly.
 */
import fc from 'fast-check';
import { searchOneAtATime } from '../../base/search.ts';
import type { Interleavings } from './definition.ts';
import { historyShape } from './shape.ts';
import { type Chooser, InterleaveError, runOrdering } from './run.ts';
import type { InterleavingRun, Step } from './run-record.ts';
import type { InterleaveSession } from './session.ts';

/** The built-in properties, checked on every run besides the definition's. */
export const BUILT_IN_PROPERTIES = ['ended', 'no-workflow-task-failure', 'replays-clean'] as const;

export interface Violation {
  property: string;
  message: string;
}

/** A property that threw instead of answering: a bug in the property, not a verdict. */
export class PropertyError extends InterleaveError {
  override name = 'PropertyError';
}

/** Every property's verdict on a run: the violations (none when all held). */
export async function judgeRun(run: InterleavingRun, interleavings: Interleavings, session: InterleaveSession): Promise<Violation[]> {
  const violations: Violation[] = [];
  if (run.stuck !== undefined) violations.push({ property: 'ended', message: run.stuck });
  if (run.workflowTaskFailure !== undefined) violations.push({ property: 'no-workflow-task-failure', message: run.workflowTaskFailure });
  const replayError = await session.replay(run.history, run.workflowId);
  if (replayError !== undefined) violations.push({ property: 'replays-clean', message: replayError });
  for (const property of interleavings.properties) {
    let verdict: boolean | string;
    try {
      verdict = property.check(run);
    } catch (error) {
      throw new PropertyError(
        `property '${property.name}' threw instead of answering true, false or a message: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        { cause: error },
      );
    }
    if (verdict === true) continue;
    if (verdict === false || typeof verdict === 'string')
      violations.push({ property: property.name, message: verdict === false ? 'did not hold' : verdict });
    else
      throw new PropertyError(
        `property '${property.name}' answered ${JSON.stringify(verdict)}; expected true, false or a message saying what went wrong`,
      );
  }
  return violations;
}

/** An ordering as fast-check generates it. */
export interface GeneratedOrdering {
  /** Per event of the definition: whether this run sends it. */
  events: boolean[];
  /** At each decision, which possible step (modulo how many there are); past the end, the canonical one. */
  choices: number[];
}

export function orderingArbitrary(interleavings: Interleavings): fc.Arbitrary<GeneratedOrdering> {
  const count = interleavings.events.length;
  return fc.record({
    events: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
    choices: fc.array(fc.nat({ max: 15 }), { maxLength: interleavings.maxSteps }),
  });
}

export function chooserOf(choices: readonly number[]): Chooser {
  return (possible, taken) => possible[(choices[taken] ?? 0) % possible.length]!;
}

/** The same step, as a saved ordering names it (an advance is the same when it moves to the same next point). */
export function sameStep(a: Step, b: Step): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'send' && b.kind === 'send') return a.event === b.event;
  if (a.kind === 'advance') return true;
  if ((a.kind === 'complete' || a.kind === 'fail') && (b.kind === 'complete' || b.kind === 'fail'))
    return a.activity === b.activity && a.call === b.call && (a.kind === 'complete' || (b.kind === 'fail' && a.failure === b.failure));
  return false;
}

/** Follows saved steps one by one; a step no longer possible is an error naming it. Past the end, the canonical step. */
export function replayChooser(steps: readonly Step[], describe: (step: Step) => string): Chooser {
  return (possible, taken) => {
    const wanted = steps[taken];
    if (!wanted) return possible[0]!;
    const found = possible.find((step) => sameStep(step, wanted));
    if (!found)
      throw new InterleaveError(
        `the saved ordering no longer applies: its step ${taken + 1} (${describe(wanted)}) is not possible here; possible: ${possible.map(describe).join(', ')}`,
      );
    return found;
  };
}

interface WorkflowMetadata {
  definition?: { signalDefinitions?: { name?: string }[] };
}

/**
 * Run the canonical ordering with every event once, asking the workflow at each settled point which signals it
 * defines (its built-in metadata query): an event naming a signal it never defines is a mistake in the definition,
 * which would otherwise only be buffered, unread, in every run.
 */
export async function checkSignalsDefined(session: InterleaveSession, interleavings: Interleavings, workflowId: string): Promise<void> {
  const signals = interleavings.events.flatMap((event, i) => (event.kind === 'signal' ? [{ name: event.signal, i }] : []));
  if (signals.length === 0) return;
  const defined = new Set<string>();
  await runOrdering({
    session,
    interleavings,
    workflowId,
    events: new Set(interleavings.events.map((_, i) => i)),
    choose: chooserOf([]),
    onSettled: async (handle) => {
      const metadata = await handle.query<WorkflowMetadata>('__temporal_workflow_metadata');
      for (const signal of metadata.definition?.signalDefinitions ?? []) if (signal.name) defined.add(signal.name);
    },
  });
  const unknown = signals.find((signal) => !defined.has(signal.name));
  if (unknown) {
    throw new InterleaveError(
      `events[${unknown.i}].signal: the workflow ${interleavings.workflowType} defines no signal '${unknown.name}' (it defines ${[...defined].sort().join(', ') || 'none'})`,
    );
  }
}

export interface ExploreOptions {
  session: InterleaveSession;
  interleavings: Interleavings;
  runs: number;
  seed: number;
  /** With the seed, replays one ordering fast-check reported. */
  path?: string;
  /** Stop exploring (and shrinking) after this long. */
  timeLimitMs?: number;
  /** Every run's workflow id starts with this. */
  idPrefix: string;
  /** Called after every run with its verdict (for shapes, progress). */
  onRun?: (run: InterleavingRun, violations: readonly Violation[]) => void;
}

export type ExploreResult = {
  runs: number;
  seed: number;
  ms: number;
  /** Distinct history shapes the runs produced, with one run of each. */
  shapes: Map<string, InterleavingRun>;
} & (
  | { failed: false }
  | {
      failed: true;
      path: string;
      shrinks: number;
      ordering: GeneratedOrdering;
      /** The shrunk ordering, run again: its timeline and its violations. */
      run: InterleavingRun;
      violations: Violation[];
      /** Time until the first failing ordering, and until it was shrunk. */
      foundMs: number;
      shrunkMs: number;
    }
);

/**
 * fast-check shrinks to a local minimum: an event that does not matter can survive, because dropping it shifts
 * which step each later choice picks. Try the failing run's own steps without each event sent, and keep it out
 * when the run still breaks a property.
 */
async function dropUnneededEvents(
  failing: { run: InterleavingRun; violations: Violation[] },
  runSteps: (steps: readonly Step[]) => Promise<{ run: InterleavingRun; violations: Violation[] }>,
): Promise<{ run: InterleavingRun; violations: Violation[] }> {
  let best = failing;
  const decisions = (run: InterleavingRun): Step[] => run.timeline.flatMap(({ step }) => (step.kind === 'called' ? [] : [step]));
  for (let i = decisions(best.run).length - 1; i >= 0; i--) {
    const steps = decisions(best.run);
    if (steps[i]?.kind !== 'send') continue;
    try {
      const without = await runSteps(steps.filter((_, j) => j !== i));
      if (without.violations.length > 0) best = without;
    } catch (error) {
      if (!(error instanceof InterleaveError) || error instanceof PropertyError) throw error;
      // without it, the rest of the ordering is no longer possible: it is needed
    }
  }
  return best;
}

export async function exploreInterleavings(options: ExploreOptions): Promise<ExploreResult> {
  const { session, interleavings } = options;
  const started = performance.now();
  const shapes = new Map<string, InterleavingRun>();
  let counter = 0;
  let foundMs: number | undefined;
  let lastFailure: { run: InterleavingRun; violations: Violation[] } | undefined;
  const runOnce = async (ordering: GeneratedOrdering): Promise<{ run: InterleavingRun; violations: Violation[] }> => {
    const events = new Set(ordering.events.flatMap((on, i) => (on ? [i] : [])));
    const run = await runOrdering({
      session,
      interleavings,
      workflowId: `${options.idPrefix}-${++counter}`,
      events,
      choose: chooserOf(ordering.choices),
    });
    const violations = await judgeRun(run, interleavings, session);
    const shape = historyShape(run.history);
    if (!shapes.has(shape)) shapes.set(shape, run);
    options.onRun?.(run, violations);
    return { run, violations };
  };
  const runSteps = async (steps: readonly Step[]): Promise<{ run: InterleavingRun; violations: Violation[] }> => {
    const events = new Set(steps.flatMap((step) => (step.kind === 'send' ? [step.event] : [])));
    const run = await runOrdering({
      session,
      interleavings,
      workflowId: `${options.idPrefix}-${++counter}`,
      events,
      choose: replayChooser(steps, (step) => step.kind),
    });
    return { run, violations: await judgeRun(run, interleavings, session) };
  };
  // A run that throws (a harness problem, a property that throws, an activity the definition lacks) is no
  // counterexample: the search stops and throws it.
  const search = await searchOneAtATime(
    orderingArbitrary(interleavings),
    async (ordering) => {
      const judged = await runOnce(ordering);
      if (judged.violations.length > 0) {
        foundMs ??= performance.now() - started;
        lastFailure = judged;
      }
      return judged.violations.length === 0;
    },
    options,
  );
  const base = { runs: counter, seed: search.seed, shapes };
  if (!search.failed) return { ...base, ms: performance.now() - started, failed: false };
  const ordering = search.counterexample;
  // The last run that failed is the shrunk counterexample's own run: start from it rather than run it again, so
  // what is reported is a failure that happened (a run's timing under load can differ from one run to the next).
  const again = await dropUnneededEvents(lastFailure ?? (await runOnce(ordering)), (steps) => runSteps(steps));
  const shrunkMs = performance.now() - started;
  return {
    ...base,
    ms: performance.now() - started,
    failed: true,
    path: search.path,
    shrinks: search.shrinks,
    ordering,
    run: again.run,
    violations: again.violations,
    foundMs: foundMs ?? shrunkMs,
    shrunkMs,
  };
}
