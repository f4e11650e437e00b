/**
 * A system under test, as a team describes its own: the parts it runs (services, databases: each a process tempest
 * starts, faults and restarts), the workers (a workflows module, an activities module built from the parts'
 * addresses, task queues), a seeded workload of workflow operations, how to read the system's state, and the
 * invariants that must hold. `defineSystem` validates eagerly, so a bad definition fails with the field that is
 * wrong, before anything starts.
 *
 * The engine knows nothing of any particular system: the packaged bank and store are one user of this API.
 */
import type { ProjectPath } from '../config/config.ts';
import type { Verdict } from './checkers/verdict.ts';
import { check, DefinitionError, type Duration, durationMs, isRecord } from './definition.ts';
import type { RunObservations, WorkflowOutcome } from './observations.ts';
import type { PlannedOperation } from './plan.ts';
import type { Random } from './random.ts';

/** Where a part listens, as the caller reaches it (directly, or through a link's proxy). */
export interface PartAddress {
  host: string;
  port: number;
  /** host:port */
  address: string;
  /** http://host:port */
  url: string;
}

export interface PartStartContext {
  /** The port it must listen on: the same on every restart, so links and clients keep reaching it. */
  port: number;
  /** The interface it must listen on (127.0.0.1, or 0.0.0.0 in a container on a bridge network). */
  host: string;
  /** Its own state directory, kept across restarts (a database's files survive a kill -9). */
  dataDir: string;
  /** Where each part it depends on is, through that dependency's link (so faults on the link hit it). */
  dependencies: Record<string, PartAddress>;
  /** The project root (the config file's folder): relative paths in the command start here. */
  projectRoot: string;
}

/** A command to run: `command` with `args`, in `cwd` (default: the project root), with `env` added to tempest's environment. */
export interface PartCommand {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** When a starting part is ready: a line it prints (stdout or stderr), an HTTP path that answers 2xx, or its port accepting connections. */
export type Readiness = { log: string | RegExp } | { http: string } | { tcp: true };

export interface PartSpec {
  /** How to start it. Called for every start, with the same port and data directory each time. */
  start(context: PartStartContext): PartCommand;
  /** When it is ready; by default, when its port accepts connections. */
  ready?: Readiness;
  /** How long it may take to become ready (default 60 s). */
  readyTimeout?: Duration;
  /** The parts it calls: each of these connections goes through a link of its own, `<part>-<dependency>`. */
  dependsOn?: string[];
  /** For the docker provider: an image whose entrypoint runs `command` (by default, Node commands run in tempest's Node image). */
  docker?: { image: string };
}

export interface WorkersSpec {
  /** The workflows module (default: the config's `workflows`). */
  workflows?: ProjectPath;
  /** A module exporting `createActivities(context: ActivityContext)` (or a default export of that function). */
  activities: ProjectPath;
  taskQueues: string[];
  /** Worker processes (default 2; a scenario's `workers` overrides it). */
  count?: number;
  /** The parts the activities call, each through a link `worker-<part>` (default: every part). */
  uses?: string[];
}

/** What `createActivities` of a system's activities module is given, in the worker process. */
export interface ActivityContext {
  /** Each part the workers use, through its `worker-<part>` link. */
  parts: Record<string, PartAddress>;
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
  waitFor?: { query: string; args?: unknown[]; until: (result: unknown) => boolean; onlyIf?: (result: unknown) => boolean; everyMs?: number };
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
  branch?(operation: PlannedOperation, outcome: WorkflowOutcome): string;
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
}

/** A checked system definition. */
export type System<Params = Record<string, unknown>, Setup = unknown, Snapshot = unknown> = SystemSpec<Params, Setup, Snapshot> & {
  parts: Record<string, PartSpec>;
  checkers: CheckerSpec<Snapshot, Setup>[];
  businessErrors: string[];
  /** The links of this system, beyond worker-temporal and client-temporal: worker-<part> and <part>-<dependency>. */
  partLinks: PartLink[];
};

export interface PartLink {
  name: string;
  /** Who calls through it: 'worker', or a part. */
  from: string;
  /** The part it reaches. */
  to: string;
}

/** The links to the Temporal frontend that every cluster has. */
export const TEMPORAL_LINKS = ['worker-temporal', 'client-temporal'] as const;

const KEBAB = /^[a-z][a-z0-9-]*$/;
/** Names a part cannot take: they are the cluster's own processes. */
const RESERVED_PARTS = new Set(['temporal', 'toxiproxy', 'worker', 'client', 'harness', 'nemesis']);

function checkPart(name: string, part: unknown, names: readonly string[]): void {
  const field = `parts.${name}`;
  check(KEBAB.test(name) && !RESERVED_PARTS.has(name) && !/^worker-\d+$/.test(name), field, `a part is named in kebab-case and not ${[...RESERVED_PARTS].join(', ')} or worker-<n>`);
  check(isRecord(part), field, 'expected an object with start(context) returning { command, args }');
  check(typeof part.start === 'function', `${field}.start`, 'expected a function ({ port, host, dataDir, dependencies }) => ({ command, args })');
  const ready = part.ready;
  if (ready !== undefined) {
    const ok = isRecord(ready) && (
      ('log' in ready && (typeof ready.log === 'string' || ready.log instanceof RegExp)) ||
      ('http' in ready && typeof ready.http === 'string' && ready.http.startsWith('/')) ||
      ('tcp' in ready && ready.tcp === true));
    check(ok, `${field}.ready`, "expected { log: 'text' | /regexp/ }, { http: '/path' } or { tcp: true }");
  }
  if (part.readyTimeout !== undefined) durationMs(part.readyTimeout, `${field}.readyTimeout`);
  if (part.dependsOn !== undefined) {
    check(Array.isArray(part.dependsOn), `${field}.dependsOn`, 'expected a list of part names');
    part.dependsOn.forEach((dependency: unknown, i: number) => {
      check(typeof dependency === 'string' && names.includes(dependency) && dependency !== name, `${field}.dependsOn[${i}]`, `expected another part (${names.filter((n) => n !== name).join(', ') || 'there is none'}), got ${JSON.stringify(dependency)}`);
    });
  }
  if (part.docker !== undefined) check(isRecord(part.docker) && typeof part.docker.image === 'string', `${field}.docker`, "expected { image: 'name:tag' }");
}

/** Parts in an order where every part comes after the parts it depends on; throws naming a cycle. */
export function startOrder(parts: Record<string, Pick<PartSpec, 'dependsOn'>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new DefinitionError(`parts.${name}.dependsOn: a cycle (${[...path, name].join(' -> ')})`);
    state.set(name, 'visiting');
    for (const dependency of parts[name]?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(parts)) visit(name, []);
  return order;
}

/** Check a system definition and fill in its defaults. Throws DefinitionError naming the field. */
export function defineSystem<Params = Record<string, unknown>, Setup = unknown, Snapshot = unknown>(spec: SystemSpec<Params, Setup, Snapshot>): System<Params, Setup, Snapshot> {
  check(isRecord(spec), 'system', 'expected an object: defineSystem({ name, parts, workers, workload, ... })');
  const s = spec as unknown as Record<string, unknown>;
  check(typeof s.name === 'string' && KEBAB.test(s.name), 'name', `expected kebab-case, got ${JSON.stringify(s.name)}`);
  const parts = (s.parts ?? {}) as Record<string, unknown>;
  check(isRecord(parts), 'parts', 'expected an object of parts by name');
  const names = Object.keys(parts);
  for (const name of names) checkPart(name, parts[name], names);
  startOrder(parts as Record<string, PartSpec>);

  const workers = s.workers as Record<string, unknown> | undefined;
  check(isRecord(workers), 'workers', 'expected { workflows, activities, taskQueues }');
  const isPath = (value: unknown): boolean => value instanceof URL || (typeof value === 'string' && value.trim() !== '');
  check(workers.workflows === undefined || isPath(workers.workflows), 'workers.workflows', 'expected the path of the workflows module');
  check(isPath(workers.activities), 'workers.activities', 'expected the path of a module exporting createActivities({ parts })');
  check(Array.isArray(workers.taskQueues) && workers.taskQueues.length > 0 && workers.taskQueues.every((q) => typeof q === 'string' && q !== ''), 'workers.taskQueues', 'expected a non-empty list of task queue names');
  check(workers.count === undefined || (Number.isSafeInteger(workers.count) && (workers.count as number) >= 1 && (workers.count as number) <= 8), 'workers.count', `expected 1 to 8, got ${JSON.stringify(workers.count)}`);
  const uses = (workers.uses ?? names) as unknown;
  check(Array.isArray(uses), 'workers.uses', 'expected a list of part names');
  uses.forEach((part: unknown, i: number) => check(typeof part === 'string' && names.includes(part), `workers.uses[${i}]`, `expected one of the parts (${names.join(', ') || 'there is none'}), got ${JSON.stringify(part)}`));

  const workload = s.workload as Record<string, unknown> | undefined;
  check(isRecord(workload), 'workload', 'expected { plan(context) => ({ operations }) }');
  check(typeof workload.plan === 'function', 'workload.plan', 'expected a function ({ params, random, id }) => ({ operations, setup })');
  for (const hook of ['params', 'prepare', 'branch'] as const) check(workload[hook] === undefined || typeof workload[hook] === 'function', `workload.${hook}`, 'expected a function');
  check(s.snapshot === undefined || typeof s.snapshot === 'function', 'snapshot', 'expected a function ({ parts, setup }) => Promise<state>');

  const checkers = (s.checkers ?? []) as unknown[];
  check(Array.isArray(checkers), 'checkers', 'expected a list of defineChecker(...)');
  const seen = new Set<string>();
  checkers.forEach((checker, i) => {
    check(isRecord(checker) && typeof checker.name === 'string' && KEBAB.test(checker.name), `checkers[${i}].name`, `expected a kebab-case name, got ${JSON.stringify(isRecord(checker) ? checker.name : checker)}`);
    check(typeof checker.check === 'function', `checkers[${i}].check`, 'expected a function (run) => evidence lines');
    check(!seen.has(checker.name), `checkers[${i}].name`, `${checker.name} is given twice`);
    seen.add(checker.name);
  });
  const businessErrors = (s.businessErrors ?? []) as unknown[];
  check(Array.isArray(businessErrors) && businessErrors.every((t) => typeof t === 'string' && t !== ''), 'businessErrors', 'expected a list of failure type names');

  const partLinks: PartLink[] = [
    ...(uses as string[]).map((part) => ({ name: `worker-${part}`, from: 'worker', to: part })),
    ...names.flatMap((name) => ((parts[name] as PartSpec).dependsOn ?? []).map((dependency) => ({ name: `${name}-${dependency}`, from: name, to: dependency }))),
  ];
  return {
    ...spec,
    parts: parts as Record<string, PartSpec>,
    workers: { ...spec.workers, uses: uses as string[] },
    checkers: checkers as CheckerSpec<Snapshot, Setup>[],
    businessErrors: businessErrors as string[],
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
