/**
 * Chaos scenarios as typed data: a workload, faults with windows for their timing, the invariants that must hold,
 * and a bound for settling. `defineScenario` validates eagerly, so a bad file fails with the field that is wrong.
 */
import { LINKS, type LinkName, TOXICS, type ToxicType } from './cluster/types.ts';

/** Milliseconds, or text such as '500ms', '2s', '1.5m'. */
export type Duration = number | string;
/** A fixed offset, or a window the seeded generator picks from. */
export type Timing = Duration | { between: [Duration, Duration] };

/** A process, or 'worker' for one worker the seeded generator picks. */
export type ProcessTarget = 'temporal' | 'bank' | 'store' | 'worker' | `worker-${number}`;

export type FaultAction =
  | { kind: 'toxic'; link: LinkName; toxic: ToxicType; stream?: 'upstream' | 'downstream'; attributes?: Record<string, number> }
  | { kind: 'link-down'; link: LinkName }
  /** kill -9; healed by restarting it. */
  | { kind: 'kill'; process: ProcessTarget }
  /** SIGSTOP; healed by SIGCONT. */
  | { kind: 'pause'; process: ProcessTarget }
  /** Replace every worker's code (e.g. deploy a fix); permanent. Paths are relative to the project root. */
  | { kind: 'deploy'; workflows?: string; activities?: string };

export interface FaultSpec {
  action: FaultAction;
  /** When it starts, from the beginning of the workload. */
  at: Timing;
  /** How long it lasts before the harness heals it; until the end of the fault phase when absent. */
  for?: Timing;
}

export interface WorkloadSpec {
  /** Money transfers to run. */
  transfers?: number;
  /** orderSaga executions. */
  sagas?: number;
  /** order executions (approval step): each is approved, rejected or cancelled by signal. */
  orders?: number;
  /** Executions in flight at once. */
  concurrency: number;
  /**
   * Fractions of the transfers that are invalid (unknown account) or too large (insufficient funds), of the sagas
   * that fail (an address the store does not ship to, so they must compensate), and of orders that get cancelled.
   */
  mix?: { invalidAccount?: number; insufficientFunds?: number; sagaFailure?: number; cancel?: number };
  /** Spread the starts over this long, so faults meet workflows at every stage. */
  spreadOver?: Duration;
}

export const CHECKS = [
  'money-conserved',
  'transfers-ended-validly',
  'keys-applied-once',
  'sagas-completed-or-compensated',
  'all-finished',
  'histories-replay',
  'business-errors-not-retried',
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface ScenarioSpec {
  name: string;
  description: string;
  workload: WorkloadSpec;
  faults: FaultSpec[];
  /** Invariants to check; all of them when absent. */
  checks?: CheckName[];
  /** After the faults heal, every workflow must reach a terminal state within this bound (default 60 s). */
  settleWithin?: Duration;
  /** Worker processes (default 2). */
  workers?: number;
  /** The code the workers start with (default: the packaged workflows and activities; overridden by --workflows/--activities). */
  code?: { workflows?: string; activities?: string };
}

export interface Scenario extends ScenarioSpec {
  checks: CheckName[];
  settleWithinMs: number;
  workers: number;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Parse a duration; throws naming `field`. */
export function durationMs(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(value.trim()) : null;
  if (!match) throw new ScenarioError(`${field}: expected a duration such as 500, '500ms', '2s' or '1m', got ${JSON.stringify(value)}`);
  return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm']);
}

/** A timing as a [min, max] window in ms. */
export function timingWindow(value: unknown, field: string): [number, number] {
  if (value && typeof value === 'object' && 'between' in value) {
    const between = (value as { between: unknown }).between;
    if (!Array.isArray(between) || between.length !== 2) throw new ScenarioError(`${field}.between: expected two durations, got ${JSON.stringify(between)}`);
    const [low, high] = [durationMs(between[0], `${field}.between[0]`), durationMs(between[1], `${field}.between[1]`)];
    if (high < low) throw new ScenarioError(`${field}.between: the window ends before it starts (${JSON.stringify(between)})`);
    return [low, high];
  }
  const fixed = durationMs(value, field);
  return [fixed, fixed];
}

function check(condition: boolean, field: string, message: string): void {
  if (!condition) throw new ScenarioError(`${field}: ${message}`);
}

const nonNegativeInteger = (value: unknown): boolean => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
const fraction = (value: unknown): boolean => value === undefined || (typeof value === 'number' && value >= 0 && value <= 1);

function validateProcess(value: unknown, field: string): void {
  check(typeof value === 'string' && /^(temporal|bank|store|worker|worker-\d+)$/.test(value), field, `expected temporal, bank, store, worker or worker-<n>, got ${JSON.stringify(value)}`);
}

function validateAction(action: unknown, field: string): void {
  check(!!action && typeof action === 'object', field, 'expected an object with a kind');
  const a = action as Record<string, unknown>;
  switch (a.kind) {
    case 'toxic':
      check(LINKS.includes(a.link as LinkName), `${field}.link`, `expected one of ${LINKS.join(', ')}, got ${JSON.stringify(a.link)}`);
      check(TOXICS.includes(a.toxic as ToxicType), `${field}.toxic`, `expected one of ${TOXICS.join(', ')}, got ${JSON.stringify(a.toxic)}`);
      check(a.stream === undefined || a.stream === 'upstream' || a.stream === 'downstream', `${field}.stream`, `expected upstream or downstream, got ${JSON.stringify(a.stream)}`);
      check(
        a.attributes === undefined || (typeof a.attributes === 'object' && a.attributes !== null && Object.values(a.attributes).every((v) => typeof v === 'number' && v >= 0)),
        `${field}.attributes`,
        'expected an object of non-negative numbers',
      );
      return;
    case 'link-down':
      check(LINKS.includes(a.link as LinkName), `${field}.link`, `expected one of ${LINKS.join(', ')}, got ${JSON.stringify(a.link)}`);
      return;
    case 'kill':
    case 'pause':
      validateProcess(a.process, `${field}.process`);
      return;
    case 'deploy':
      check(typeof a.workflows === 'string' || typeof a.activities === 'string', field, 'a deploy names the new workflows and/or activities module');
      return;
    default:
      throw new ScenarioError(`${field}.kind: expected toxic, link-down, kill, pause or deploy, got ${JSON.stringify(a.kind)}`);
  }
}

/** Validate a scenario and fill in its defaults. Throws ScenarioError naming the field. */
export function defineScenario(spec: ScenarioSpec): Scenario {
  const s = spec as unknown as Record<string, unknown>;
  check(typeof s.name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(s.name), 'name', `expected kebab-case, got ${JSON.stringify(s.name)}`);
  check(typeof s.description === 'string' && s.description.length > 0, 'description', 'expected a sentence saying what the scenario proves');
  const w = s.workload as Record<string, unknown> | undefined;
  check(!!w && typeof w === 'object', 'workload', 'expected an object');
  for (const key of ['transfers', 'sagas', 'orders'] as const) check(nonNegativeInteger(w![key]), `workload.${key}`, `expected a whole number, got ${JSON.stringify(w![key])}`);
  check(((w!.transfers as number) ?? 0) + ((w!.sagas as number) ?? 0) + ((w!.orders as number) ?? 0) > 0, 'workload', 'runs nothing: give transfers, sagas or orders');
  check(Number.isSafeInteger(w!.concurrency) && (w!.concurrency as number) >= 1, 'workload.concurrency', `expected a whole number >= 1, got ${JSON.stringify(w!.concurrency)}`);
  const mix = (w!.mix ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(mix)) {
    check(['invalidAccount', 'insufficientFunds', 'sagaFailure', 'cancel'].includes(key), `workload.mix.${key}`, 'expected invalidAccount, insufficientFunds, sagaFailure or cancel');
    check(fraction(mix[key]), `workload.mix.${key}`, `expected a fraction from 0 to 1, got ${JSON.stringify(mix[key])}`);
  }
  check(((mix.invalidAccount as number) ?? 0) + ((mix.insufficientFunds as number) ?? 0) <= 1, 'workload.mix', 'invalidAccount + insufficientFunds exceed 1');
  if (w!.spreadOver !== undefined) durationMs(w!.spreadOver, 'workload.spreadOver');
  check(Array.isArray(s.faults), 'faults', 'expected a list (it may be empty)');
  (s.faults as unknown[]).forEach((fault, i) => {
    const f = fault as Record<string, unknown>;
    check(!!f && typeof f === 'object', `faults[${i}]`, 'expected an object with action and at');
    validateAction(f.action, `faults[${i}].action`);
    timingWindow(f.at, `faults[${i}].at`);
    if (f.for !== undefined) timingWindow(f.for, `faults[${i}].for`);
  });
  const checks = (s.checks ?? [...CHECKS]) as unknown[];
  check(Array.isArray(checks) && checks.length > 0, 'checks', 'expected a non-empty list');
  checks.forEach((c, i) => check(CHECKS.includes(c as CheckName), `checks[${i}]`, `expected one of ${CHECKS.join(', ')}, got ${JSON.stringify(c)}`));
  const workers = s.workers ?? 2;
  check(Number.isSafeInteger(workers) && (workers as number) >= 1 && (workers as number) <= 8, 'workers', `expected 1 to 8, got ${JSON.stringify(workers)}`);
  return {
    ...spec,
    checks: checks as CheckName[],
    settleWithinMs: durationMs(s.settleWithin ?? '60s', 'settleWithin'),
    workers: workers as number,
  };
}
