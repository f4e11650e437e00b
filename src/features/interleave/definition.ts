/**
 * `defineInterleavings`: one workflow, one input, the activities it (and the child workflows it starts) calls (each
 * a double whose answer the explorer decides), the events that can arrive while it runs (signals, updates, a
 * cancellation request), and the properties every run must keep. Validated eagerly: a wrong field is a
 * DefinitionError naming it.
 */
import { type Duration, formatDuration, parseClockTime, parseDuration } from '../../base/duration.ts';
import { check, isRecord } from '../../base/definition.ts';
import type { InterleavingRun } from './run-record.ts';

/** A failure an activity may answer with. It is final (non-retryable): the explorer is about orderings, not retries. */
export interface ActivityFailureSpec {
  /** The failure's type, as the workflow sees it (`ApplicationFailure.type`). */
  type: string;
  message?: string;
}

export interface ActivityDoubleSpec {
  /** What the activity returns when the explorer completes it (the same every time), or a function of its arguments. */
  returns?: unknown;
  /** The failures the explorer may answer with instead. */
  fails?: readonly ActivityFailureSpec[];
}

/** `after`: not before this point on the workflow clock, as an offset ('+23h59m', as at() takes it) or a duration ('23h59m'). */
export type EventSpec =
  /** A signal, by name, with its arguments. */
  | { signal: string; args?: readonly unknown[]; after?: Duration }
  /** An update, by name, with its arguments: accepted or rejected by its validator, and its handler raced by the rest. */
  | { update: string; args?: readonly unknown[]; after?: Duration }
  /** A cancellation request of the workflow (`handle.cancel()`). */
  | { cancel: true; after?: Duration };

/** A property of every run: true when it holds; false, or a sentence saying what went wrong, when not. */
export interface PropertySpec {
  name: string;
  check: (run: InterleavingRun) => boolean | string;
}

export interface InterleavingsDefinition {
  name: string;
  description?: string;
  workflowType: string;
  /** The workflow's arguments; a function gets each run's workflow id, for inputs that must differ per run. */
  args: readonly unknown[] | ((workflowId: string) => readonly unknown[]);
  /** Every activity the workflow calls, by name. An activity it calls that is not here stops the exploration. */
  activities: Record<string, ActivityDoubleSpec>;
  /** What can arrive while it runs. Each run sends a subset, each at a point the explorer picks. */
  events?: readonly EventSpec[];
  properties?: readonly PropertySpec[];
  /**
   * A run that has not ended by this much virtual time is stuck. Default: 7 days, or twice the longest timer the
   * run has started when that is longer (a workflow with a 30-day timer gets 60 days).
   */
  timeBound?: Duration;
  /** Decisions in one run at most (default 64): past them the run counts as stuck. */
  maxSteps?: number;
  /**
   * Workflow types of the children the workflow starts: they run on the same worker, their activities are doubles
   * too, and their calls, timers and answers join the ordering. A child of a type not named here is an error.
   */
  children?: readonly string[];
  /** Runs of a continue-as-new chain followed at most (default 10): a chain longer than that is stuck. */
  maxRuns?: number;
  /**
   * Whether several steps may share one workflow task (default true). The explorer opens such a task with a signal
   * of its own, `__tempest_together`, which a workflow with a default signal handler (`setDefaultSignalHandler`)
   * would see: set false for it. Off, every step gets a task of its own, and timers of the workflow due at one
   * instant reach it in one task or two, as the server's threads race.
   */
  together?: boolean;
}

/** A definition with its durations in milliseconds and its defaults filled in. */
export interface Interleavings extends Omit<
  InterleavingsDefinition,
  'events' | 'properties' | 'timeBound' | 'maxSteps' | 'children' | 'maxRuns' | 'together'
> {
  events: readonly ResolvedEvent[];
  properties: readonly PropertySpec[];
  /** The definition's own time bound; undefined for the default, which follows the workflow's timers (timeBoundOf). */
  timeBoundMs: number | undefined;
  maxSteps: number;
  children: readonly string[];
  maxRuns: number;
  together: boolean;
}

export type ResolvedEvent = (
  | { kind: 'signal'; signal: string; args: readonly unknown[] }
  | { kind: 'update'; update: string; args: readonly unknown[] }
  | { kind: 'cancel' }
) & {
  /** The earliest virtual time after the start at which it may be sent. */
  afterMs: number;
  /** How the timeline names it: `approve` (`enqueue("a")` when the signal is listed more than once), `update setLimit(-1)`, `cancel request`. */
  label: string;
  /** How `run.sent` names it, whatever else is listed: the signal's name, `update setLimit(-1)`, `cancel request`. */
  name: string;
};

/** The least time bound of the default: a week of virtual time. */
export const DEFAULT_TIME_BOUND_MS = 7 * 86_400_000;

/** The time bound of a run that has started timers of at most `longestTimerMs`: the definition's, or the default's. */
export function timeBoundOf(interleavings: Interleavings, longestTimerMs: number): number {
  return interleavings.timeBoundMs ?? Math.max(DEFAULT_TIME_BOUND_MS, 2 * longestTimerMs);
}

/** A duration of virtual time (tempest's duration grammar; virtual time is cheap, so days are fine); throws naming `field`. */
export function virtualMs(value: unknown, field: string): number {
  return parseDuration(value, field);
}

function resolveEvent(event: unknown, field: string, timeBoundMs: number | undefined): ResolvedEvent {
  check(
    isRecord(event),
    field,
    `expected { signal: 'name', args?: [...] }, { update: 'name', args?: [...] } or { cancel: true }, got ${JSON.stringify(event)}`,
  );
  const afterMs = event.after === undefined ? 0 : parseClockTime(event.after, `${field}.after`);
  const bound = timeBoundMs ?? DEFAULT_TIME_BOUND_MS;
  check(
    afterMs < bound,
    `${field}.after`,
    `${JSON.stringify(event.after)} is at or past the time bound (${formatDuration(bound)} of virtual time${timeBoundMs === undefined ? ', the default: set timeBound' : ''}): no run could send it`,
  );
  if ('cancel' in event) {
    check(event.cancel === true, `${field}.cancel`, 'must be true');
    return { kind: 'cancel', afterMs, label: 'cancel request', name: 'cancel request' };
  }
  if ('update' in event) {
    check(
      typeof event.update === 'string' && event.update.trim() !== '',
      `${field}.update`,
      `expected an update name, got ${JSON.stringify(event.update)}`,
    );
    check(event.args === undefined || Array.isArray(event.args), `${field}.args`, "expected an array of the update's arguments");
    const args = (event.args as unknown[] | undefined) ?? [];
    const shown = args.length === 0 ? event.update : `${event.update}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
    return { kind: 'update', update: event.update, args, afterMs, label: `update ${shown}`, name: `update ${shown}` };
  }
  check(
    typeof event.signal === 'string' && event.signal.trim() !== '',
    `${field}.signal`,
    `expected a signal name, got ${JSON.stringify(event.signal)}`,
  );
  check(event.args === undefined || Array.isArray(event.args), `${field}.args`, "expected an array of the signal's arguments");
  const args = (event.args as unknown[] | undefined) ?? [];
  return { kind: 'signal', signal: event.signal, args, afterMs, label: event.signal, name: event.signal };
}

/** Check a definition eagerly (a DefinitionError names the wrong field) and return it as given. */
export function defineInterleavings(definition: InterleavingsDefinition): InterleavingsDefinition {
  resolveInterleavings(definition);
  return definition;
}

/** A checked definition with its durations in milliseconds and its defaults filled in. */
export function resolveInterleavings(definition: InterleavingsDefinition): Interleavings {
  check(isRecord(definition), 'interleavings', 'expected an object');
  check(
    typeof definition.name === 'string' && /^[A-Za-z0-9._-]+$/.test(definition.name),
    'name',
    `expected letters, digits, '.', '_' or '-', got ${JSON.stringify(definition.name)}`,
  );
  check(typeof definition.workflowType === 'string' && definition.workflowType !== '', 'workflowType', "expected the workflow's type name");
  check(
    Array.isArray(definition.args) || typeof definition.args === 'function',
    'args',
    "expected the workflow's arguments (an array), or a function of the workflow id returning them",
  );
  check(
    isRecord(definition.activities) && Object.keys(definition.activities).length > 0,
    'activities',
    'expected the activities the workflow calls, by name',
  );
  for (const [name, double] of Object.entries(definition.activities)) {
    check(isRecord(double), `activities.${name}`, 'expected { returns?, fails? }');
    check(double.fails === undefined || Array.isArray(double.fails), `activities.${name}.fails`, 'expected an array of { type, message? }');
    double.fails?.forEach((failure, i) =>
      check(
        isRecord(failure) && typeof failure.type === 'string' && failure.type !== '',
        `activities.${name}.fails[${i}].type`,
        'expected a failure type name',
      ),
    );
  }
  const timeBoundMs = definition.timeBound === undefined ? undefined : virtualMs(definition.timeBound, 'timeBound');
  check(timeBoundMs === undefined || timeBoundMs > 0, 'timeBound', 'must be longer than zero');
  check(definition.events === undefined || Array.isArray(definition.events), 'events', 'expected an array');
  const events = (definition.events ?? []).map((event, i) => resolveEvent(event, `events[${i}]`, timeBoundMs));
  // A signal listed more than once (with other arguments) is named with its arguments, so a run says which it sent.
  for (const event of events)
    if (event.kind === 'signal' && events.filter((e) => e.kind === 'signal' && e.signal === event.signal).length > 1)
      event.label = `${event.signal}(${event.args.map((a) => JSON.stringify(a)).join(', ')})`;
  check(
    definition.properties === undefined || Array.isArray(definition.properties),
    'properties',
    'expected an array of { name, check(run) }',
  );
  const properties = definition.properties ?? [];
  properties.forEach((property, i) => {
    check(isRecord(property) && typeof property.name === 'string' && property.name !== '', `properties[${i}].name`, 'expected a name');
    check(typeof property.check === 'function', `properties[${i}].check`, 'expected a function (run) => boolean | string');
  });
  const maxSteps = definition.maxSteps ?? 64;
  check(
    Number.isInteger(maxSteps) && maxSteps > 0,
    'maxSteps',
    `expected a whole number above zero, got ${JSON.stringify(definition.maxSteps)}`,
  );
  check(
    definition.children === undefined ||
      (Array.isArray(definition.children) && definition.children.every((c) => typeof c === 'string' && c !== '')),
    'children',
    "expected the workflow types of the children it starts, such as ['shipItem']",
  );
  const maxRuns = definition.maxRuns ?? 10;
  check(
    Number.isInteger(maxRuns) && maxRuns > 0,
    'maxRuns',
    `expected a whole number above zero, got ${JSON.stringify(definition.maxRuns)}`,
  );
  check(
    definition.together === undefined || typeof definition.together === 'boolean',
    'together',
    `expected true or false, got ${JSON.stringify(definition.together)}`,
  );
  const together = definition.together ?? true;
  return { ...definition, events, properties, timeBoundMs, maxSteps, children: definition.children ?? [], maxRuns, together };
}
