/**
 * Chaos scenarios as typed data: a workload (its concurrency and spread, plus fields the system's workload reads),
 * faults with windows for their timing, the invariants that must hold, and a bound for settling.
 * `defineScenario` checks the shape eagerly; `bindScenario` then checks it against the system it runs on (its
 * links, processes, checkers and workload fields), before any cluster starts.
 */
import { BUILT_IN_CHECKERS } from './checkers/built-in.ts';
import { check, DefinitionError, isRecord, withFieldPrefix } from '../../base/definition.ts';
import { type Duration, durationMs, type Timing, timingWindow } from '../../base/duration.ts';
import { linkNames, type System } from './system.ts';
import { SERVICES_LINKS, SERVICES_PROCESSES } from './cluster/services-names.ts';
import { BUILT_IN, type FaultAction, faultKindsOf } from './faults/index.ts';
import { type AnyFaultKind, type Capability, CAPABILITY_MEANS, type FaultTargets } from './faults/kind.ts';
import { TOXICS, type ToxicType } from './faults/links.ts';
import type { ProcessTarget } from './faults/processes.ts';
import { bindPoint, checkPoint, isPoint, pointNeeds, type ProgressPoint } from './points.ts';

export { durationMs, timingWindow };
export type { Duration, Timing };

export { TOXICS, type ToxicType };
export type { FaultAction, ProcessTarget, ProgressPoint };

export interface FaultSpec {
  action: FaultAction;
  /**
   * When it starts: a time from the beginning of the workload (fixed, or a window the seed picks from), or a point of
   * the system's progress, where it lands exactly whatever the machine's speed (points.ts).
   */
  at: Timing | ProgressPoint;
  /**
   * How long it lasts before the harness heals it: a time (from when it was applied), or until a point. A fault at a
   * time lasts until the fault phase ends when this is absent; a fault at a point must say.
   */
  for?: Timing | { until: ProgressPoint };
}

export interface WorkloadFields {
  /** Operations in flight at once. */
  concurrency: number;
  /** Spread the starts over this long, so faults meet workflows at every stage. */
  spreadOver?: Duration;
  /** Everything else is the system's: its workload's `params` reads it (e.g. `transfers: 20`). */
  [field: string]: unknown;
}

export interface ScenarioSpec {
  name: string;
  description: string;
  workload: WorkloadFields;
  faults: FaultSpec[];
  /** Invariants to check: the built-in ones and the system's, by name; all of them when absent. */
  checks?: string[];
  /** After the faults heal, every workflow must reach a terminal state within this bound (default 60 s). */
  settleWithin?: Duration;
  /** Worker processes (default: the system's workers.count, else 2). */
  workers?: number;
  /** The code the workers start with, instead of the system's (paths relative to the project root). */
  code?: { workflows?: string; activities?: string };
  /**
   * The cluster the scenario needs: 'services' for faults inside a production-shaped Temporal (its services,
   * PostgreSQL, the links between them); absent for any cluster with a Temporal frontend.
   */
  cluster?: 'services';
}

export interface Scenario extends ScenarioSpec {
  /** undefined: every checker of the system it runs on. */
  checks?: string[];
  settleWithinMs: number;
  spreadOverMs: number;
}

/** A scenario checked against the system it runs on. */
export interface BoundScenario<Params = unknown> extends Scenario {
  system: System<Params>;
  checks: string[];
  workers: number;
  /** The workload's fields as the system's `params` returned them. */
  params: Params;
}

/** A fault's `for`, when it is `{ until: point }`. */
export const untilPoint = (lasting: FaultSpec['for']): ProgressPoint | undefined =>
  isRecord(lasting) && 'until' in lasting ? (lasting as { until: ProgressPoint }).until : undefined;

/** The checks of one fault that need its kind: its action's shape, and how a kind may be placed and last. */
function checkFaultOfKind(fault: FaultSpec, i: number, kind: AnyFaultKind): void {
  const field = `faults[${i}]`;
  kind.validate(fault.action as Record<string, unknown>, `${field}.action`);
  const atPoint = isPoint(fault.at);
  if (kind.atPointOnly)
    check(
      atPoint,
      `${field}.at`,
      `a ${kind.kind} acts on what a point holds: place it at a point ({ request: link, kind, on: 'answered' } or { activity, on })`,
    );
  if (atPoint && kind.heal)
    check(
      fault.for !== undefined,
      `${field}.for`,
      `a ${kind.kind} placed at a point needs to say how long it lasts: a time ('2s'), or { until: point }`,
    );
}

/** Check a scenario's shape and fill in its defaults. Throws DefinitionError naming the field. */
export function defineScenario(spec: ScenarioSpec): Scenario {
  check(isRecord(spec), 'scenario', 'expected an object: defineScenario({ name, description, workload, faults })');
  const s = spec as unknown as Record<string, unknown>;
  check(typeof s.name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(s.name), 'name', `expected kebab-case, got ${JSON.stringify(s.name)}`);
  check(
    typeof s.description === 'string' && s.description.length > 0,
    'description',
    'expected a sentence saying what the scenario proves',
  );
  const w = s.workload;
  check(isRecord(w), 'workload', 'expected an object with concurrency (and the fields the system reads)');
  check(
    Number.isSafeInteger(w.concurrency) && (w.concurrency as number) >= 1 && (w.concurrency as number) <= 1000,
    'workload.concurrency',
    `expected a whole number from 1 to 1000, got ${JSON.stringify(w.concurrency)}`,
  );
  const spreadOverMs = w.spreadOver === undefined ? 0 : durationMs(w.spreadOver, 'workload.spreadOver');
  const settleWithinMs = durationMs(s.settleWithin ?? '60s', 'settleWithin');
  check(Array.isArray(s.faults), 'faults', 'expected a list (it may be empty)');
  (s.faults as unknown[]).forEach((fault, i) => {
    check(isRecord(fault), `faults[${i}]`, 'expected an object with action and at');
    check(
      isRecord(fault.action) && typeof fault.action.kind === 'string' && fault.action.kind !== '',
      `faults[${i}].action`,
      'expected an object with a kind',
    );
    if (isPoint(fault.at)) checkPoint(fault.at, `faults[${i}].at`);
    else {
      const [, latest] = timingWindow(fault.at, `faults[${i}].at`);
      // The workload starts within spreadOver and must settle within settleWithin after that: a fault that may start
      // later would land on a finished run (or keep a finished run waiting for it), and prove nothing.
      check(
        latest <= spreadOverMs + settleWithinMs,
        `faults[${i}].at`,
        `may start ${latest / 1000} s in, after the run's work is bounded to end (workload.spreadOver ${spreadOverMs / 1000} s + settleWithin ${settleWithinMs / 1000} s); start it earlier or raise settleWithin`,
      );
    }
    const until = untilPoint(fault.for as FaultSpec['for']);
    if (until !== undefined) checkPoint(until, `faults[${i}].for.until`);
    else if (fault.for !== undefined) timingWindow(fault.for, `faults[${i}].for`);
    // A kind of the system's own is checked when the scenario meets its system (bindScenario).
    if (BUILT_IN.has(fault.action.kind as string))
      checkFaultOfKind(fault as unknown as FaultSpec, i, BUILT_IN.of(fault.action as { kind: string }));
  });
  if (s.checks !== undefined) {
    check(Array.isArray(s.checks) && s.checks.length > 0, 'checks', 'expected a non-empty list of checker names (or leave it out for all)');
    (s.checks as unknown[]).forEach((c, i) =>
      check(typeof c === 'string' && c !== '', `checks[${i}]`, `expected a checker name, got ${JSON.stringify(c)}`),
    );
  }
  check(
    s.cluster === undefined || s.cluster === 'services',
    'cluster',
    `expected 'services' (or leave it out for any cluster), got ${JSON.stringify(s.cluster)}`,
  );
  check(
    s.workers === undefined || (Number.isSafeInteger(s.workers) && (s.workers as number) >= 1 && (s.workers as number) <= 8),
    'workers',
    `expected 1 to 8, got ${JSON.stringify(s.workers)}`,
  );
  if (s.code !== undefined) {
    check(isRecord(s.code), 'code', 'expected { workflows?, activities? }');
    for (const key of ['workflows', 'activities'] as const)
      check(s.code[key] === undefined || typeof s.code[key] === 'string', `code.${key}`, 'expected a module path');
  }
  return { ...spec, settleWithinMs, spreadOverMs };
}

/** The names a scenario's faults may target on the system, given the cluster it needs and the workers it runs. */
export function faultTargets(system: Pick<System, 'parts' | 'partLinks'>, cluster: Scenario['cluster'], workers: number): FaultTargets {
  const services = cluster === 'services';
  return {
    links: [...linkNames(system), ...(services ? SERVICES_LINKS : [])],
    parts: Object.keys(system.parts),
    temporal: services ? SERVICES_PROCESSES : ['temporal'],
    workers,
    ...(services ? { cluster: 'services' as const } : {}),
  };
}

/** Each fault's kind, names and points checked against the system (bindScenario). */
function checkTargets(scenario: Scenario, system: System, workers: number): void {
  const kinds = faultKindsOf(system);
  const targets = faultTargets(system, scenario.cluster, workers);
  const gated = system.partLinks.filter((link) => link.from === 'worker').map((link) => link.name);
  scenario.faults.forEach((fault, i) => {
    const kind = kinds.of(fault.action, `faults[${i}].action`);
    checkFaultOfKind(fault, i, kind);
    kind.bind?.(fault.action as never, `faults[${i}].action`, targets);
    if (isPoint(fault.at)) bindPoint(fault.at, `faults[${i}].at`, gated);
    const until = untilPoint(fault.for);
    if (until) bindPoint(until, `faults[${i}].for.until`, gated);
  });
}

/** What a cluster provider offers, as checkScenarioCluster reads it. */
export interface ProviderOffer {
  name: string;
  capabilities: readonly Capability[];
}

/**
 * Check that a scenario can run on the cluster a provider gives: a services scenario only on the services cluster,
 * and each fault only where the cluster offers what its kind and its points need (the dev server to kill, the
 * activity probe, request gates...). Throws DefinitionError naming the fault.
 */
export function checkScenarioCluster(scenario: Scenario & { system?: Pick<System, 'faultKinds'> }, provider: ProviderOffer): void {
  if (scenario.cluster === 'services') {
    check(
      provider.name === 'services',
      'cluster',
      `scenario ${scenario.name} faults the inside of a Temporal cluster: run it with --cluster services (this run has ${provider.name})`,
    );
  }
  const kinds = scenario.system ? faultKindsOf(scenario.system) : BUILT_IN;
  scenario.faults.forEach((fault, i) => {
    const kind = kinds.of(fault.action, `faults[${i}].action`);
    const until = untilPoint(fault.for);
    const needs = [
      ...kind.needs(fault.action as never),
      ...(isPoint(fault.at) ? pointNeeds(fault.at) : []),
      ...(until ? pointNeeds(until) : []),
    ];
    const missing = needs.find((capability) => !provider.capabilities.includes(capability));
    check(
      missing === undefined,
      `faults[${i}]`,
      `${kind.describe(fault.action as never)} needs ${CAPABILITY_MEANS[missing!]}, which the ${provider.name} cluster does not offer`,
    );
  });
}

/**
 * Check a scenario against the system it runs on: every fault's link and process exists, every check is a
 * built-in or system checker, and the system's workload accepts the workload fields. Throws DefinitionError naming
 * the field.
 */
export function bindScenario<Params>(scenario: Scenario, system: System<Params>): BoundScenario<Params> {
  const workers = scenario.workers ?? system.workers.count ?? 2;
  checkTargets(scenario, system as System, workers);
  const available = [...BUILT_IN_CHECKERS.map((c) => c.name), ...system.checkers.map((c) => c.name)];
  const checks = scenario.checks ?? available;
  checks.forEach((name, i) =>
    check(available.includes(name), `checks[${i}]`, `expected one of ${available.join(', ')}, got ${JSON.stringify(name)}`),
  );
  const { concurrency: _concurrency, spreadOver: _spreadOver, ...fields } = scenario.workload;
  const params = withFieldPrefix('workload.', () => {
    try {
      return system.workload.params ? system.workload.params(fields) : (fields as Params);
    } catch (error) {
      if (error instanceof DefinitionError) throw error;
      // A user's params check may throw any Error: its message is meant to start with the field.
      throw new DefinitionError((error as Error).message, { cause: error });
    }
  });
  return { ...scenario, system, checks, workers, params };
}
