/**
 * Pure comparison of what a history recorded with what the workflow code did when replaying it:
 * - `findDivergence`: where the code's commands first stop matching the history's (the event, what each side
 *   did), to explain a non-determinism error;
 * - `findDrift` (strict mode): what the SDK does not compare: activity arguments, activity options and timer
 *   durations, and the workflow's result.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import type { CapturedCommand } from './capture-interceptor.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

/** A command as the history recorded it, or as the code issued it, in words a person can compare. */
export interface CommandView {
  kind: 'activity' | 'timer' | 'child-workflow' | 'complete';
  /** Activity or child workflow type; the timer's duration; the completion kind. */
  name: string;
}

export interface Divergence {
  /** The history event where the code stopped matching; undefined when the code went past the history's end. */
  eventId?: number;
  recorded?: CommandView;
  code?: CommandView;
}

export interface Drift {
  eventId: number;
  what: string;
  recorded: unknown;
  code: unknown;
  /** For structured values: each differing leaf as `path: recorded -> code`. */
  differences?: string[];
}

/** The code's run as captured by the replay interceptor. */
export interface CodeRun {
  commands: CapturedCommand[];
  /** The workflow's return value, when it returned during replay. */
  result?: { value: unknown };
}

interface RecordedCommand {
  eventId: number;
  view: CommandView;
  event: HistoryEvent;
}

/** A protobuf Duration as milliseconds; seconds may be a Long, a number or a string depending on the decoder. */
export function protoDurationMs(duration: { seconds?: unknown; nanos?: unknown } | null | undefined): number | undefined {
  if (!duration) return undefined;
  const { seconds, nanos } = duration as { seconds?: { toString(): string } | number | null; nanos?: number | null };
  return Number(seconds?.toString() ?? 0) * 1000 + Math.round((nanos ?? 0) / 1e6);
}

function describeDuration(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The commands a history recorded, in order (local activities, markers and other commands are not compared). */
export function recordedCommands(events: readonly HistoryEvent[]): RecordedCommand[] {
  const commands: RecordedCommand[] = [];
  for (const event of events) {
    const eventId = Number(event.eventId);
    const activity = event.activityTaskScheduledEventAttributes;
    const timer = event.timerStartedEventAttributes;
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (activity) commands.push({ eventId, event, view: { kind: 'activity', name: activity.activityType?.name ?? '?' } });
    else if (timer) commands.push({ eventId, event, view: { kind: 'timer', name: describeDuration(protoDurationMs(timer.startToFireTimeout) ?? 0) } });
    else if (child) commands.push({ eventId, event, view: { kind: 'child-workflow', name: child.workflowType?.name ?? '?' } });
    else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) commands.push({ eventId, event, view: { kind: 'complete', name: 'completed' } });
    else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) commands.push({ eventId, event, view: { kind: 'complete', name: 'failed' } });
  }
  return commands;
}

function codeView(command: CapturedCommand): CommandView | undefined {
  switch (command.kind) {
    case 'activity':
      return { kind: 'activity', name: command.activityType };
    case 'timer':
      return { kind: 'timer', name: describeDuration(command.durationMs) };
    case 'child-workflow':
      return { kind: 'child-workflow', name: command.workflowType };
    case 'local-activity':
      return undefined; // recorded as markers, which are not compared
  }
}

function sameCommand(recorded: CommandView, code: CommandView): boolean {
  // Timers are matched by position only: a changed duration is drift (strict mode), not non-determinism.
  return recorded.kind === code.kind && (recorded.kind === 'timer' || recorded.name === code.name);
}

/**
 * The first place where the code's commands and the history's differ, or undefined when every command the code
 * issued matches the history in order. Commands are compared in the order they were issued and recorded.
 */
export function findDivergence(events: readonly HistoryEvent[], run: CodeRun): Divergence | undefined {
  const recorded = recordedCommands(events).filter((c) => c.view.kind !== 'complete');
  const code = run.commands.map(codeView).filter((v): v is CommandView => v !== undefined);
  for (let i = 0; i < Math.max(recorded.length, code.length); i++) {
    const r = recorded[i];
    const c = code[i];
    if (!r) return { code: c };
    if (!c) {
      // The code issued fewer commands: it may simply have stopped at the failing activation.
      return run.result ? { eventId: r.eventId, recorded: r.view } : undefined;
    }
    if (!sameCommand(r.view, c)) return { eventId: r.eventId, recorded: r.view, code: c };
  }
  return undefined;
}

/** The leaves where two JSON values differ, as `path: recorded -> code` (at most `limit`). */
export function valueDifferences(recorded: unknown, code: unknown, limit = 5): string[] {
  const found: string[] = [];
  const visit = (a: unknown, b: unknown, at: string): void => {
    if (found.length >= limit) return;
    const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
    if (bothObjects) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const key of [...keys].sort()) {
        const step = Array.isArray(a) ? `[${key}]` : at ? `.${key}` : key;
        visit((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}${step}`);
      }
    } else if (canonical(a) !== canonical(b)) {
      found.push(`${at || '(value)'}: ${canonical(a)} -> ${canonical(b)}`);
    }
  };
  visit(recorded, code, '');
  return found;
}

function decodePayloads(payloads: readonly temporal.api.common.v1.IPayload[] | null | undefined): unknown[] {
  return (payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
}

/** JSON text with sorted keys: the form in which payloads travel, so equal values compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  ) ?? 'undefined';
}

function durationMs(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : msToNumber(value as string | number);
}

const ACTIVITY_TIMEOUTS = ['startToCloseTimeout', 'scheduleToCloseTimeout', 'scheduleToStartTimeout', 'heartbeatTimeout'] as const;
const RETRY_DURATIONS = ['initialInterval', 'maximumInterval'] as const;

function activityDrift(eventId: number, event: temporal.api.history.v1.IActivityTaskScheduledEventAttributes, command: Extract<CapturedCommand, { kind: 'activity' }>): Drift[] {
  const drifts: Drift[] = [];
  const type = command.activityType;
  const recordedArgs = decodePayloads(event.input?.payloads);
  const codeArgs = JSON.parse(canonical(command.args)) as unknown;
  if (canonical(recordedArgs) !== canonical(codeArgs)) {
    drifts.push({ eventId, what: `arguments of activity ${type}`, recorded: recordedArgs, code: command.args, differences: valueDifferences(recordedArgs, codeArgs) });
  }
  const options = command.options;
  for (const field of ACTIVITY_TIMEOUTS) {
    const code = durationMs(options[field]);
    const recorded = protoDurationMs(event[field]);
    if (code !== undefined && code !== recorded) drifts.push({ eventId, what: `${field} of activity ${type}`, recorded: ms(recorded), code: ms(code) });
  }
  if (typeof options.taskQueue === 'string' && options.taskQueue !== event.taskQueue?.name) {
    drifts.push({ eventId, what: `task queue of activity ${type}`, recorded: event.taskQueue?.name, code: options.taskQueue });
  }
  const retry = (options.retry ?? {}) as Record<string, unknown>;
  const recordedRetry = event.retryPolicy ?? {};
  for (const field of RETRY_DURATIONS) {
    const code = durationMs(retry[field]);
    const recorded = protoDurationMs(recordedRetry[field]);
    if (code !== undefined && code !== recorded) drifts.push({ eventId, what: `retry ${field} of activity ${type}`, recorded: ms(recorded), code: ms(code) });
  }
  for (const field of ['backoffCoefficient', 'maximumAttempts'] as const) {
    const code = retry[field];
    if (code !== undefined && code !== recordedRetry[field]) drifts.push({ eventId, what: `retry ${field} of activity ${type}`, recorded: recordedRetry[field], code });
  }
  if (Array.isArray(retry.nonRetryableErrorTypes)) {
    const code = [...(retry.nonRetryableErrorTypes as string[])].sort();
    const recorded = [...(recordedRetry.nonRetryableErrorTypes ?? [])].sort();
    if (canonical(code) !== canonical(recorded)) drifts.push({ eventId, what: `retry nonRetryableErrorTypes of activity ${type}`, recorded, code });
  }
  return drifts;
}

function ms(value: number | undefined): string | undefined {
  return value === undefined ? undefined : describeDuration(value);
}

/**
 * Strict mode: differences the SDK's replay accepts but that change what running workflows will do.
 * Commands are paired with the history's in order (as findDivergence does); unpaired commands are divergence,
 * not drift, and are ignored here.
 */
export function findDrift(events: readonly HistoryEvent[], run: CodeRun): Drift[] {
  const recorded = recordedCommands(events);
  const issued = run.commands.filter((c) => c.kind !== 'local-activity');
  const paired = recorded.filter((c) => c.view.kind !== 'complete');
  const drifts: Drift[] = [];
  issued.forEach((command, i) => {
    const r = paired[i];
    if (!r) return;
    if (command.kind === 'activity' && r.event.activityTaskScheduledEventAttributes) {
      drifts.push(...activityDrift(r.eventId, r.event.activityTaskScheduledEventAttributes, command));
    } else if (command.kind === 'timer' && r.event.timerStartedEventAttributes) {
      const recordedMs = protoDurationMs(r.event.timerStartedEventAttributes.startToFireTimeout);
      if (recordedMs !== command.durationMs) drifts.push({ eventId: r.eventId, what: 'timer duration', recorded: ms(recordedMs), code: ms(command.durationMs) });
    } else if (command.kind === 'child-workflow' && r.event.startChildWorkflowExecutionInitiatedEventAttributes) {
      const recordedArgs = decodePayloads(r.event.startChildWorkflowExecutionInitiatedEventAttributes.input?.payloads);
      const codeArgs = JSON.parse(canonical(command.args)) as unknown;
      if (canonical(recordedArgs) !== canonical(codeArgs)) {
        drifts.push({ eventId: r.eventId, what: `arguments of child workflow ${command.workflowType}`, recorded: recordedArgs, code: command.args, differences: valueDifferences(recordedArgs, codeArgs) });
      }
    }
  });
  const completed = recorded.find((c) => c.view.kind === 'complete' && c.view.name === 'completed');
  if (completed && run.result) {
    const recordedResult = decodePayloads(completed.event.workflowExecutionCompletedEventAttributes?.result?.payloads)[0];
    const codeResult = JSON.parse(canonical(run.result.value ?? null)) as unknown;
    if (canonical(recordedResult) !== canonical(codeResult)) {
      drifts.push({ eventId: completed.eventId, what: 'workflow result', recorded: recordedResult, code: run.result.value, differences: valueDifferences(recordedResult, codeResult) });
    }
  }
  return drifts;
}
