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
import {
  PERSISTENCE_ERRORS,
  TEMPORAL_SERVICES,
  type PersistenceFaults,
  type TemporalService,
} from '../../base/harness/temporal-services.ts';
import { SERVICES_LINKS, SERVICES_PROCESSES } from './cluster/services-names.ts';

export { durationMs, timingWindow };
export type { Duration, Timing };

/** Every Toxiproxy toxic (toxiproxy 2.12). Attributes are the toxic's own, in its units (ms, KB/s, bytes, µs). */
export const TOXICS = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data'] as const;
export type ToxicType = (typeof TOXICS)[number];

/** A process of the cluster: 'temporal', a part of the system, 'worker' (one the seeded generator picks) or 'worker-<n>'. */
export type ProcessTarget = string;

export type FaultAction =
  | { kind: 'toxic'; link: string; toxic: ToxicType; stream?: 'upstream' | 'downstream'; attributes?: Record<string, number> }
  | { kind: 'link-down'; link: string }
  /** kill -9; healed by restarting it. */
  | { kind: 'kill'; process: ProcessTarget }
  /** SIGSTOP; healed by SIGCONT. */
  | { kind: 'pause'; process: ProcessTarget }
  /** A graceful restart (SIGTERM, wait for it to exit, start it again), as an operator's rolling restart does; nothing to heal. */
  | { kind: 'restart'; process: ProcessTarget }
  /** Replace every worker's code (e.g. deploy a fix); permanent. Paths are relative to the project root. */
  | { kind: 'deploy'; workflows?: string; activities?: string }
  /**
   * The services cluster only: the server's own persistence fault injection. Each of `services` (default: history)
   * restarts with `errors` (data store -> method -> error -> probability; e.g. ExecutionStore.UpdateWorkflowExecution
   * ExecuteAndTimeout: 0.1 commits the write and answers with a timeout); healed by restarting without them.
   */
  | { kind: 'persistence'; errors: PersistenceFaults; services?: TemporalService[] };

export interface FaultSpec {
  action: FaultAction;
  /** When it starts, from the beginning of the workload. */
  at: Timing;
  /** How long it lasts before the harness heals it; until the end of the fault phase when absent. */
  for?: Timing;
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

function checkAction(action: unknown, field: string): void {
  check(isRecord(action), field, 'expected an object with a kind');
  const a = action;
  const name = (key: string): void =>
    check(typeof a[key] === 'string' && a[key] !== '', `${field}.${key}`, `expected a name, got ${JSON.stringify(a[key])}`);
  switch (a.kind) {
    case 'toxic':
      name('link');
      check(
        TOXICS.includes(a.toxic as ToxicType),
        `${field}.toxic`,
        `expected one of ${TOXICS.join(', ')}, got ${JSON.stringify(a.toxic)}`,
      );
      check(
        a.stream === undefined || a.stream === 'upstream' || a.stream === 'downstream',
        `${field}.stream`,
        `expected upstream or downstream, got ${JSON.stringify(a.stream)}`,
      );
      check(
        a.attributes === undefined ||
          (isRecord(a.attributes) && Object.values(a.attributes).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)),
        `${field}.attributes`,
        'expected an object of non-negative numbers',
      );
      return;
    case 'link-down':
      name('link');
      return;
    case 'kill':
    case 'pause':
    case 'restart':
      name('process');
      return;
    case 'deploy':
      check(
        typeof a.workflows === 'string' || typeof a.activities === 'string',
        field,
        'a deploy names the new workflows and/or activities module',
      );
      return;
    case 'persistence':
      checkPersistenceFaults(a.errors, `${field}.errors`);
      check(
        a.services === undefined ||
          (Array.isArray(a.services) &&
            a.services.length > 0 &&
            a.services.every((svc) => TEMPORAL_SERVICES.includes(svc as TemporalService))),
        `${field}.services`,
        `expected a non-empty list of ${TEMPORAL_SERVICES.join(', ')}, got ${JSON.stringify(a.services)}`,
      );
      return;
    default:
      throw new DefinitionError(
        `${field}.kind: expected toxic, link-down, kill, pause, restart, deploy or persistence, got ${JSON.stringify(a.kind)}`,
      );
  }
}

function checkPersistenceFaults(errors: unknown, field: string): void {
  const example = 'e.g. { ExecutionStore: { UpdateWorkflowExecution: { ExecuteAndTimeout: 0.1 } } }';
  check(isRecord(errors) && Object.keys(errors).length > 0, field, `expected data store -> method -> error -> probability, ${example}`);
  for (const [store, methods] of Object.entries(errors as Record<string, unknown>)) {
    check(
      /^[A-Z][A-Za-z]*Store$|^Queue(V2)?$/.test(store) && isRecord(methods) && Object.keys(methods).length > 0,
      `${field}.${store}`,
      `expected a data store (ExecutionStore, TaskStore, ShardStore, ...) holding methods, ${example}`,
    );
    for (const [method, byError] of Object.entries(methods as Record<string, unknown>)) {
      check(
        isRecord(byError) && Object.keys(byError).length > 0,
        `${field}.${store}.${method}`,
        `expected error -> probability, ${example}`,
      );
      for (const [error, p] of Object.entries(byError as Record<string, unknown>)) {
        const at = `${field}.${store}.${method}.${error}`;
        check(
          PERSISTENCE_ERRORS.includes(error as (typeof PERSISTENCE_ERRORS)[number]),
          at,
          `expected one of ${PERSISTENCE_ERRORS.join(', ')}`,
        );
        check(typeof p === 'number' && p > 0 && p <= 1, at, `expected a probability in (0, 1], got ${JSON.stringify(p)}`);
      }
    }
  }
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
    checkAction(fault.action, `faults[${i}].action`);
    const [, latest] = timingWindow(fault.at, `faults[${i}].at`);
    // The workload starts within spreadOver and must settle within settleWithin after that: a fault that may start
    // later would land on a finished run (or keep a finished run waiting for it), and prove nothing.
    check(
      latest <= spreadOverMs + settleWithinMs,
      `faults[${i}].at`,
      `may start ${latest / 1000} s in, after the run's work is bounded to end (workload.spreadOver ${spreadOverMs / 1000} s + settleWithin ${settleWithinMs / 1000} s); start it earlier or raise settleWithin`,
    );
    if (fault.for !== undefined) timingWindow(fault.for, `faults[${i}].for`);
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
  if (s.cluster !== 'services') {
    (s.faults as FaultSpec[]).forEach((fault, i) =>
      check(
        fault.action.kind !== 'persistence',
        `faults[${i}].action.kind`,
        "a persistence fault needs the services cluster: add cluster: 'services' to the scenario",
      ),
    );
  }
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

/** Where each fault's target must be found, as names the system and its cluster give. */
function checkTargets(scenario: Scenario, system: System, workers: number): void {
  const services = scenario.cluster === 'services';
  const links = [...linkNames(system), ...(services ? SERVICES_LINKS : [])];
  const temporal = services ? SERVICES_PROCESSES : ['temporal'];
  const processes = [...temporal, ...Object.keys(system.parts), 'worker', ...Array.from({ length: workers }, (_, i) => `worker-${i + 1}`)];
  scenario.faults.forEach((fault, i) => {
    const action = fault.action;
    const field = `faults[${i}].action`;
    if (action.kind === 'toxic' || action.kind === 'link-down') {
      check(links.includes(action.link), `${field}.link`, `expected one of ${links.join(', ')}, got ${JSON.stringify(action.link)}`);
    }
    if (action.kind === 'kill' || action.kind === 'pause' || action.kind === 'restart') {
      const worker = /^worker-(\d+)$/.exec(action.process);
      const message = worker
        ? `the scenario runs ${workers} worker(s): worker-1 to worker-${workers}, or 'worker' for one picked by the seed; got ${JSON.stringify(action.process)}`
        : `expected one of ${processes.join(', ')}, got ${JSON.stringify(action.process)}`;
      check(processes.includes(action.process), `${field}.process`, message);
    }
  });
}

/**
 * Check that a scenario can run on the cluster a provider gives: a services scenario only on the services
 * cluster, and a scenario that kills or pauses the dev server ('temporal') not there. Throws DefinitionError.
 */
export function checkScenarioCluster(scenario: Scenario, provider: string): void {
  if (scenario.cluster === 'services') {
    check(
      provider === 'services',
      'cluster',
      `scenario ${scenario.name} faults the inside of a Temporal cluster: run it with --cluster services (this run has ${provider})`,
    );
    return;
  }
  if (provider !== 'services') return;
  scenario.faults.forEach((fault, i) => {
    const { action } = fault;
    check(
      !((action.kind === 'kill' || action.kind === 'pause' || action.kind === 'restart') && action.process === 'temporal'),
      `faults[${i}].action.process`,
      `scenario ${scenario.name} faults 'temporal', the dev server, which the services cluster does not run: run it on another cluster (its Temporal processes are ${SERVICES_PROCESSES.join(', ')})`,
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
