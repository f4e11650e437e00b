/**
 * Planning a chaos run (pure): a scenario bound to its system, and a seed -> every operation the workload will run
 * (from the system's workload), every fault (its target resolved, its start and heal times fixed), and the data to
 * seed the parts with. The same scenario and seed always give the same plan; the run id only namespaces the ids.
 */
import { check, DefinitionError, isRecord } from '../../base/definition.ts';
import { durationMs } from '../../base/duration.ts';
import { Random } from '../../base/random.ts';
import type { BoundScenario, FaultAction } from './scenario.ts';
import { timingWindow } from './scenario.ts';
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

/** A fault with its target resolved ('worker' becomes a particular worker) and its times fixed. */
export interface PlannedFault {
  id: string;
  action: FaultAction;
  atMs: number;
  /** When the harness heals it; undefined for a deploy, which is permanent. */
  healAtMs?: number;
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

function resolveAction(action: FaultAction, workers: number, random: Random): FaultAction {
  if ((action.kind === 'kill' || action.kind === 'pause' || action.kind === 'restart') && action.process === 'worker') {
    return { ...action, process: `worker-${random.int(1, workers)}` };
  }
  return action;
}

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

  const faults: PlannedFault[] = scenario.faults.map((fault, i) => {
    const [atLow, atHigh] = timingWindow(fault.at, `faults[${i}].at`);
    const atMs = random.int(atLow, atHigh);
    const action = resolveAction(fault.action, scenario.workers, random);
    if (action.kind === 'deploy' || action.kind === 'restart') return { id: `f${i}`, action, atMs };
    const lasting = fault.for === undefined ? undefined : timingWindow(fault.for, `faults[${i}].for`);
    return { id: `f${i}`, action, atMs, healAtMs: lasting ? atMs + random.int(lasting[0], lasting[1]) : undefined };
  });
  const lastTimed = Math.max(scenario.spreadOverMs, ...operations.map((op) => op.startAtMs), ...faults.map((f) => f.healAtMs ?? f.atMs));
  // A fault without a duration lasts until the fault phase ends: a second after everything else.
  const lasts = (fault: PlannedFault): boolean => fault.action.kind !== 'deploy' && fault.action.kind !== 'restart';
  const faultPhaseEndsMs = faults.some((f) => f.healAtMs === undefined && lasts(f)) ? lastTimed + 1000 : lastTimed;
  for (const fault of faults) if (fault.healAtMs === undefined && lasts(fault)) fault.healAtMs = faultPhaseEndsMs;

  return { scenario: scenario.name, seed, runId, setup: planned.setup, operations, faults, faultPhaseEndsMs };
}
