/**
 * Pure comparison of what a history recorded with what the workflow code did when replaying it.
 *
 * The code's side is every command it concluded an activation with while Core was still replaying recorded
 * history (capture-interceptor.ts). Commands from activations past the end of a history that stops mid-execution
 * (a workflow task scheduled, a signal or a timer not yet handled) are the execution's future, not the code's
 * answer to the history, and are never compared.
 *
 * - `findDivergence`: where the code's commands first stop matching the history's: the event, and what each side
 *   did there (including "nothing more", named by the event that ended the history's side).
 * - `findDrift` (strict mode): what the SDK does not compare: activity and child arguments, every activity and
 *   child option both ways (an option the code no longer sets is compared with the default the server records
 *   for it), timer durations, the workflow's result and its failure type.
 */
import { protoMs, type ProtoTime } from '../../base/history/time.ts';
import proto from '@temporalio/proto';
import type { coresdk, temporal } from '@temporalio/proto';
import type { CapturedActivation, WorkflowCommand } from './capture-interceptor.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
type ProtoDuration = { seconds?: unknown; nanos?: unknown } | null | undefined;
const { EventType } = proto.temporal.api.enums.v1;
/** The search attribute Core upserts with the ids of the patches a workflow has taken. */
const PATCH_SEARCH_ATTRIBUTE = 'TemporalChangeVersion';

export type CommandKind =
  | 'activity'
  | 'local-activity'
  | 'timer'
  | 'cancel-timer'
  | 'cancel-activity'
  | 'child-workflow'
  | 'cancel-external'
  | 'signal-external'
  | 'marker'
  | 'patch'
  | 'search-attributes'
  | 'properties'
  | 'update-accepted'
  | 'update-completed'
  | 'nexus-operation'
  | 'cancel-nexus-operation'
  | 'complete'
  | 'fail'
  | 'continue-as-new'
  | 'cancel-workflow';

/** A command as the history recorded it, or as the code issued it, in words a person can compare. */
export interface CommandView {
  kind: CommandKind;
  /** Activity, child or workflow type; a timer's duration; a signal's name; the failure type; ... */
  name: string;
  /** The workflow a signal or cancellation is sent to. */
  target?: string;
}

export interface Divergence {
  /** The history event where code and history part. */
  eventId: number;
  /** What the history recorded there; absent when the history's workflow task ended (at `eventId`) without it. */
  recorded?: CommandView;
  /** What the code did there; absent when the code issued nothing more. */
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

/** The code's run as the replay interceptor captured it. */
export interface CodeRun {
  activations: CapturedActivation[];
  /** The task queue the workflow saw during replay: a command naming it left its task queue unset. */
  taskQueue?: string;
}

/** Payloads as values: the history's (after the payload codec) and the code's, through the payload converter. */
export interface PayloadValues {
  history(payloads: readonly Payload[] | null | undefined): unknown[];
  code(payloads: readonly Payload[] | null | undefined): unknown[];
}

/** How a command of the code or an event of the history takes part in the comparison. */
type Matching = 'position' | 'local-activity' | 'ignored';

interface RecordedCommand {
  eventId: number;
  event: HistoryEvent;
  view: CommandView;
  matching: Matching;
  /** Local activities: the sequence number the marker carries. */
  seq?: number;
}

interface IssuedCommand {
  command: WorkflowCommand;
  view: CommandView;
  matching: Matching;
  /** The WorkflowTaskStarted event of the workflow task this command belongs to. */
  workflowTask: number;
  seq?: number;
}

/** A protobuf Duration as milliseconds; undefined when absent. */
export function protoDurationMs(duration: ProtoDuration): number | undefined {
  return duration ? protoMs(duration as ProtoTime) : undefined;
}

export function describeDuration(ms: number): string {
  if (ms === 0) return 'none';
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** What a command did, as a report line says it. */
export function describeCommand(view: CommandView): string {
  switch (view.kind) {
    case 'activity':
      return `scheduled activity ${view.name}`;
    case 'local-activity':
      return `ran local activity ${view.name}`;
    case 'timer':
      return `started a ${view.name} timer`;
    case 'cancel-timer':
      return `cancelled the ${view.name} timer`;
    case 'cancel-activity':
      return `requested cancellation of activity ${view.name}`;
    case 'child-workflow':
      return `started child workflow ${view.name}`;
    case 'cancel-external':
      return `requested cancellation of workflow ${view.target}`;
    case 'signal-external':
      return `sent signal ${view.name} to workflow ${view.target}`;
    case 'marker':
      return `recorded marker ${view.name} (e.g. a side effect)`;
    case 'patch':
      return `recorded patch marker ${view.name}`;
    case 'search-attributes':
      return `upserted search attributes ${view.name}`;
    case 'properties':
      return 'modified the workflow properties (memo)';
    case 'update-accepted':
      return `accepted update ${view.name}`;
    case 'update-completed':
      return `completed update ${view.name}`;
    case 'nexus-operation':
      return `scheduled Nexus operation ${view.name}`;
    case 'cancel-nexus-operation':
      return `requested cancellation of Nexus operation ${view.name}`;
    case 'complete':
      return 'completed the workflow';
    case 'fail':
      return `failed the workflow (${view.name})`;
    case 'continue-as-new':
      return `continued as new (${view.name})`;
    case 'cancel-workflow':
      return 'cancelled the workflow';
  }
}

/** Kinds whose name is part of the command's identity; for the others a different name is drift, not divergence. */
const NAMED = new Set<CommandKind>([
  'activity',
  'local-activity',
  'child-workflow',
  'signal-external',
  'cancel-external',
  'marker',
  'nexus-operation',
  'update-accepted',
  'update-completed',
]);

function sameCommand(recorded: CommandView, code: CommandView): boolean {
  return recorded.kind === code.kind && (!NAMED.has(recorded.kind) || (recorded.name === code.name && recorded.target === code.target));
}

function markerDetail(event: HistoryEvent, key: string): Record<string, unknown> | undefined {
  const payload = event.markerRecordedEventAttributes?.details?.[key]?.payloads?.[0];
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function failureName(failure: temporal.api.failure.v1.IFailure | null | undefined): string {
  if (!failure) return 'no failure';
  if (failure.applicationFailureInfo) return failure.applicationFailureInfo.type || 'Error';
  if (failure.canceledFailureInfo) return 'CancelledFailure';
  if (failure.timeoutFailureInfo) return 'TimeoutFailure';
  if (failure.terminatedFailureInfo) return 'TerminatedFailure';
  if (failure.activityFailureInfo) return 'ActivityFailure';
  if (failure.childWorkflowExecutionFailureInfo) return 'ChildWorkflowFailure';
  return 'Failure';
}

/** The commands a history recorded, in event order. */
export function recordedCommands(events: readonly HistoryEvent[]): RecordedCommand[] {
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const commands: RecordedCommand[] = [];
  const add = (event: HistoryEvent, view: CommandView, matching: Matching = 'position', seq?: number): void => {
    commands.push({ eventId: Number(event.eventId), event, view, matching, seq });
  };
  for (const event of events) {
    const a = event;
    if (a.activityTaskScheduledEventAttributes)
      add(a, { kind: 'activity', name: a.activityTaskScheduledEventAttributes.activityType?.name ?? '?' });
    else if (a.timerStartedEventAttributes)
      add(a, { kind: 'timer', name: describeDuration(protoDurationMs(a.timerStartedEventAttributes.startToFireTimeout) ?? 0) });
    else if (a.timerCanceledEventAttributes) {
      const started = byId.get(Number(a.timerCanceledEventAttributes.startedEventId))?.timerStartedEventAttributes;
      add(a, { kind: 'cancel-timer', name: describeDuration(protoDurationMs(started?.startToFireTimeout) ?? 0) });
    } else if (a.activityTaskCancelRequestedEventAttributes) {
      const scheduled = byId.get(
        Number(a.activityTaskCancelRequestedEventAttributes.scheduledEventId),
      )?.activityTaskScheduledEventAttributes;
      add(a, { kind: 'cancel-activity', name: scheduled?.activityType?.name ?? '?' });
    } else if (a.startChildWorkflowExecutionInitiatedEventAttributes)
      add(a, { kind: 'child-workflow', name: a.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name ?? '?' });
    else if (a.requestCancelExternalWorkflowExecutionInitiatedEventAttributes) {
      add(a, {
        kind: 'cancel-external',
        name: '',
        target: a.requestCancelExternalWorkflowExecutionInitiatedEventAttributes.workflowExecution?.workflowId ?? '?',
      });
    } else if (a.signalExternalWorkflowExecutionInitiatedEventAttributes) {
      const s = a.signalExternalWorkflowExecutionInitiatedEventAttributes;
      add(a, { kind: 'signal-external', name: s.signalName ?? '?', target: s.workflowExecution?.workflowId ?? '?' });
    } else if (a.markerRecordedEventAttributes) {
      const name = a.markerRecordedEventAttributes.markerName ?? '?';
      if (name === 'core_local_activity') {
        const data = markerDetail(a, 'data');
        add(
          a,
          { kind: 'local-activity', name: String(data?.activity_type ?? data?.activityType ?? '?') },
          'local-activity',
          Number(data?.seq),
        );
      } else if (name === 'core_patch') {
        const data = markerDetail(a, 'patch_data');
        add(a, { kind: 'patch', name: String(data?.id ?? '?') }, 'ignored');
      } else add(a, { kind: 'marker', name });
    } else if (a.upsertWorkflowSearchAttributesEventAttributes) {
      const keys = Object.keys(a.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).sort();
      // Core records the patches in effect this way on its own when the code calls patched(); the code never asks.
      add(
        a,
        { kind: 'search-attributes', name: keys.join(', ') },
        keys.every((key) => key === PATCH_SEARCH_ATTRIBUTE) ? 'ignored' : 'position',
      );
    } else if (a.workflowPropertiesModifiedEventAttributes) add(a, { kind: 'properties', name: 'memo' });
    else if (a.workflowExecutionUpdateAcceptedEventAttributes) {
      const accepted = a.workflowExecutionUpdateAcceptedEventAttributes;
      add(a, { kind: 'update-accepted', name: accepted.acceptedRequest?.meta?.updateId || accepted.protocolInstanceId || '?' });
    } else if (a.workflowExecutionUpdateCompletedEventAttributes)
      add(a, { kind: 'update-completed', name: a.workflowExecutionUpdateCompletedEventAttributes.meta?.updateId ?? '?' });
    else if (a.nexusOperationScheduledEventAttributes) {
      const n = a.nexusOperationScheduledEventAttributes;
      add(a, { kind: 'nexus-operation', name: `${n.service}/${n.operation}` });
    } else if (a.nexusOperationCancelRequestedEventAttributes)
      add(a, { kind: 'cancel-nexus-operation', name: String(a.nexusOperationCancelRequestedEventAttributes.scheduledEventId) });
    else if (a.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) add(a, { kind: 'complete', name: 'completed' });
    else if (a.workflowExecutionFailedEventAttributes)
      add(a, { kind: 'fail', name: failureName(a.workflowExecutionFailedEventAttributes.failure) });
    else if (a.workflowExecutionContinuedAsNewEventAttributes)
      add(a, { kind: 'continue-as-new', name: a.workflowExecutionContinuedAsNewEventAttributes.workflowType?.name ?? '?' });
    else if (a.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED) add(a, { kind: 'cancel-workflow', name: 'cancelled' });
  }
  return commands;
}

const ACTIVITY_ABANDON = 2; // coresdk.workflow_commands.ActivityCancellationType.ABANDON
const CHILD_ABANDON = 0; // coresdk.child_workflow.ChildWorkflowCancellationType.ABANDON

/**
 * The commands the code issued while replaying recorded history, in order, as Core would have sent them: a
 * command cancelled within the workflow task that scheduled it never reaches the server, nor does a
 * cancellation of an abandoned activity or child, a rejected update, or a query answer.
 */
export function issuedCommands(run: CodeRun): IssuedCommand[] {
  const activities = new Map<number, { type: string; abandon: boolean }>();
  const timers = new Map<number, string>();
  const children = new Map<number, { workflowId: string; abandon: boolean }>();
  const nexus = new Map<number, string>();
  const issued: IssuedCommand[] = [];
  const byTask = new Map<number, IssuedCommand[]>();
  for (const activation of run.activations) {
    if (!activation.replaying) continue;
    const task = activation.historyLength;
    const inTask = byTask.get(task) ?? [];
    byTask.set(task, inTask);
    /** Drop a scheduled command of this same workflow task that is cancelled before it was ever sent. */
    const cancelledBeforeSent = (kind: CommandKind, seq: number): boolean => {
      const at = inTask.findIndex((c) => c.view.kind === kind && c.seq === seq);
      if (at < 0) return false;
      const [scheduled] = inTask.splice(at, 1);
      issued.splice(issued.indexOf(scheduled!), 1);
      return true;
    };
    for (const command of activation.commands) {
      const push = (view: CommandView, matching: Matching = 'position', seq?: number): void => {
        const entry = { command, view, matching, workflowTask: task, seq };
        issued.push(entry);
        inTask.push(entry);
      };
      const c = command;
      if (c.scheduleActivity) {
        const seq = Number(c.scheduleActivity.seq);
        activities.set(seq, {
          type: c.scheduleActivity.activityType ?? '?',
          abandon: c.scheduleActivity.cancellationType === ACTIVITY_ABANDON,
        });
        push({ kind: 'activity', name: c.scheduleActivity.activityType ?? '?' }, 'position', seq);
      } else if (c.scheduleLocalActivity) {
        const seq = Number(c.scheduleLocalActivity.seq);
        push({ kind: 'local-activity', name: c.scheduleLocalActivity.activityType ?? '?' }, 'local-activity', seq);
      } else if (c.requestCancelActivity) {
        const seq = Number(c.requestCancelActivity.seq);
        const activity = activities.get(seq);
        if (activity?.abandon || cancelledBeforeSent('activity', seq)) continue;
        push({ kind: 'cancel-activity', name: activity?.type ?? '?' });
      } else if (c.startTimer) {
        const seq = Number(c.startTimer.seq);
        const duration = describeDuration(protoDurationMs(c.startTimer.startToFireTimeout) ?? 0);
        timers.set(seq, duration);
        push({ kind: 'timer', name: duration }, 'position', seq);
      } else if (c.cancelTimer) {
        const seq = Number(c.cancelTimer.seq);
        if (cancelledBeforeSent('timer', seq)) continue;
        push({ kind: 'cancel-timer', name: timers.get(seq) ?? '?' });
      } else if (c.startChildWorkflowExecution) {
        const child = c.startChildWorkflowExecution;
        const seq = Number(child.seq);
        children.set(seq, { workflowId: child.workflowId ?? '?', abandon: child.cancellationType === CHILD_ABANDON });
        push({ kind: 'child-workflow', name: child.workflowType ?? '?' }, 'position', seq);
      } else if (c.cancelChildWorkflowExecution) {
        const seq = Number(c.cancelChildWorkflowExecution.childWorkflowSeq);
        const child = children.get(seq);
        if (child?.abandon || cancelledBeforeSent('child-workflow', seq)) continue;
        push({ kind: 'cancel-external', name: '', target: child?.workflowId ?? '?' });
      } else if (c.requestCancelExternalWorkflowExecution) {
        push({ kind: 'cancel-external', name: '', target: c.requestCancelExternalWorkflowExecution.workflowExecution?.workflowId ?? '?' });
      } else if (c.signalExternalWorkflowExecution) {
        const s = c.signalExternalWorkflowExecution;
        push({ kind: 'signal-external', name: s.signalName ?? '?', target: s.childWorkflowId || s.workflowExecution?.workflowId || '?' });
      } else if (c.setPatchMarker) push({ kind: 'patch', name: c.setPatchMarker.patchId ?? '?' }, 'ignored');
      else if (c.upsertWorkflowSearchAttributes) {
        push({
          kind: 'search-attributes',
          name: Object.keys(c.upsertWorkflowSearchAttributes.searchAttributes ?? {})
            .sort()
            .join(', '),
        });
      } else if (c.modifyWorkflowProperties) push({ kind: 'properties', name: 'memo' });
      else if (c.updateResponse) {
        const id = c.updateResponse.protocolInstanceId ?? '?';
        if (c.updateResponse.accepted) push({ kind: 'update-accepted', name: id });
        else if (c.updateResponse.completed) push({ kind: 'update-completed', name: id });
      } else if (c.scheduleNexusOperation) {
        const n = c.scheduleNexusOperation;
        nexus.set(Number(n.seq), `${n.service}/${n.operation}`);
        push({ kind: 'nexus-operation', name: `${n.service}/${n.operation}` }, 'position', Number(n.seq));
      } else if (c.requestCancelNexusOperation) {
        const seq = Number(c.requestCancelNexusOperation.seq);
        if (cancelledBeforeSent('nexus-operation', seq)) continue;
        push({ kind: 'cancel-nexus-operation', name: nexus.get(seq) ?? '?' });
      } else if (c.completeWorkflowExecution) push({ kind: 'complete', name: 'completed' });
      else if (c.failWorkflowExecution)
        push({ kind: 'fail', name: failureName(c.failWorkflowExecution.failure as temporal.api.failure.v1.IFailure) });
      else if (c.continueAsNewWorkflowExecution)
        push({ kind: 'continue-as-new', name: c.continueAsNewWorkflowExecution.workflowType || '(same type)' });
      else if (c.cancelWorkflowExecution) push({ kind: 'cancel-workflow', name: 'cancelled' });
    }
  }
  return issued;
}

interface Alignment {
  pairs: [RecordedCommand, IssuedCommand][];
  /** History commands the code did not issue, in event order. */
  recordedOnly: RecordedCommand[];
  /** Code commands the history did not record, in the order they were issued. */
  issuedOnly: IssuedCommand[];
}

/**
 * Pair the history's commands with the code's: in order for most kinds, by sequence number for local
 * activities (Core matches their markers that way too); patch markers are left to Core, which knows when one
 * may be missing on either side.
 */
function align(events: readonly HistoryEvent[], run: CodeRun): Alignment {
  const recorded = recordedCommands(events);
  const issued = issuedCommands(run);
  const recordedInOrder = recorded.filter((c) => c.matching === 'position');
  const issuedInOrder = issued.filter((c) => c.matching === 'position');
  const pairs: [RecordedCommand, IssuedCommand][] = [];
  let i = 0;
  while (i < recordedInOrder.length && i < issuedInOrder.length && sameCommand(recordedInOrder[i]!.view, issuedInOrder[i]!.view)) {
    pairs.push([recordedInOrder[i]!, issuedInOrder[i]!]);
    i++;
  }
  const recordedOnly = recordedInOrder.slice(i);
  const issuedOnly = issuedInOrder.slice(i);
  const markers = new Map(recorded.filter((c) => c.matching === 'local-activity').map((c) => [c.seq, c]));
  for (const command of issued.filter((c) => c.matching === 'local-activity')) {
    const marker = markers.get(command.seq);
    if (marker && sameCommand(marker.view, command.view)) {
      pairs.push([marker, command]);
      markers.delete(command.seq);
    } else issuedOnly.push(command);
  }
  recordedOnly.push(...markers.values());
  recordedOnly.sort((a, b) => a.eventId - b.eventId);
  issuedOnly.sort((a, b) => issued.indexOf(a) - issued.indexOf(b));
  return { pairs, recordedOnly, issuedOnly };
}

/** The WorkflowTaskCompleted event of the workflow task that started at `startedEventId`. */
function completionOf(events: readonly HistoryEvent[], startedEventId: number): number | undefined {
  const completed = events.find((e) => Number(e.workflowTaskCompletedEventAttributes?.startedEventId) === startedEventId);
  return completed ? Number(completed.eventId) : undefined;
}

/** The workflow task (its WorkflowTaskStarted event) whose completion recorded the command at `eventId`. */
function workflowTaskOf(events: readonly HistoryEvent[], eventId: number): number | undefined {
  for (let i = eventId - 2; i >= 0; i--) {
    const completed = events[i]?.workflowTaskCompletedEventAttributes;
    if (completed) return Number(completed.startedEventId);
  }
  return undefined;
}

/**
 * The first place where the code's commands and the history's differ, or undefined when they agree as far as
 * the history goes (or as far as a replay that broke off got: a history command in a workflow task the code
 * never replayed is not something the code left out).
 */
export function findDivergence(events: readonly HistoryEvent[], run: CodeRun): Divergence | undefined {
  const { recordedOnly, issuedOnly } = align(events, run);
  const recorded = recordedOnly[0];
  const code = issuedOnly[0];
  if (recorded && code) return { eventId: recorded.eventId, recorded: recorded.view, code: code.view };
  if (code) {
    // The code issued a command in a workflow task the history completed without it.
    const completed = completionOf(events, code.workflowTask);
    return completed === undefined ? undefined : { eventId: completed, code: code.view };
  }
  if (recorded) {
    // "Nothing more" only where the code replayed the workflow task that recorded this command: a replay that
    // broke off earlier never got there.
    const task = workflowTaskOf(events, recorded.eventId);
    const reached = run.activations.some((a) => a.replaying && a.historyLength === task);
    return reached ? { eventId: recorded.eventId, recorded: recorded.view } : undefined;
  }
  return undefined;
}

/** The command the history recorded at `eventId`, for when Core names an event the comparison could not place. */
export function recordedCommandAt(events: readonly HistoryEvent[], eventId: number): CommandView | undefined {
  return recordedCommands(events).find((c) => c.eventId === eventId)?.view;
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

/** JSON text with sorted keys: the form in which payloads travel, so equal values compare equal. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
    ) ?? 'undefined'
  );
}

function valueDrift(eventId: number, what: string, recorded: unknown, code: unknown): Drift[] {
  const [a, b] = [JSON.parse(canonical(recorded ?? null)) as unknown, JSON.parse(canonical(code ?? null)) as unknown];
  return canonical(a) === canonical(b) ? [] : [{ eventId, what, recorded, code, differences: valueDifferences(a, b) }];
}

/** One option as the code sets it (undefined: unset) and as the server records it. */
interface Option {
  what: string;
  code: number | string | string[] | undefined;
  /** What the server records when the code leaves it unset (or clamps what it sets). */
  effective: number | string | string[];
  recorded: number | string | string[];
  show: (value: number | string | string[]) => string;
}

function optionDrift(eventId: number, options: Option[]): Drift[] {
  const drifts: Drift[] = [];
  for (const option of options) {
    if (canonical(option.effective) === canonical(option.recorded)) continue;
    const code = option.code === undefined ? `unset (the server records ${option.show(option.effective)})` : option.show(option.code);
    drifts.push({ eventId, what: option.what, recorded: option.show(option.recorded), code });
  }
  return drifts;
}

const showDuration = (value: number | string | string[]): string => describeDuration(Number(value));
const showAttempts = (value: number | string | string[]): string => (Number(value) === 0 ? 'unlimited' : String(value));
const showText = (value: number | string | string[]): string => (Array.isArray(value) ? `[${value.join(', ')}]` : String(value));
const ms = (duration: ProtoDuration): number | undefined => {
  const value = protoDurationMs(duration);
  return value === undefined || value === 0 ? undefined : value;
};

/** The server's defaults for a retry policy's unset fields (temporal `EnsureRetryPolicyDefaults`). */
function retryOptions(
  label: string,
  code: temporal.api.common.v1.IRetryPolicy | null | undefined,
  recorded: temporal.api.common.v1.IRetryPolicy | null | undefined,
): Option[] {
  const initial = ms(code?.initialInterval);
  const effectiveInitial = initial ?? 1000;
  const maxAttempts = code?.maximumAttempts || undefined;
  const backoff = code?.backoffCoefficient || undefined;
  return [
    {
      what: `retry initialInterval of ${label}`,
      code: initial,
      effective: effectiveInitial,
      recorded: protoDurationMs(recorded?.initialInterval) ?? 0,
      show: showDuration,
    },
    {
      what: `retry backoffCoefficient of ${label}`,
      code: backoff,
      effective: backoff ?? 2,
      recorded: recorded?.backoffCoefficient ?? 0,
      show: showText,
    },
    {
      what: `retry maximumInterval of ${label}`,
      code: ms(code?.maximumInterval),
      effective: ms(code?.maximumInterval) ?? 100 * effectiveInitial,
      recorded: protoDurationMs(recorded?.maximumInterval) ?? 0,
      show: showDuration,
    },
    {
      what: `retry maximumAttempts of ${label}`,
      code: maxAttempts,
      effective: maxAttempts ?? 0,
      recorded: recorded?.maximumAttempts ?? 0,
      show: showAttempts,
    },
    {
      what: `retry nonRetryableErrorTypes of ${label}`,
      code: code?.nonRetryableErrorTypes?.length ? [...code.nonRetryableErrorTypes].sort() : undefined,
      effective: [...(code?.nonRetryableErrorTypes ?? [])].sort(),
      recorded: [...(recorded?.nonRetryableErrorTypes ?? [])].sort(),
      show: showText,
    },
  ];
}

interface Context {
  run: CodeRun;
  values: PayloadValues;
  /** The workflow's own task queue, as its start recorded it. */
  taskQueue: string;
  runTimeoutMs: number;
}

/** A command's task queue as the server records it: the workflow's own when the code left it unset. */
function taskQueueOption(label: string, code: string | null | undefined, recorded: string | null | undefined, context: Context): Option {
  const unset = !code || code === context.run.taskQueue;
  return {
    what: `task queue of ${label}`,
    code: unset ? undefined : code!,
    effective: unset ? context.taskQueue : code!,
    recorded: recorded ?? '',
    show: showText,
  };
}

/** Activity options both ways, with the server's deduction of unset timeouts (temporal `validateActivityScheduleAttributes`). */
function activityDrift(
  eventId: number,
  recorded: temporal.api.history.v1.IActivityTaskScheduledEventAttributes,
  command: coresdk.workflow_commands.IScheduleActivity,
  context: Context,
): Drift[] {
  const label = `activity ${command.activityType}`;
  const run = context.runTimeoutMs;
  const code = {
    scheduleToClose: ms(command.scheduleToCloseTimeout),
    scheduleToStart: ms(command.scheduleToStartTimeout),
    startToClose: ms(command.startToCloseTimeout),
    heartbeat: ms(command.heartbeatTimeout),
  };
  let { scheduleToClose = 0, scheduleToStart = 0, startToClose = 0, heartbeat = 0 } = code;
  if (scheduleToClose > 0) {
    scheduleToStart = scheduleToStart > 0 ? Math.min(scheduleToStart, scheduleToClose) : scheduleToClose;
    startToClose = startToClose > 0 ? Math.min(startToClose, scheduleToClose) : scheduleToClose;
  } else if (startToClose > 0) {
    scheduleToClose = run;
    if (!(scheduleToStart > 0)) scheduleToStart = run;
  }
  if (run > 0)
    [scheduleToClose, scheduleToStart, startToClose, heartbeat] = [scheduleToClose, scheduleToStart, startToClose, heartbeat].map((t) =>
      Math.min(t, run),
    ) as [number, number, number, number];
  heartbeat = Math.min(heartbeat, startToClose);
  const timeout = (name: string, set: number | undefined, effective: number, value: ProtoDuration): Option => ({
    what: `${name} of ${label}`,
    code: set,
    effective,
    recorded: protoDurationMs(value) ?? 0,
    show: showDuration,
  });
  return [
    ...valueDrift(
      eventId,
      `arguments of ${label}`,
      context.values.history(recorded.input?.payloads),
      context.values.code(command.arguments),
    ),
    ...optionDrift(eventId, [
      taskQueueOption(label, command.taskQueue, recorded.taskQueue?.name, context),
      timeout('scheduleToCloseTimeout', code.scheduleToClose, scheduleToClose, recorded.scheduleToCloseTimeout),
      timeout('scheduleToStartTimeout', code.scheduleToStart, scheduleToStart, recorded.scheduleToStartTimeout),
      timeout('startToCloseTimeout', code.startToClose, startToClose, recorded.startToCloseTimeout),
      timeout('heartbeatTimeout', code.heartbeat, heartbeat, recorded.heartbeatTimeout),
      ...retryOptions(label, command.retryPolicy, recorded.retryPolicy),
    ]),
  ];
}

const WORKFLOW_TASK_TIMEOUT_DEFAULT_MS = 10_000;
const PARENT_CLOSE_TERMINATE = 1;
const REUSE_ALLOW_DUPLICATE = 1;
const parentClosePolicies = ['unspecified', 'terminate', 'abandon', 'request cancel'];
const reusePolicies = ['unspecified', 'allow duplicate', 'allow duplicate failed only', 'reject duplicate', 'terminate if running'];

/** Child workflow options both ways (temporal `validateStartChildExecutionAttributes` for the unset ones). */
function childDrift(
  eventId: number,
  recorded: temporal.api.history.v1.IStartChildWorkflowExecutionInitiatedEventAttributes,
  command: coresdk.workflow_commands.IStartChildWorkflowExecution,
  context: Context,
): Drift[] {
  const label = `child workflow ${command.workflowType}`;
  const execution = ms(command.workflowExecutionTimeout);
  const runSet = ms(command.workflowRunTimeout);
  const run = runSet === undefined ? (execution ?? 0) : execution === undefined ? runSet : Math.min(runSet, execution);
  const taskSet = ms(command.workflowTaskTimeout);
  const task = Math.min(taskSet ?? WORKFLOW_TASK_TIMEOUT_DEFAULT_MS, run > 0 ? run : Number.POSITIVE_INFINITY);
  const parentClose = Number(command.parentClosePolicy ?? 0);
  const reuse = Number(command.workflowIdReusePolicy ?? 0);
  return [
    ...valueDrift(eventId, `arguments of ${label}`, context.values.history(recorded.input?.payloads), context.values.code(command.input)),
    ...optionDrift(eventId, [
      {
        what: `workflow id of ${label}`,
        code: command.workflowId ?? '',
        effective: command.workflowId ?? '',
        recorded: recorded.workflowId ?? '',
        show: showText,
      },
      taskQueueOption(label, command.taskQueue, recorded.taskQueue?.name, context),
      {
        what: `workflowExecutionTimeout of ${label}`,
        code: execution,
        effective: execution ?? 0,
        recorded: protoDurationMs(recorded.workflowExecutionTimeout) ?? 0,
        show: showDuration,
      },
      {
        what: `workflowRunTimeout of ${label}`,
        code: runSet,
        effective: run,
        recorded: protoDurationMs(recorded.workflowRunTimeout) ?? 0,
        show: showDuration,
      },
      {
        what: `workflowTaskTimeout of ${label}`,
        code: taskSet,
        effective: task,
        recorded: protoDurationMs(recorded.workflowTaskTimeout) ?? 0,
        show: showDuration,
      },
      {
        what: `parentClosePolicy of ${label}`,
        code: parentClose || undefined,
        effective: parentClose || PARENT_CLOSE_TERMINATE,
        recorded: Number(recorded.parentClosePolicy) || PARENT_CLOSE_TERMINATE,
        show: (v) => parentClosePolicies[Number(v)] ?? String(v),
      },
      {
        what: `workflowIdReusePolicy of ${label}`,
        code: reuse || undefined,
        effective: reuse || REUSE_ALLOW_DUPLICATE,
        recorded: Number(recorded.workflowIdReusePolicy) || REUSE_ALLOW_DUPLICATE,
        show: (v) => reusePolicies[Number(v)] ?? String(v),
      },
      {
        what: `cronSchedule of ${label}`,
        code: command.cronSchedule || undefined,
        effective: command.cronSchedule ?? '',
        recorded: recorded.cronSchedule ?? '',
        show: (v) => (v === '' ? 'none' : String(v)),
      },
      ...(command.retryPolicy || recorded.retryPolicy ? retryOptions(label, command.retryPolicy, recorded.retryPolicy) : []),
    ]),
  ];
}

/**
 * Strict mode: differences the SDK's replay accepts but that change what running workflows will do, on every
 * command the code and the history agree on (unpaired commands are divergence, not drift).
 */
export function findDrift(events: readonly HistoryEvent[], run: CodeRun, values: PayloadValues): Drift[] {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const context: Context = {
    run,
    values,
    taskQueue: started?.taskQueue?.name ?? '',
    runTimeoutMs: protoDurationMs(started?.workflowRunTimeout) ?? 0,
  };
  const drifts: Drift[] = [];
  for (const [recorded, issued] of align(events, run).pairs) {
    const { eventId, event } = recorded;
    const c = issued.command;
    if (c.scheduleActivity && event.activityTaskScheduledEventAttributes)
      drifts.push(...activityDrift(eventId, event.activityTaskScheduledEventAttributes, c.scheduleActivity, context));
    else if (c.startTimer && event.timerStartedEventAttributes) {
      const [history, code] = [
        protoDurationMs(event.timerStartedEventAttributes.startToFireTimeout) ?? 0,
        protoDurationMs(c.startTimer.startToFireTimeout) ?? 0,
      ];
      if (history !== code)
        drifts.push({ eventId, what: 'timer duration', recorded: describeDuration(history), code: describeDuration(code) });
    } else if (c.startChildWorkflowExecution && event.startChildWorkflowExecutionInitiatedEventAttributes) {
      drifts.push(
        ...childDrift(eventId, event.startChildWorkflowExecutionInitiatedEventAttributes, c.startChildWorkflowExecution, context),
      );
    } else if (c.signalExternalWorkflowExecution && event.signalExternalWorkflowExecutionInitiatedEventAttributes) {
      const what = `arguments of signal ${c.signalExternalWorkflowExecution.signalName}`;
      drifts.push(
        ...valueDrift(
          eventId,
          what,
          values.history(event.signalExternalWorkflowExecutionInitiatedEventAttributes.input?.payloads),
          values.code(c.signalExternalWorkflowExecution.args),
        ),
      );
    } else if (c.completeWorkflowExecution && event.workflowExecutionCompletedEventAttributes) {
      const result = c.completeWorkflowExecution.result;
      drifts.push(
        ...valueDrift(
          eventId,
          'workflow result',
          values.history(event.workflowExecutionCompletedEventAttributes.result?.payloads)[0],
          result ? values.code([result])[0] : undefined,
        ),
      );
    } else if (c.failWorkflowExecution && event.workflowExecutionFailedEventAttributes) {
      if (recorded.view.name !== issued.view.name)
        drifts.push({ eventId, what: 'failure type of the workflow', recorded: recorded.view.name, code: issued.view.name });
    } else if (c.continueAsNewWorkflowExecution && event.workflowExecutionContinuedAsNewEventAttributes) {
      const attrs = event.workflowExecutionContinuedAsNewEventAttributes;
      const type = c.continueAsNewWorkflowExecution.workflowType || started?.workflowType?.name;
      if (type !== attrs.workflowType?.name)
        drifts.push({ eventId, what: 'workflow type continued as', recorded: attrs.workflowType?.name, code: type });
      drifts.push(
        ...optionDrift(eventId, [
          taskQueueOption('the continued run', c.continueAsNewWorkflowExecution.taskQueue, attrs.taskQueue?.name, context),
        ]),
      );
      drifts.push(
        ...valueDrift(
          eventId,
          'arguments of the continued run',
          values.history(attrs.input?.payloads),
          values.code(c.continueAsNewWorkflowExecution.arguments),
        ),
      );
    } else if (c.updateResponse?.completed && event.workflowExecutionUpdateCompletedEventAttributes) {
      const outcome = event.workflowExecutionUpdateCompletedEventAttributes.outcome;
      const history = outcome?.success ? values.history(outcome.success.payloads)[0] : { failure: failureName(outcome?.failure) };
      drifts.push(...valueDrift(eventId, `result of update ${issued.view.name}`, history, values.code([c.updateResponse.completed])[0]));
    } else if (c.upsertWorkflowSearchAttributes && event.upsertWorkflowSearchAttributesEventAttributes) {
      const history = event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
      const code = c.upsertWorkflowSearchAttributes.searchAttributes ?? {};
      const decode = (fields: Record<string, Payload>, side: keyof PayloadValues) =>
        Object.fromEntries(Object.entries(fields).map(([key, payload]) => [key, values[side]([payload])[0]]));
      drifts.push(...valueDrift(eventId, 'search attributes', decode(history, 'history'), decode(code as Record<string, Payload>, 'code')));
    }
  }
  return drifts;
}
