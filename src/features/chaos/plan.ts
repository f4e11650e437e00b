/**
 * Planning a chaos run (pure): a scenario bound to its system, and a seed -> every operation the workload will run
 * (from the system's workload), every fault (its target resolved, its start and heal times fixed, or the points it
 * is placed at and heals at), and the data to seed the parts with. The same scenario and seed always give the same
 * plan; the run id only namespaces the ids.
 */
import { check, DefinitionError, isRecord } from '../../base/definition.ts';
import { durationMs, formatDuration } from '../../base/duration.ts';
import { Random } from '../../base/random.ts';
import { type FaultAction, faultKindsOf } from './faults/index.ts';
import type { AnyFaultKind } from './faults/kind.ts';
import { describePoint, describePointFault, isPoint, type ProgressPoint } from './points.ts';
import type { BoundScenario } from './scenario.ts';
import { timingWindow, untilPoint } from './scenario.ts';
import type { OperationSpec, StepSpec } from './system.ts';

export type PlannedStep = StepSpec & {
  name: string;
  afterMs: number;
};

export interface PlannedOperation extends Omit<OperationSpec, 'steps' | 'atMs' | 'args'> {
  kind: string;
  args: unknown[];
  startAtMs: number;
  steps: PlannedStep[];
}

/**
 * A fault with its target resolved ('worker' becomes a particular worker, unless it is placed at an activity point,
 * where it is the worker the point is in) and its times fixed: placed at a time (`atMs`) or at a point (`at`), healed
 * at a time (`healAtMs`), a time after it was applied (`forMs`), or at a point (`until`).
 */
export interface PlannedFault {
  id: string;
  action: FaultAction;
  /** What it does, where and for how long, as a person reads it. */
  what: string;
  /** When it starts, from the beginning of the workload; absent for a fault placed at a point. */
  atMs?: number;
  /** The point it is placed at. */
  at?: ProgressPoint;
  /** When the harness heals it; absent for a fault with nothing to heal (deploy, restart, drop) and for one healed otherwise. */
  healAtMs?: number;
  /** How long after it was applied it is healed (a fault placed at a point). */
  forMs?: number;
  /** The point it is healed at. */
  until?: ProgressPoint;
}

export interface Plan<Setup = unknown> {
  scenario: string;
  seed: number;
  runId: string;
  /** What the system's workload seeds its parts with. */
  setup: Setup;
  operations: PlannedOperation[];
  faults: PlannedFault[];
  /** Every fault is healed by then; the settle bound counts from here. */
  faultPhaseEndsMs: number;
}

/** The most operations one run may plan: more would not finish in any sensible time. */
export const MAX_OPERATIONS = 10_000;

function stepName(step: StepSpec): string {
  if (step.name) return step.name;
  if ('signal' in step) return step.signal;
  if ('update' in step) return step.update;
  if ('query' in step) return step.query;
  return 'cancel' in step ? 'cancel' : 'terminate';
}

/** Check the operations a workload planned: the system's code, so a mistake names the operation and field. */
function checkOperations(operations: unknown, spreadMs: number, random: Random): PlannedOperation[] {
  check(Array.isArray(operations), 'operations', 'expected a list of { id, workflowType, workflowId, taskQueue, args }');
  check(operations.length > 0, 'operations', 'the workload plans nothing: give it something to run');
  check(operations.length <= MAX_OPERATIONS, 'operations', `${operations.length} operations; a run plans at most ${MAX_OPERATIONS}`);
  const ids = new Set<string>();
  const workflowIds = new Set<string>();
  return operations.map((op: unknown, i) => {
    const field = `operations[${i}]`;
    check(isRecord(op), field, 'expected { id, workflowType, workflowId, taskQueue, args }');
    for (const key of ['id', 'workflowType', 'workflowId', 'taskQueue'] as const)
      check(
        typeof op[key] === 'string' && op[key] !== '',
        `${field}.${key}`,
        `expected a non-empty string, got ${JSON.stringify(op[key])}`,
      );
    check(!ids.has(op.id as string), `${field}.id`, `${op.id} is planned twice`);
    check(!workflowIds.has(op.workflowId as string), `${field}.workflowId`, `${op.workflowId} is planned twice`);
    ids.add(op.id as string);
    workflowIds.add(op.workflowId as string);
    check(op.args === undefined || Array.isArray(op.args), `${field}.args`, 'expected a list of arguments');
    const steps = (op.steps ?? []) as unknown[];
    check(Array.isArray(steps), `${field}.steps`, 'expected a list of steps');
    const planned = steps.map((step, j): PlannedStep => {
      const at = `${field}.steps[${j}]`;
      check(isRecord(step), at, 'expected { signal | update | query: name } or { cancel: true } or { terminate: reason }');
      const actions = ['signal', 'update', 'query', 'cancel', 'terminate'].filter((key) => key in step);
      check(actions.length === 1, at, 'expected exactly one of signal, update, query, cancel, terminate');
      if (step.waitFor !== undefined) {
        check(
          isRecord(step.waitFor) && typeof step.waitFor.query === 'string' && typeof step.waitFor.until === 'function',
          `${at}.waitFor`,
          'expected { query, until(result) }',
        );
      }
      const spec = step as unknown as StepSpec;
      return { ...spec, name: stepName(spec), afterMs: spec.after === undefined ? 0 : durationMs(spec.after, `${at}.after`) };
    });
    const atMs = op.atMs === undefined ? (spreadMs === 0 ? 0 : random.int(0, spreadMs)) : durationMs(op.atMs, `${field}.atMs`);
    const spec = op as unknown as OperationSpec;
    const { atMs: _atMs, steps: _steps, ...fields } = spec;
    return { ...fields, kind: spec.kind ?? spec.workflowType, args: spec.args ?? [], startAtMs: atMs, steps: planned };
  });
}

export function planScenario<Params>(scenario: BoundScenario<Params>, seed: number, runId: string): Plan {
  const random = new Random(seed);
  let planned: { operations: unknown; setup?: unknown };
  try {
    planned = scenario.system.workload.plan({ params: scenario.params, random, id: (name) => `${runId}-${name}`, runId });
  } catch (error) {
    throw new DefinitionError(`workload.plan threw: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  check(isRecord(planned), 'workload.plan', 'expected it to return { operations, setup }');
  const operations = (() => {
    try {
      return checkOperations(planned.operations, scenario.spreadOverMs, random);
    } catch (error) {
      throw new DefinitionError(`workload.plan returned a bad operation: ${(error as Error).message}`, { cause: error });
    }
  })();
  operations.sort((a, b) => a.startAtMs - b.startAtMs || a.id.localeCompare(b.id));

  const kinds = faultKindsOf(scenario.system);
  const faults: PlannedFault[] = scenario.faults.map((fault, i) => planFault(fault, i, kinds.of(fault.action), scenario.workers, random));
  const timed = faults.filter((f) => f.atMs !== undefined);
  const lastTimed = Math.max(scenario.spreadOverMs, ...operations.map((op) => op.startAtMs), ...timed.map((f) => f.healAtMs ?? f.atMs!));
  // A timed fault without a duration lasts until the fault phase ends: a second after everything else.
  const open = timed.filter((f) => f.healAtMs === undefined && f.until === undefined && lasts(kinds.of(f.action)));
  const faultPhaseEndsMs = open.length > 0 ? lastTimed + 1000 : lastTimed;
  for (const fault of open) fault.healAtMs = faultPhaseEndsMs;

  return { scenario: scenario.name, seed, runId, setup: planned.setup, operations, faults, faultPhaseEndsMs };
}

/** Whether a kind's faults last until healed (not a deploy, a restart, a drop). */
const lasts = (kind: AnyFaultKind): boolean => kind.heal !== undefined;

function planFault(fault: BoundScenario['faults'][number], i: number, kind: AnyFaultKind, workers: number, random: Random): PlannedFault {
  const id = `f${i}`;
  const point = isPoint(fault.at) ? fault.at : undefined;
  const atMs = point ? undefined : random.int(...timingWindow(fault.at as Exclude<typeof fault.at, ProgressPoint>, `faults[${i}].at`));
  // At an activity point, 'worker' is the worker the point is in: chosen by the run, not the seed.
  const action = kind.resolve && !(point && 'activity' in point) ? kind.resolve(fault.action, { random, workers }) : fault.action;
  const until = untilPoint(fault.for);
  const window =
    fault.for !== undefined && !until
      ? timingWindow(fault.for as Exclude<typeof fault.for, { until: unknown }>, `faults[${i}].for`)
      : undefined;
  const lastingMs = window && lasts(kind) ? random.int(window[0], window[1]) : undefined;
  const described = kind.describe(action);
  const lasting =
    lastingMs !== undefined
      ? `for ${formatDuration(lastingMs, 100)}`
      : until
        ? `until ${describePoint(until).replace(/^when /, '')}`
        : undefined;
  if (point) {
    return {
      id,
      action,
      what: describePointFault(action, described, point, lasting),
      at: point,
      ...(lastingMs !== undefined ? { forMs: lastingMs } : {}),
      ...(until && lasts(kind) ? { until } : {}),
    };
  }
  return {
    id,
    action,
    what: until && lasts(kind) ? `${described}, ${lasting}` : described,
    atMs,
    ...(lastingMs !== undefined ? { healAtMs: atMs! + lastingMs } : {}),
    ...(until && lasts(kind) ? { until } : {}),
  };
}
