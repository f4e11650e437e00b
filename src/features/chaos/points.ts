/**
 * Points of a system's progress, as a scenario names them to place a fault there instead of at a time:
 * - an activity attempt: `started`, or `returned`/`failed` before its completion reaches Temporal (the activity probe
 *   holds it there while the fault is applied);
 * - the nth request of a kind through a worker-<part> link: `seen` before the part has it, or `answered` after the
 *   part answered it, before the caller has the answer (the link's request gate holds it);
 * - an event written to a workflow's history (the nth TimerStarted of an order), soon after it is written;
 * - an operation of the workload `started` or `closed` (as its client saw it), from the workload driver.
 * Pure: shapes, names, descriptions and matching; the point nemesis (point-nemesis.ts) does the I/O.
 */
import proto from '@temporalio/proto';
import { check, isRecord } from '../../base/definition.ts';
import type { ActivityPointAt, ReachedPoint, RequestPointAt } from './cluster/progress.ts';
import type { Capability } from './faults/kind.ts';

const { EventType } = proto.temporal.api.enums.v1;

/** An event type's name as scenarios write it: 'TimerFired' for EVENT_TYPE_TIMER_FIRED. */
export function eventName(type: number): string {
  const name = EventType[type] ?? 'EVENT_TYPE_UNSPECIFIED';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

/** Every event type name a history point may name. */
export const EVENT_NAMES: readonly string[] = Object.values(EventType)
  .filter((value): value is number => typeof value === 'number' && value > 0)
  .map(eventName);

export interface ActivityPoint {
  /** The activity type (or any of several). */
  activity: string | string[];
  on: ActivityPointAt;
  /** The nth attempt that matches, counted over the run (default 1). */
  nth?: number;
  /** Only attempts with this attempt number (1 is the first try). */
  attempt?: number;
  /** Only attempts of this operation's workflow (the plan's operation id, e.g. 't3'); '$point' in `until`: the operation of the point the fault fired at. */
  op?: string;
}

export interface RequestPoint {
  /** The worker-<part> link the request goes through. */
  request: string;
  /** The request's kind, e.g. 'POST /deposit'; any when absent. */
  kind?: string;
  on: RequestPointAt;
  /** The nth request that matches, counted over the run (default 1). */
  nth?: number;
  /** Only requests that mention this operation: the ids its plan made (`${runId}-<op>`) or its workflow id. */
  op?: string;
  /** Only requests whose text (head and body, the first 4 KB) contains this, e.g. '"kind":"flight"'. */
  containing?: string;
}

export interface HistoryPoint {
  /** The workflow type whose histories are watched. */
  workflow: string;
  /** The event's type, as Temporal names it without EVENT_TYPE_: 'TimerStarted', 'WorkflowExecutionSignaled'. */
  event: string;
  /** The nth such event, counted over the run's workflows of that type (default 1). */
  nth?: number;
  /** Only that operation's workflow; '$point' in `until`: the operation of the point the fault fired at. */
  op?: string;
}

export interface OperationPoint {
  /** The plan's operation id; '$point' in `until`: the operation of the point the fault fired at. */
  op: string;
  /** started: the client started it; closed: the client saw it end (ok, fail, or lost track of it). */
  on: 'started' | 'closed';
}

/**
 * Where a fault lands, as a scenario spells it. Activity and request points are held while the fault is applied:
 * exact. History points are reached soon after the event is written (a poll's round trip), and operation points
 * when the workload's client saw it: not held.
 */
export type ProgressPoint = ActivityPoint | RequestPoint | HistoryPoint | OperationPoint;

const ACTIVITY_AT: readonly string[] = ['started', 'returned', 'failed'];
const REQUEST_AT: readonly string[] = ['seen', 'answered'];

/** Whether a fault's `at` (or `until`) is a point rather than a time. */
export function isPoint(value: unknown): value is ProgressPoint {
  return isRecord(value) && ('activity' in value || 'request' in value || 'workflow' in value || ('op' in value && 'on' in value));
}

/** Whether a point is an operation's (started or closed, from the workload driver). */
export const isOperationPoint = (point: ProgressPoint): point is OperationPoint =>
  !('activity' in point) && !('request' in point) && !('workflow' in point);

/** Whether a point is an event in a workflow's history. */
export const isHistoryPoint = (point: ProgressPoint): point is HistoryPoint => 'workflow' in point;

const positive = (value: unknown): boolean => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 1);

/** Check a point's shape; throws a DefinitionError naming the field. */
export function checkPoint(value: unknown, field: string): ProgressPoint {
  check(
    isPoint(value),
    field,
    "expected a point: { activity, on: 'started' | 'returned' | 'failed' }, { request: link, kind?, on: 'seen' | 'answered' }, { workflow: type, event } or { op, on: 'started' | 'closed' }",
  );
  const p = value as unknown as Record<string, unknown>;
  const named = (key: string): void =>
    check(typeof p[key] === 'string' && p[key] !== '', `${field}.${key}`, `expected a name, got ${JSON.stringify(p[key])}`);
  if ('activity' in p) {
    const types = ([] as unknown[]).concat(p.activity);
    check(
      types.length > 0 && types.every((t) => typeof t === 'string' && t !== ''),
      `${field}.activity`,
      'expected an activity type, or a non-empty list of them',
    );
    check(ACTIVITY_AT.includes(p.on as string), `${field}.on`, `expected started, returned or failed, got ${JSON.stringify(p.on)}`);
    check(positive(p.attempt), `${field}.attempt`, `expected a whole number from 1, got ${JSON.stringify(p.attempt)}`);
  } else if ('request' in p) {
    named('request');
    if (p.kind !== undefined)
      check(
        typeof p.kind === 'string' && /^[A-Z]+ \S+$/.test(p.kind),
        `${field}.kind`,
        `expected a method and path such as 'POST /deposit', got ${JSON.stringify(p.kind)}`,
      );
    check(REQUEST_AT.includes(p.on as string), `${field}.on`, `expected seen or answered, got ${JSON.stringify(p.on)}`);
    check(
      p.containing === undefined || (typeof p.containing === 'string' && p.containing !== ''),
      `${field}.containing`,
      `expected text the request contains, such as '"kind":"flight"', got ${JSON.stringify(p.containing)}`,
    );
  } else if ('workflow' in p) {
    named('workflow');
    check(
      EVENT_NAMES.includes(p.event as string),
      `${field}.event`,
      `expected an event type as Temporal names it without EVENT_TYPE_ (TimerStarted, TimerFired, WorkflowExecutionSignaled, ActivityTaskScheduled, ...), got ${JSON.stringify(p.event)}`,
    );
  } else {
    named('op');
    check(p.on === 'started' || p.on === 'closed', `${field}.on`, `expected started or closed, got ${JSON.stringify(p.on)}`);
    check(p.nth === undefined, `${field}.nth`, 'an operation starts and closes once: no nth');
  }
  check(positive(p.nth), `${field}.nth`, `expected a whole number from 1, got ${JSON.stringify(p.nth)}`);
  if (('activity' in p || 'request' in p || 'workflow' in p) && p.op !== undefined) named('op');
  return value as ProgressPoint;
}

/** A point's names against the system: a request point's link is a worker-<part> link (those have gates). */
export function bindPoint(point: ProgressPoint, field: string, gatedLinks: readonly string[]): void {
  if ('request' in point)
    check(
      gatedLinks.includes(point.request),
      `${field}.request`,
      `expected a link from the workers to a part (${gatedLinks.join(', ') || 'the system has none'}), got ${JSON.stringify(point.request)}`,
    );
}

/** What the cluster must offer to reach a point. */
export function pointNeeds(point: ProgressPoint): Capability[] {
  if ('activity' in point) return ['activity-probe'];
  if ('request' in point) return ['request-gates'];
  return [];
}

const nthText = (point: { nth?: number; op?: string; containing?: string }): string =>
  `#${point.nth ?? 1}${point.containing === undefined ? '' : ` containing ${point.containing}`}${opText(point.op)}`;
const opText = (op: string | undefined): string => (op === undefined ? '' : op === '$point' ? ' of that operation' : ` of ${op}`);
const activities = (point: ActivityPoint): string => ([] as string[]).concat(point.activity).join('|');

/** 1st, 2nd, 3rd, 4th, 11th, 21st... */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "the 2nd deposit attempt", "the 1st withdraw attempt (try 2) of t3". */
const attemptText = (point: ActivityPoint): string =>
  `the ${ordinal(point.nth ?? 1)} ${activities(point)} attempt${point.attempt ? ` (try ${point.attempt})` : ''}${opText(point.op)}`;

/** A point as a person reads it: "right after the 2nd deposit attempt returned, before its completion reached Temporal". */
export function describePoint(point: ProgressPoint): string {
  if ('activity' in point) {
    if (point.on === 'started') return `when ${attemptText(point)} starts`;
    return `right after ${attemptText(point)} ${point.on}, before its completion reached Temporal`;
  }
  if ('request' in point) {
    const kind = point.kind ?? 'request';
    return point.on === 'seen'
      ? `when ${kind} ${nthText(point)} reaches ${point.request}, before the part has it`
      : `when the answer to ${kind} ${nthText(point)} on ${point.request} comes back (the part applied it)`;
  }
  if (isHistoryPoint(point))
    return `when the ${ordinal(point.nth ?? 1)} ${point.event} of the ${point.workflow} workflows${opText(point.op)} is in a history`;
  return point.op === '$point'
    ? `when that operation ${point.on === 'started' ? 'starts' : 'ends'}`
    : `when operation ${point.op} ${point.on === 'started' ? 'starts' : 'ends'}`;
}

/**
 * A point-placed fault as one line a person reads: "the answer to POST /deposit #2 on worker-bank lost after the part
 * applied it", "kill -9 the worker right after the 1st deposit attempt returned, before its completion reached Temporal,
 * for 1 s", "worker-bank down from the moment withdraw attempt #2 starts, for 30 s".
 */
export function describePointFault(action: { kind: string }, what: string, point: ProgressPoint, lasting?: string): string {
  const forText = lasting ? `, ${lasting}` : '';
  if (action.kind === 'drop') {
    if ('request' in point)
      return point.on === 'answered'
        ? `the answer to ${point.kind ?? 'request'} ${nthText(point)} on ${point.request} lost after the part applied it`
        : `${point.kind ?? 'request'} ${nthText(point)} on ${point.request} lost before the part saw it`;
    if ('activity' in point)
      return point.on === 'started'
        ? `${attemptText(point)} lost before it ran`
        : `the completion of ${attemptText(point)} lost after it ${point.on}`;
  }
  if ((action as { process?: unknown }).process === 'worker' && 'activity' in point)
    return `${what.replace(/ worker$/, ' the worker')} ${describePoint(point)}${forText}`;
  return `${what} ${describePoint(point).replace(/^when /, 'from the moment ')}${forText}`;
}

/** What a point is matched with beyond itself: the run's ids, and where an activity's workflow belongs. */
export interface PointScope {
  runId: string;
  /** The plan's operation id of a workflow id. */
  opOf(workflowId: string): string | undefined;
  /** The plan's workflow id of an operation. */
  workflowOf(op: string): string | undefined;
}

/** Whether a reached point (without counting nth) is one `point` names; `text` is a request's, `firedOp` resolves '$point'. */
export function pointMatches(point: ProgressPoint, reached: ReachedPoint, scope: PointScope, text?: string, firedOp?: string): boolean {
  const op = point.op === '$point' ? firedOp : point.op;
  if ('activity' in point) {
    if (reached.source !== 'activity' || reached.at !== point.on) return false;
    if (!([] as string[]).concat(point.activity).includes(reached.activityType)) return false;
    if (point.attempt !== undefined && reached.attempt !== point.attempt) return false;
    return op === undefined || scope.opOf(reached.workflowId) === op;
  }
  if ('request' in point) {
    if (reached.source !== 'request' || reached.at !== point.on || reached.link !== point.request) return false;
    if (point.kind !== undefined && reached.kind !== point.kind) return false;
    if (point.containing !== undefined && !text?.includes(point.containing)) return false;
    return op === undefined || (text !== undefined && mentions(text, op, scope));
  }
  return false;
}

/** Whether a request's text mentions an operation: an id its plan made (`${runId}-<op>`, whole) or its workflow id. */
function mentions(text: string, op: string, scope: PointScope): boolean {
  const workflowId = scope.workflowOf(op);
  if (workflowId && text.includes(workflowId)) return true;
  const id = `${scope.runId}-${op}`;
  for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
    if (!/[A-Za-z0-9_]/.test(text.charAt(at + id.length))) return true;
  }
  return false;
}

/** The operation a reached point belongs to, when the plan knows it (for '$point'). */
export function opOfReached(reached: ReachedPoint, scope: PointScope): string | undefined {
  return reached.source === 'activity' ? scope.opOf(reached.workflowId) : undefined;
}
