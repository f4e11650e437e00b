/**
 * A system under test, as a team describes its own: the parts it runs (services, databases: each a process tempest
 * starts, faults and restarts), the workers (a workflows module, an activities module built from the parts'
 * addresses, task queues), a seeded workload of workflow operations, how to read the system's state, and the
 * invariants that must hold. `defineSystem` validates eagerly, so a bad definition fails with the field that is
 * wrong, before anything starts.
 *
 * The engine knows nothing of any particular system: the packaged bank and store are one user of this API.
 */
import { check, isRecord, withFieldPrefix } from '../../base/definition.ts';
import { type Duration } from '../../base/duration.ts';
import { UsageError } from '../../base/errors.ts';
import type { Random } from '../../base/random.ts';
import { checkSystemParts, KEBAB, type PartAddress, type PartLink, type PartSpec, type WorkersSpec } from '../../base/system-spec.ts';
import type { Verdict } from './checkers/verdict.ts';
import type { RunObservations, OperationOutcome } from './observations.ts';
import type { PlannedOperation } from './plan.ts';
import { BUILT_IN } from './faults/index.ts';
import { type AnyFaultKind, defineFaultKind, type FaultKind } from './faults/kind.ts';

/** The system's own code failed: its workload, a hook or a checker threw. The message says which; the CLI adds the system's file. */
export class SystemCodeError extends UsageError {
  override name = 'SystemCodeError';
}

/** Something the client does with a started workflow, in order. */
export type StepSpec = StepAction & {
  /** Arguments of the signal, update or query. */
  args?: unknown[];
  /** Wait this long after the previous step (or the start). */
  after?: Duration;
  /**
   * Poll a query until `until` holds, then take the step only when `onlyIf` (if given) holds too: e.g. wait until an
   * order asks for approval, and skip the approval when it already ended another way.
   */
  waitFor?: {
    query: string;
    args?: unknown[];
    until: (result: unknown) => boolean;
    onlyIf?: (result: unknown) => boolean;
    everyMs?: number;
  };
  /** The step's name in the operation history (default: the signal, update or query name; cancel; terminate). */
  name?: string;
};
export type StepAction = { signal: string } | { update: string } | { query: string } | { cancel: true } | { terminate: string };

/** One workflow the workload starts, and what the client then does with it. */
export interface OperationSpec {
  /** Unique within the run and short ('t3'): it names the operation in the history, reports and evidence. */
  id: string;
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args?: unknown[];
  /** A label to group operations by (default: the workflow type). */
  kind?: string;
  /** What the operation means to do, for checkers and reports ('valid', 'insufficient-funds', 'approve', ...). */
  intent?: string;
  /** When it starts, from the beginning of the workload (ms); by default a seeded time within the scenario's spreadOver. */
  atMs?: number;
  steps?: StepSpec[];
}

export interface PlanContext<Params> {
  /** The scenario's workload fields, as `params` checked them. */
  params: Params;
  /** The run's seeded generator: every random choice of the plan comes from here, so a seed replays it. */
  random: Random;
  /** A name made unique to this run (accounts, orders, ids), so runs against long-lived parts never collide. */
  id(name: string): string;
  runId: string;
}

/** What the system's hooks (prepare, snapshot) are given. */
export interface HookContext<Setup = unknown> {
  /** Each part's direct address (no link in between). */
  parts: Record<string, PartAddress>;
  /** The plan's setup. */
  setup: Setup;
  /** The run's id: every id the plan made with `id(name)` is `${runId}-${name}`. */
  runId: string;
}

export interface WorkloadSpec<Params = Record<string, unknown>, Setup = unknown> {
  /**
   * Check the scenario's workload fields (all but `concurrency` and `spreadOver`) and fill in defaults. Throw an
   * Error whose message starts with the field (`transfers: expected a whole number`); tempest adds `workload.`.
   */
  params?(fields: Record<string, unknown>): Params;
  /** Pure: the run's operations and the data to seed the parts with, from the seeded generator. */
  plan(context: PlanContext<Params>): { operations: OperationSpec[]; setup?: Setup };
  /** Seed the parts with the plan's setup before the workload starts (the parts' direct addresses, no link). */
  prepare?(context: HookContext<Setup>): Promise<void>;
  /**
   * Pure: the ending an operation's workflow reached (its branch), as the report lists them per workflow type and
   * intent. By default its status and failure type ('completed', 'failed (DepositFailed)'); name here what those do
   * not tell apart, such as the state a workflow completed in ('completed (rejected, auto-rejected)').
   */
  branch?(operation: PlannedOperation, outcome: OperationOutcome): string;
}

export interface CheckerSpec<Snapshot = unknown, Setup = unknown> {
  /** kebab-case, as scenarios name it in `checks`. */
  name: string;
  description?: string;
  /** The evidence of every violation, one line each naming what is wrong (empty: the invariant held). */
  check(run: RunObservations<Snapshot, Setup>): string[] | Promise<string[]>;
}

export interface SystemSpec<Params = Record<string, unknown>, Setup = unknown, Snapshot = unknown> {
  name: string;
  parts?: Record<string, PartSpec>;
  workers: WorkersSpec;
  workload: WorkloadSpec<Params, Setup>;
  /**
   * The system's state, read from the parts directly: taken after `prepare` and again after the workflows settled.
   * Parts can outlive a run (`chaos explore` runs every schedule on one cluster): read only the run's own state,
   * the ids its plan made with `id()` (they start with `${runId}-`), so that no other run's state reaches a checker.
   */
  snapshot?(context: HookContext<Setup>): Promise<Snapshot>;
  checkers?: CheckerSpec<Snapshot, Setup>[];
  /**
   * Failure types that mean "no" (a declined payment, an unknown account): retrying one cannot change the answer, so
   * an activity retried after one is a bug whatever its retry policy says (checked by business-errors-not-retried).
   */
  businessErrors?: string[];
  /** Fault kinds of the system's own (`defineFaultKind`), which its scenarios may use next to the built-in ones. */
  faultKinds?: FaultKind[];
}

/** A checked system definition. */
export type System<Params = Record<string, unknown>, Setup = unknown, Snapshot = unknown> = SystemSpec<Params, Setup, Snapshot> & {
  parts: Record<string, PartSpec>;
  checkers: CheckerSpec<Snapshot, Setup>[];
  businessErrors: string[];
  faultKinds: AnyFaultKind[];
  /** The links of this system, beyond worker-temporal and client-temporal: worker-<part> and <part>-<dependency>. */
  partLinks: PartLink[];
};

/** The links to the Temporal frontend that every cluster has. */
export const TEMPORAL_LINKS = ['worker-temporal', 'client-temporal'] as const;

/** Check a system definition and fill in its defaults. Throws DefinitionError naming the field. */
export function defineSystem<Params = Record<string, unknown>, Setup = unknown, Snapshot = unknown>(
  spec: SystemSpec<Params, Setup, Snapshot>,
): System<Params, Setup, Snapshot> {
  check(isRecord(spec), 'system', 'expected an object: defineSystem({ name, parts, workers, workload, ... })');
  const s = spec as unknown as Record<string, unknown>;
  const { parts, workers, partLinks } = checkSystemParts(s);

  const workload = s.workload as Record<string, unknown> | undefined;
  check(isRecord(workload), 'workload', 'expected { plan(context) => ({ operations }) }');
  check(typeof workload.plan === 'function', 'workload.plan', 'expected a function ({ params, random, id }) => ({ operations, setup })');
  for (const hook of ['params', 'prepare', 'branch'] as const)
    check(workload[hook] === undefined || typeof workload[hook] === 'function', `workload.${hook}`, 'expected a function');
  check(
    s.snapshot === undefined || typeof s.snapshot === 'function',
    'snapshot',
    'expected a function ({ parts, setup }) => Promise<state>',
  );

  const checkers = (s.checkers ?? []) as unknown[];
  check(Array.isArray(checkers), 'checkers', 'expected a list of defineChecker(...)');
  const seen = new Set<string>();
  checkers.forEach((checker, i) => {
    check(
      isRecord(checker) && typeof checker.name === 'string' && KEBAB.test(checker.name),
      `checkers[${i}].name`,
      `expected a kebab-case name, got ${JSON.stringify(isRecord(checker) ? checker.name : checker)}`,
    );
    check(typeof checker.check === 'function', `checkers[${i}].check`, 'expected a function (run) => evidence lines');
    check(!seen.has(checker.name), `checkers[${i}].name`, `${checker.name} is given twice`);
    seen.add(checker.name);
  });
  const businessErrors = (s.businessErrors ?? []) as unknown[];
  check(
    Array.isArray(businessErrors) && businessErrors.every((t) => typeof t === 'string' && t !== ''),
    'businessErrors',
    'expected a list of failure type names',
  );

  const faultKinds = (s.faultKinds ?? []) as unknown[];
  check(Array.isArray(faultKinds), 'faultKinds', 'expected a list of defineFaultKind(...)');
  const kindNames = new Set(BUILT_IN.names);
  faultKinds.forEach((kind, i) => {
    withFieldPrefix(`faultKinds[${i}]: `, () => defineFaultKind(kind as FaultKind));
    const name = (kind as FaultKind).kind;
    check(!kindNames.has(name), `faultKinds[${i}].kind`, `${name} is ${BUILT_IN.has(name) ? 'a built-in fault kind' : 'given twice'}`);
    kindNames.add(name);
  });

  return {
    ...spec,
    parts,
    workers,
    checkers: checkers as CheckerSpec<Snapshot, Setup>[],
    businessErrors: businessErrors as string[],
    faultKinds: faultKinds as AnyFaultKind[],
    partLinks,
  };
}

/** A checker for a system's `checkers` list (validated with the system). */
export function defineChecker<Snapshot = unknown, Setup = unknown>(spec: CheckerSpec<Snapshot, Setup>): CheckerSpec<Snapshot, Setup> {
  return spec;
}

/** Every link of a system, in a stable order: the two Temporal links, then worker-<part>, then <part>-<dependency>. */
export function linkNames(system: Pick<System, 'partLinks'>): string[] {
  return [...TEMPORAL_LINKS, ...system.partLinks.map((link) => link.name)];
}

export type { Verdict };
