/**
 * `defineInterleavings`: one workflow, one input, the activities it calls (each a double whose answer the explorer
 * decides), the events that can arrive while it runs (signals, a cancellation request), and the properties every
 * run must keep. Validated eagerly: a wrong field is a DefinitionError naming it.
 */
import { type Duration, parseClockTime, parseDuration } from '../../base/duration.ts';
import { check, isRecord } from '../../base/definition.ts';
import type { InterleavingRun } from './run-record.ts';

/** Milliseconds, or text such as '30s', '23h', '7d'. */

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
  /** A run that has not ended by this much virtual time is stuck (default 7 days). */
  timeBound?: Duration;
  /** Decisions in one run at most (default 64): past them the run counts as stuck. */
  maxSteps?: number;
}

/** A definition with its durations in milliseconds and its defaults filled in. */
export interface Interleavings extends Omit<InterleavingsDefinition, 'events' | 'properties' | 'timeBound' | 'maxSteps'> {
  events: readonly ResolvedEvent[];
  properties: readonly PropertySpec[];
  timeBoundMs: number;
  maxSteps: number;
}

export type ResolvedEvent = ({ kind: 'signal'; signal: string; args: readonly unknown[] } | { kind: 'cancel' }) & {
  /** The earliest virtual time after the start at which it may be sent. */
  afterMs: number;
  /** How the timeline names it: `approve`, `cancel request`. */
  label: string;
};

const DEFAULT_TIME_BOUND_MS = 7 * 86_400_000;

/** A duration of virtual time (tempest's duration grammar; virtual time is cheap, so days are fine); throws naming `field`. */
export function virtualMs(value: unknown, field: string): number {
  return parseDuration(value, field);
}

function resolveEvent(event: unknown, field: string, timeBoundMs: number): ResolvedEvent {
  check(isRecord(event), field, `expected { signal: 'name', args?: [...] } or { cancel: true }, got ${JSON.stringify(event)}`);
  const afterMs = event.after === undefined ? 0 : parseClockTime(event.after, `${field}.after`);
  check(
    afterMs < timeBoundMs,
    `${field}.after`,
    `${JSON.stringify(event.after)} is at or past the time bound (${timeBoundMs} ms of virtual time): no run could send it`,
  );
  if ('cancel' in event) {
    check(event.cancel === true, `${field}.cancel`, 'must be true');
    return { kind: 'cancel', afterMs, label: 'cancel request' };
  }
  check(
    typeof event.signal === 'string' && event.signal.trim() !== '',
    `${field}.signal`,
    `expected a signal name, got ${JSON.stringify(event.signal)}`,
  );
  check(event.args === undefined || Array.isArray(event.args), `${field}.args`, "expected an array of the signal's arguments");
  return { kind: 'signal', signal: event.signal, args: (event.args as unknown[] | undefined) ?? [], afterMs, label: event.signal };
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
  const timeBoundMs = definition.timeBound === undefined ? DEFAULT_TIME_BOUND_MS : virtualMs(definition.timeBound, 'timeBound');
  check(timeBoundMs > 0, 'timeBound', 'must be longer than zero');
  check(definition.events === undefined || Array.isArray(definition.events), 'events', 'expected an array');
  const events = (definition.events ?? []).map((event, i) => resolveEvent(event, `events[${i}]`, timeBoundMs));
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
  return { ...definition, events, properties, timeBoundMs, maxSteps };
}
