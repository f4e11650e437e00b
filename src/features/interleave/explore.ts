/**
 * Exploring interleavings with fast-check: an ordering is which events a run sends and, at each point where the
 * workflow has settled, which of the possible next steps to take (as small numbers: 0 is the canonical step, the
 * oldest call answered first) and whether to deliver another one with it in the same workflow task. fast-check
 * generates orderings, each is run on the time-skipping server and judged, and a failing one is shrunk toward
 * fewer events, canonical steps and one step at a time: the minimal ordering that still fails. Its seed and path
 * replay it exactly, to the millisecond. A run that stops making progress is a finding like any other; a harness
 * that breaks (the server gone) ends the search with everything found so far.
 */
import fc from 'fast-check';
import { searchOneAtATime } from '../../base/search.ts';
import { NeverWorkedError } from '../../base/errors.ts';
import type { Interleavings } from './definition.ts';
import { historyShape } from './shape.ts';
import { type Chooser, InterleaveError, RunBrokeError, runOrdering } from './run.ts';
import type { InterleavingRun, SingleStep, Step } from './run-record.ts';
import type { InterleaveSession } from './session.ts';

/** The built-in properties, checked on every run besides the definition's. */
export const BUILT_IN_PROPERTIES = ['ended', 'makes-progress', 'no-workflow-task-failure', 'replays-clean'] as const;

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
  if (run.noProgress !== undefined) violations.push({ property: 'makes-progress', message: run.noProgress });
  if (run.stuck !== undefined) violations.push({ property: 'ended', message: run.stuck });
  if (run.workflowTaskFailure !== undefined) violations.push({ property: 'no-workflow-task-failure', message: run.workflowTaskFailure });
  const histories = [
    ...run.runs.map((r, i) => ({ history: r.history, workflowId: run.workflowId, who: run.runs.length > 1 ? `run ${i + 1}: ` : '' })),
    ...run.children.flatMap((child) =>
      child.runs.map((r) => ({ history: r.history, workflowId: child.workflowId, who: `child ${child.label}: ` })),
    ),
  ];
  for (const { history, workflowId, who } of histories) {
    const replayError = await session.replay(history, workflowId);
    if (replayError !== undefined) {
      violations.push({ property: 'replays-clean', message: `${who}${replayError}` });
      break;
    }
  }
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
  /**
   * At each decision, whether to deliver another step with the chosen one in the same workflow task: below
   * TOGETHER_FROM alone (so it shrinks toward one step at a time), else which of the steps that may share its task.
   */
  together: number[];
}

/** `together` values from here on pair the chosen step with another (a quarter of them). */
const TOGETHER_FROM = 12;

export function orderingArbitrary(interleavings: Interleavings): fc.Arbitrary<GeneratedOrdering> {
  const count = interleavings.events.length;
  return fc.record({
    events: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
    choices: fc.array(fc.nat({ max: 15 }), { maxLength: interleavings.maxSteps }),
    together: interleavings.together ? fc.array(fc.nat({ max: 15 }), { maxLength: interleavings.maxSteps }) : fc.constant([]),
  });
}

export function chooserOf(choices: readonly number[], together: readonly number[] = []): Chooser {
  return (possible, taken, partners) => {
    const step = possible[(choices[taken] ?? 0) % possible.length]!;
    const pair = (together[taken] ?? 0) - TOGETHER_FROM;
    if (pair < 0 || step.kind === 'together') return step;
    const others = partners(step);
    const other = others[pair % others.length];
    if (!other) return step;
    // a move of time comes first in a together step (its timer fires while the task is held), so pair it first
    return { kind: 'together', steps: other.kind === 'advance' ? [other, step as SingleStep] : [step as SingleStep, other] };
  };
}

/** The events a list of steps sends, together steps included. */
export function eventsSent(steps: readonly Step[]): Set<number> {
  return new Set(
    steps.flatMap((step) => (step.kind === 'together' ? step.steps : [step])).flatMap((step) => (step.kind === 'send' ? [step.event] : [])),
  );
}

/** The same step, as a saved ordering names it (an advance is the same when it moves to the same next point). */
export function sameStep(a: Step, b: Step): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'send' && b.kind === 'send') return a.event === b.event;
  if (a.kind === 'together' && b.kind === 'together')
    return a.steps.length === b.steps.length && a.steps.every((step, i) => sameStep(step, b.steps[i]!));
  if (a.kind === 'advance') return true;
  if ((a.kind === 'complete' || a.kind === 'fail') && (b.kind === 'complete' || b.kind === 'fail'))
    return (
      a.activity === b.activity &&
      a.call === b.call &&
      (a.execution ?? '') === (b.execution ?? '') &&
      (a.kind === 'complete' || (b.kind === 'fail' && a.failure === b.failure))
    );
  return false;
}

/** Follows saved steps one by one; a step no longer possible is an error naming it. Past the end, the canonical step. */
export function replayChooser(steps: readonly Step[], describe: (step: Step) => string): Chooser {
  return (possible, taken, partners) => {
    const wanted = steps[taken];
    if (!wanted) return possible[0]!;
    const candidates =
      wanted.kind === 'together'
        ? possible.flatMap((step) => partners(step).map((other): Step => ({ kind: 'together', steps: [step as SingleStep, other] })))
        : possible;
    const found = candidates.find((step) => sameStep(step, wanted));
    if (!found)
      throw new InterleaveError(
        `the saved ordering no longer applies: its step ${taken + 1} (${describe(wanted)}) is not possible here; possible: ${possible.map(describe).join(', ')}`,
      );
    return found;
  };
}

interface WorkflowMetadata {
  definition?: { signalDefinitions?: { name?: string }[]; updateDefinitions?: { name?: string }[] };
}

/**
 * Run the canonical ordering with every event once, asking the workflow at each settled point which signals and
 * updates it defines (its built-in metadata query): an event naming a handler it never defines is a mistake in the
 * definition, which would otherwise be buffered unread (a signal) or refused (an update) in every run.
 */
export async function checkHandlersDefined(session: InterleaveSession, interleavings: Interleavings, workflowId: string): Promise<void> {
  const named = interleavings.events.flatMap((event, i): { kind: 'signal' | 'update'; name: string; i: number }[] =>
    event.kind === 'signal'
      ? [{ kind: 'signal', name: event.signal, i }]
      : event.kind === 'update'
        ? [{ kind: 'update', name: event.update, i }]
        : [],
  );
  if (named.length === 0) return;
  const defined = { signal: new Set<string>(), update: new Set<string>() };
  await runOrdering({
    session,
    interleavings,
    workflowId,
    events: new Set(interleavings.events.map((_, i) => i)),
    choose: chooserOf([]),
    onSettled: async (id) => {
      const metadata = await session.workflow.getHandle(id).query<WorkflowMetadata>('__temporal_workflow_metadata');
      for (const signal of metadata.definition?.signalDefinitions ?? []) if (signal.name) defined.signal.add(signal.name);
      for (const update of metadata.definition?.updateDefinitions ?? []) if (update.name) defined.update.add(update.name);
    },
  });
  const unknown = named.find((handler) => !defined[handler.kind].has(handler.name));
  if (unknown) {
    const names = [...defined[unknown.kind]].filter((name) => !name.startsWith('__')).sort();
    throw new InterleaveError(
      `events[${unknown.i}].${unknown.kind}: the workflow ${interleavings.workflowType} defines no ${unknown.kind} '${unknown.name}' (it defines ${names.join(', ') || 'none'})`,
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
  /** Called after every run with its verdict and its number (1 for the first run of the search). */
  onRun?: (run: InterleavingRun, violations: readonly Violation[], index: number) => void;
}

/** The harness broke during a run (the server went away, the clock could not be balanced): the search stopped there. */
export interface HarnessBreak {
  message: string;
  /** Its number among the runs, and what it had done when it broke (when it got that far). */
  runIndex: number;
  run?: InterleavingRun;
}

export type ExploreResult = {
  runs: number;
  seed: number;
  ms: number;
  /** Distinct history shapes the runs produced, with one run of each. */
  shapes: Map<string, InterleavingRun>;
  /** The number of the first run that broke a property (1 for the search's first run), when one did. */
  firstFailedRun?: number;
  /** Set when the harness broke and the search stopped early; what was found until then is reported as usual. */
  harnessError?: HarnessBreak;
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

type Failing = { run: InterleavingRun; violations: Violation[] };
type RunSteps = (steps: readonly Step[]) => Promise<Failing>;

/** The run of `steps` when it still breaks a property; undefined when it holds, or when the steps are no longer possible. */
async function stillFails(runSteps: RunSteps, steps: readonly Step[]): Promise<Failing | undefined> {
  try {
    const run = await runSteps(steps);
    return run.violations.length > 0 ? run : undefined;
  } catch (error) {
    if (!(error instanceof InterleaveError) || error instanceof PropertyError) throw error;
    return undefined; // the rest of the ordering is no longer possible so
  }
}

/**
 * fast-check shrinks to a local minimum: an event that does not matter can survive, because dropping it shifts
 * which step each later choice picks. Try the failing run's own steps without each event sent, and keep it out
 * when the run still breaks a property.
 */
async function dropUnneededEvents(failing: Failing, runSteps: RunSteps): Promise<Failing> {
  let best = failing;
  for (let i = decisions(best.run).length - 1; i >= 0; i--) {
    const steps = decisions(best.run);
    if (steps[i]?.kind !== 'send') continue;
    best =
      (await stillFails(
        runSteps,
        steps.filter((_, j) => j !== i),
      )) ?? best;
  }
  return best;
}

/**
 * fast-check's shrinking keeps a together step when delivering its steps one at a time shifts which step each later
 * choice picks: try the failing run's own steps with each together step split into its steps, one task each (in
 * either order), and keep the split when the run still breaks a property. What is left together needs to be.
 */
async function splitTogetherSteps(failing: Failing, runSteps: RunSteps): Promise<Failing> {
  let best = failing;
  for (let i = decisions(best.run).length - 1; i >= 0; i--) {
    const steps = decisions(best.run);
    const together = steps[i];
    if (together?.kind !== 'together') continue;
    // in one task the SDK runs a signal's handler first, whatever order the steps were delivered in: try both orders
    for (const order of [together.steps, [...together.steps].reverse()]) {
      const split = await stillFails(runSteps, [...steps.slice(0, i), ...order, ...steps.slice(i + 1)]);
      if (split) {
        best = split;
        break;
      }
    }
  }
  return best;
}

/** The explorer's decisions in a run's timeline (what a saved ordering replays), without what it observed. */
export function decisions(run: InterleavingRun): Step[] {
  return run.timeline.flatMap(({ step }) => (step.kind === 'called' || step.kind === 'continued' || step.kind === 'update' ? [] : [step]));
}

/** An error that ends the search as a harness error rather than being thrown: not the definition's fault. */
function isHarnessBreak(error: unknown): boolean {
  return !(error instanceof InterleaveError) && !(error instanceof PropertyError) && !(error instanceof NeverWorkedError);
}

export async function exploreInterleavings(options: ExploreOptions): Promise<ExploreResult> {
  const { session, interleavings } = options;
  const started = performance.now();
  const shapes = new Map<string, InterleavingRun>();
  let counter = 0;
  let foundMs: number | undefined;
  let firstFailedRun: number | undefined;
  let harnessError: HarnessBreak | undefined;
  let lastFailure: { run: InterleavingRun; violations: Violation[] } | undefined;
  const runOnce = async (ordering: GeneratedOrdering): Promise<{ run: InterleavingRun; violations: Violation[] }> => {
    const events = new Set(ordering.events.flatMap((on, i) => (on ? [i] : [])));
    const index = ++counter;
    const run = await runOrdering({
      session,
      interleavings,
      workflowId: `${options.idPrefix}-${index}`,
      events,
      choose: chooserOf(ordering.choices, ordering.together),
    });
    const violations = await judgeRun(run, interleavings, session);
    const shape = historyShape(run.history);
    if (!shapes.has(shape)) shapes.set(shape, run);
    if (violations.length > 0) firstFailedRun ??= index;
    options.onRun?.(run, violations, index);
    return { run, violations };
  };
  const runSteps = async (steps: readonly Step[]): Promise<{ run: InterleavingRun; violations: Violation[] }> => {
    const events = eventsSent(steps);
    const run = await runOrdering({
      session,
      interleavings,
      workflowId: `${options.idPrefix}-${++counter}`,
      events,
      choose: replayChooser(steps, (step) => step.kind),
    });
    return { run, violations: await judgeRun(run, interleavings, session) };
  };
  // A run that throws because of the definition (a property that throws, an activity it lacks) is no
  // counterexample: the search stops and throws it. A harness that breaks stops the search too, but what was
  // found until then is kept: the result says where it broke.
  const search = await searchOneAtATime(
    orderingArbitrary(interleavings),
    async (ordering) => {
      if (harnessError) return true;
      try {
        const judged = await runOnce(ordering);
        if (judged.violations.length > 0) {
          foundMs ??= performance.now() - started;
          lastFailure = judged;
        }
        return judged.violations.length === 0;
      } catch (error) {
        if (!isHarnessBreak(error)) throw error;
        harnessError = {
          message: error instanceof Error ? error.message : String(error),
          runIndex: counter,
          ...(error instanceof RunBrokeError && error.run ? { run: error.run } : {}),
        };
        return true;
      }
    },
    options,
  );
  const base = {
    runs: counter,
    seed: search.seed,
    shapes,
    ...(firstFailedRun === undefined ? {} : { firstFailedRun }),
    ...(harnessError === undefined ? {} : { harnessError }),
  };
  if (!search.failed || !lastFailure) return { ...base, ms: performance.now() - started, failed: false };
  const ordering = search.counterexample;
  // The last run that failed is the shrunk counterexample's own run: start from it rather than run it again, so
  // what is reported is a failure that happened. Together steps it does not need are split and events it does not
  // need are dropped, unless the harness broke.
  let again = lastFailure;
  if (!harnessError) {
    try {
      again = await dropUnneededEvents(await splitTogetherSteps(lastFailure, runSteps), runSteps);
    } catch (error) {
      if (!isHarnessBreak(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      base.harnessError = { message, runIndex: counter, ...(error instanceof RunBrokeError && error.run ? { run: error.run } : {}) };
    }
  }
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
