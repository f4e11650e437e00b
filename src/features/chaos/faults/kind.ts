/**
 * Fault kinds as an open protocol: what a kind of fault is (its shape, the names it targets, what a cluster must
 * offer for it, how it is applied and healed, how explore generates it), written once. The built-in kinds (toxic,
 * link-down, kill, pause, restart, deploy, persistence, drop) are written against these types, and a team adds its
 * own with `defineFaultKind` and `defineSystem({ faultKinds })`.
 */
import type fc from 'fast-check';
import { check, DefinitionError, isRecord } from '../../../base/definition.ts';
import type { Random } from '../../../base/random.ts';
import type { Cluster, WorkerCode } from '../cluster/types.ts';
import type { ReachedPoint } from '../cluster/progress.ts';

/** What a cluster offers for faults to act on; a provider declares what it has instead of optional methods. */
export type Capability =
  /** Links through Toxiproxy: toxics, a link taken down. */
  | 'links'
  /** The parts and workers as processes: kill -9, pause, restart. */
  | 'processes'
  /** Temporal as one process, 'temporal' (the dev server). */
  | 'temporal-process'
  /** Temporal as its services and their database, each a process (the services cluster). */
  | 'temporal-services'
  /** The Temporal server's own persistence fault injection (the services cluster). */
  | 'persistence-faults'
  /** New code deployed to the workers. */
  | 'deploy'
  /** The activity probe in every worker: points of activity attempts, held where armed. */
  | 'activity-probe'
  /** A request gate in front of each worker-<part> link: points of requests, held where armed. */
  | 'request-gates';

/** How a capability reads in a refusal. */
export const CAPABILITY_MEANS: Record<Capability, string> = {
  links: 'links through Toxiproxy',
  processes: 'control of the parts and workers as processes',
  'temporal-process': "the Temporal dev server as one process ('temporal')",
  'temporal-services': "Temporal's services and PostgreSQL as processes (--cluster services)",
  'persistence-faults': "the Temporal server's persistence fault injection (--cluster services)",
  deploy: 'deploying code to the workers',
  'activity-probe': 'the activity probe in the workers (points of activity attempts)',
  'request-gates': 'request gates in front of the worker-<part> links (points of requests)',
};

/** The names a fault may target, from the system and the cluster the scenario runs on. */
export interface FaultTargets {
  /** Every link: worker-temporal, client-temporal, worker-<part>, <part>-<dependency> (and the services cluster's). */
  links: readonly string[];
  /** The system's parts. */
  parts: readonly string[];
  /** Temporal's processes: ['temporal'], or the services cluster's. */
  temporal: readonly string[];
  /** Worker processes the scenario runs (worker-1 .. worker-N). */
  workers: number;
  /** The cluster the scenario needs ('services'), when it says. */
  cluster?: 'services';
}

/** A fault placed at a point, where it fired: the point reached, and a way to drop what the point holds. */
export interface FiredPoint {
  reached: ReachedPoint;
  /** The held point is dropped instead of going on (a request never forwarded, an answer lost, a completion lost). */
  drop(): void;
}

/** What a kind's apply and heal are given. */
export interface FaultContext {
  cluster: Cluster;
  /** Where a deploy's module paths start. */
  projectRoot: string;
  /** The code the workers run now. */
  readonly code: WorkerCode;
  /** Say that the workers now run `code` (a deploy): the run's histories replay against it. */
  deployed(code: WorkerCode): void;
  /** Set when the fault was placed at a point: where it fired. */
  point?: FiredPoint;
}

/** The seeded choices a kind may make when a run is planned (pure). */
export interface PlanChoices {
  random: Random;
  /** Worker processes of the run. */
  workers: number;
}

export interface FaultKind<Action extends { kind: string } = { kind: string }, Applied = unknown> {
  /** What scenarios write in `action.kind`: kebab-case, unique among the system's kinds. */
  kind: Action['kind'];
  /** One sentence saying what it does, for people. */
  summary: string;
  /** The action's shape (defineScenario, or bindScenario for a system's own kind): throw a DefinitionError naming `${field}.<key>`. */
  validate(action: Record<string, unknown>, field: string): void;
  /** Its names checked against the system and cluster (bindScenario): links, processes; throw a DefinitionError naming the field. */
  bind?(action: Action, field: string, targets: FaultTargets): void;
  /** What the cluster must offer for this action; a cluster without it refuses the scenario before anything starts. */
  needs(action: Action): readonly Capability[];
  /** One line for logs, reports and explore's counterexamples ('kill -9 worker-2'). */
  describe(action: Action): string;
  /**
   * Choices the seed makes when a run is planned (pure), e.g. 'worker' -> 'worker-2'. Not called for a fault placed at
   * an activity point, where 'worker' is the worker the point is in.
   */
  resolve?(action: Action, choices: PlanChoices): Action;
  apply(action: Action, context: FaultContext): Promise<Applied>;
  /** Undo it (given what apply returned). Absent: the fault has nothing to heal (a deploy, a restart) and takes no `for`. */
  heal?(action: Action, applied: Applied, context: FaultContext): Promise<void>;
  /** Acts on the point it is placed at (drop): a scenario may place it only at a point, never at a time. */
  atPointOnly?: boolean;
  /** How explore generates such faults for a system (absent: explore never generates this kind). */
  arbitrary?(targets: FaultTargets): fc.Arbitrary<Action> | undefined;
}

/** A kind of any action: what the registry and the nemesis hold. */
export type AnyFaultKind = FaultKind<{ kind: string }, unknown>;

const KIND_NAME = /^[a-z][a-z0-9-]*$/;

/** Check a fault kind's definition eagerly; throws a DefinitionError naming the field. */
export function defineFaultKind<Action extends { kind: string }, Applied = unknown>(
  kind: FaultKind<Action, Applied>,
): FaultKind<Action, Applied> {
  check(isRecord(kind), 'faultKind', 'expected an object: defineFaultKind({ kind, summary, validate, needs, describe, apply, heal? })');
  const k = kind as unknown as Record<string, unknown>;
  check(
    typeof k.kind === 'string' && KIND_NAME.test(k.kind),
    'faultKind.kind',
    `expected a kebab-case name, got ${JSON.stringify(k.kind)}`,
  );
  check(typeof k.summary === 'string' && k.summary !== '', `faultKind ${k.kind}.summary`, 'expected a sentence saying what it does');
  for (const method of ['validate', 'needs', 'describe', 'apply'] as const)
    check(typeof k[method] === 'function', `faultKind ${k.kind}.${method}`, 'expected a function');
  for (const method of ['bind', 'resolve', 'heal', 'arbitrary'] as const)
    check(k[method] === undefined || typeof k[method] === 'function', `faultKind ${k.kind}.${method}`, 'expected a function');
  return kind;
}

/** A name field of an action: a non-empty string. */
export function checkName(action: Record<string, unknown>, key: string, field: string): void {
  check(typeof action[key] === 'string' && action[key] !== '', `${field}.${key}`, `expected a name, got ${JSON.stringify(action[key])}`);
}

/** The registry of fault kinds a system's scenarios may use: the built-in ones and the system's own. */
export class FaultKinds {
  private readonly byName: Map<string, AnyFaultKind>;

  constructor(kinds: readonly AnyFaultKind[]) {
    this.byName = new Map();
    for (const kind of kinds) {
      if (this.byName.has(kind.kind)) throw new DefinitionError(`faultKinds: there are two fault kinds named ${kind.kind}`);
      this.byName.set(kind.kind, kind);
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The kind of `action`; a DefinitionError at `${field}.kind` naming the kinds there are. */
  of(action: { kind: string }, field = 'action'): AnyFaultKind {
    const kind = this.byName.get(action.kind);
    if (!kind) {
      const names = this.names;
      throw new DefinitionError(
        `${field}.kind: expected ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got ${JSON.stringify(action.kind)}`,
      );
    }
    return kind;
  }

  all(): AnyFaultKind[] {
    return [...this.byName.values()];
  }
}
