/**
 * Did the system ever work? Read from what a run recorded (pure): its workflows' histories and the pending
 * activities describe() showed. A run whose system never made progress for reasons that are not the faults (code
 * that throws a TypeError before it calls anything, an activity the workers do not register, workflow code that
 * fails its first task, a part nobody could reach without any fault) is a harness error, never a verdict: the
 * checkers would only name the symptoms ("40 transfers ended running") of a setup that never worked.
 *
 * The judgement is narrow on purpose. A type that worked once in the run (an activity completed, a workflow task
 * completed) has a bug on some path, which is what checkers are for. Errors a fault causes (a refused or reset
 * connection, a timeout) never count, except in a run without faults, where they mean a part never served.
 */
import type { temporal } from '@temporalio/proto';
import proto from '@temporalio/proto';
import { shownPath } from '../modules/user-module.ts';
import { eventTypeOf } from './progress.ts';

type Failure = temporal.api.failure.v1.IFailure;
const { EventType } = proto.temporal.api.enums.v1;

/** A workflow as a run recorded it: RecordedWorkflow of a chaos run, or a history a bench or interleave run read. */
export interface WorkflowRecord {
  workflowId: string;
  workflowType: string;
  events: readonly temporal.api.history.v1.IHistoryEvent[];
  pendingActivities?: readonly temporal.api.workflow.v1.IPendingActivityInfo[];
}

/** An error as a failure recorded it: its type (the error's name), its message and the first frame of its stack. */
export interface RecordedError {
  type: string;
  message: string;
  /** `withdraw (activities/index.ts:29:14)`: the first frame outside node_modules and Node's internals. */
  frame?: string;
}

export type NeverWorked =
  | {
      kind: 'activity';
      activityType: string;
      /**
       * programming-error: TypeError, ReferenceError or SyntaxError on every attempt; not-registered: the workers'
       * module does not return it; unreachable: every attempt failed to reach a part, in a run without faults.
       */
      reason: 'programming-error' | 'not-registered' | 'unreachable';
      attempts: number;
      error: RecordedError;
      workflowId: string;
    }
  | { kind: 'workflow-task'; workflowType: string; error: RecordedError; workflowId: string };

export interface NeverWorkedOptions {
  /** No fault ran: an activity that failed to reach its part on every attempt never worked either. */
  faultFree: boolean;
  /** Types already seen working (a warm-up of the same code, see workedTypes): they are never judged. */
  worked?: WorkedTypes;
  /** Failed attempts, over every workflow, an activity type needs before it counts as never working. */
  minAttempts?: number;
}

export interface WorkedTypes {
  /** Activity types that completed at least once. */
  activities: readonly string[];
  /** Workflow types that completed at least one workflow task. */
  workflows: readonly string[];
}

const PROGRAMMING_ERRORS: ReadonlySet<string> = new Set(['TypeError', 'ReferenceError', 'SyntaxError']);

/** What a lost, refused or reset connection says (Node's net errors, undici's, and fetch's TypeErrors). */
const TRANSPORT =
  /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_[A-Z_]+)\b|socket hang up|fetch failed|other side closed|^terminated$/i;

const NOT_REGISTERED = /is not registered on this worker/i;

/** The messages down a failure's chain of causes. */
function messages(failure: Failure): string[] {
  const list: string[] = [];
  for (let f: Failure | null | undefined = failure; f; f = f.cause) list.push(f.message ?? '');
  return list;
}

const transportShaped = (failure: Failure): boolean => messages(failure).some((m) => TRANSPORT.test(m));

/** A programming error of the code itself: fetch's `TypeError: fetch failed` (a cause below it) is the network's. */
const programmingError = (failure: Failure): boolean =>
  PROGRAMMING_ERRORS.has(failure.applicationFailureInfo?.type ?? '') && !failure.cause && !transportShaped(failure);

/**
 * The first frame of a stack outside node_modules and Node's internals (else the first), its file shown as the
 * user's: `withdraw (activities/index.ts:29:14)`.
 */
export function firstFrame(stack: string | null | undefined): string | undefined {
  const frames = (stack ?? '')
    .split('\n')
    .map((line) => /^\s*at (.+)$/.exec(line)?.[1]?.trim())
    .filter((frame): frame is string => frame !== undefined);
  const own = frames.find((frame) => !/node_modules|node:internal|\(node:|^node:/.test(frame)) ?? frames[0];
  return own?.replace(/(file:\/\/)?(\/[^\s():]+)(?=:\d+:\d+)/, (_, _scheme: string, file: string) => shownPath(file));
}

/**
 * The error a failure records: its type is the ApplicationFailure's, else the name its stack starts with (a workflow
 * task's failure carries no type, and its stack says `TypeError: ...`).
 */
export function recordedError(failure: Failure): RecordedError {
  const frame = firstFrame(failure.stackTrace);
  const named = errorNameIn(failure.stackTrace ?? '', failure.message ?? '');
  return {
    type: failure.applicationFailureInfo?.type || named || 'Error',
    message: (failure.message ?? '').split('\n')[0]!,
    ...(frame ? { frame } : {}),
  };
}

/**
 * The error's name as its stack says it: the line `<Name>: <message>`, which Node puts first, or after the source
 * line it decorates a rethrown error with (`bundle.js:6627\n  throw this.workflowTaskError;\n  ^\n\nTypeError: ...`).
 */
function errorNameIn(stack: string, message: string): string | undefined {
  const firstLine = message.split('\n')[0]!;
  const lines = stack.split('\n');
  const named = (line: string): string | undefined => /^([A-Za-z_$][\w$]*): /.exec(line)?.[1];
  return (
    named(lines[0] ?? '') ?? lines.map((line) => (firstLine && line.endsWith(`: ${firstLine}`) ? named(line) : undefined)).find(Boolean)
  );
}

interface ActivityEvidence {
  type: string;
  failures: { failure: Failure; attempts: number; workflowId: string }[];
}

/** Every activity type's failures (each with the attempts it stands for), and the types that completed. */
function activityEvidence(workflows: readonly WorkflowRecord[]): { byType: Map<string, ActivityEvidence>; completed: Set<string> } {
  const byType = new Map<string, ActivityEvidence>();
  const completed = new Set<string>();
  const add = (type: string, failure: Failure, attempts: number, workflowId: string): void => {
    const entry = byType.get(type) ?? { type, failures: [] };
    entry.failures.push({ failure, attempts, workflowId });
    byType.set(type, entry);
  };
  for (const workflow of workflows) {
    const types = new Map<number, string>();
    const attempts = new Map<number, number>();
    for (const event of workflow.events) {
      const id = Number(event.eventId);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(id, scheduled.activityType?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      if (started) attempts.set(Number(started.scheduledEventId), started.attempt ?? 1);
      if (eventTypeOf(event) === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        completed.add(types.get(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? '');
      }
      const failed = event.activityTaskFailedEventAttributes;
      // A timeout ends with the last attempt's failure as its cause, when an attempt failed before it.
      const timedOut = event.activityTaskTimedOutEventAttributes;
      const end = failed ?? timedOut;
      if (end?.failure) {
        const scheduledId = Number(end.scheduledEventId);
        const failure = failed ? end.failure : (end.failure.cause ?? end.failure);
        add(types.get(scheduledId) ?? '', failure, attempts.get(scheduledId) ?? 1, workflow.workflowId);
      }
    }
    for (const pending of workflow.pendingActivities ?? []) {
      if (!pending.lastFailure) continue;
      // Attempt n is the one scheduled or running now: the n-1 before it failed.
      add(pending.activityType?.name ?? '', pending.lastFailure, Math.max(1, (pending.attempt ?? 1) - 1), workflow.workflowId);
    }
  }
  return { byType, completed };
}

/** Workflow types none of whose workflows ever completed a workflow task, with the first task failure seen. */
function workflowTaskEvidence(workflows: readonly WorkflowRecord[]): {
  failed: Map<string, { failure: Failure; workflowId: string }>;
  completed: Set<string>;
} {
  const failed = new Map<string, { failure: Failure; workflowId: string }>();
  const completed = new Set<string>();
  for (const workflow of workflows) {
    for (const event of workflow.events) {
      if (eventTypeOf(event) === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) completed.add(workflow.workflowType);
      const failure = event.workflowTaskFailedEventAttributes?.failure;
      if (failure && !failed.has(workflow.workflowType)) failed.set(workflow.workflowType, { failure, workflowId: workflow.workflowId });
    }
  }
  return { failed, completed };
}

/** The types that worked in a run: the activities that completed, the workflows that completed a workflow task. */
export function workedTypes(workflows: readonly WorkflowRecord[]): WorkedTypes {
  return {
    activities: [...activityEvidence(workflows).completed].sort(),
    workflows: [...workflowTaskEvidence(workflows).completed].sort(),
  };
}

/** What never worked in a run, if anything (the first such finding, in the order above), else undefined. */
export function neverWorked(workflows: readonly WorkflowRecord[], options: NeverWorkedOptions): NeverWorked | undefined {
  const minAttempts = options.minAttempts ?? 3;
  const worked = { activities: new Set(options.worked?.activities), workflows: new Set(options.worked?.workflows) };
  const tasks = workflowTaskEvidence(workflows);
  for (const [workflowType, { failure, workflowId }] of tasks.failed) {
    if (!tasks.completed.has(workflowType) && !worked.workflows.has(workflowType))
      return { kind: 'workflow-task', workflowType, error: recordedError(failure), workflowId };
  }
  const { byType, completed } = activityEvidence(workflows);
  const judged = [...byType.values()].filter(({ type }) => !completed.has(type) && !worked.activities.has(type));
  for (const { type, failures } of judged) {
    const missing = failures.find(({ failure }) => NOT_REGISTERED.test(failure.message ?? ''));
    if (missing) {
      const attempts = failures.reduce((sum, f) => sum + f.attempts, 0);
      return {
        kind: 'activity',
        activityType: type,
        reason: 'not-registered',
        attempts,
        error: recordedError(missing.failure),
        workflowId: missing.workflowId,
      };
    }
  }
  for (const { type, failures } of judged) {
    const attempts = failures.reduce((sum, f) => sum + f.attempts, 0);
    if (attempts < minAttempts) continue;
    const reason = failures.every(({ failure }) => programmingError(failure))
      ? ('programming-error' as const)
      : options.faultFree && failures.every(({ failure }) => transportShaped(failure))
        ? ('unreachable' as const)
        : undefined;
    if (!reason) continue;
    const [first] = failures;
    return { kind: 'activity', activityType: type, reason, attempts, error: recordedError(first!.failure), workflowId: first!.workflowId };
  }
  return undefined;
}

/** `TypeError: Cannot read properties of undefined (reading 'withdraw') (at withdraw (activities/index.ts:29:14))` */
export function describeRecordedError(error: RecordedError): string {
  return `${error.type}: ${error.message}${error.frame ? ` (at ${error.frame})` : ''}`;
}

export interface NeverWorkedModules {
  /** The workers' activities module and workflows module, as messages show them. */
  activities: string;
  workflows: string;
  /** Each part's name by an address the workers reach it at (`127.0.0.1:40123` -> `bank`), to name a part nobody reached. */
  parts?: Readonly<Record<string, string>>;
}

/** The one line a harness error prints: the module, the activity or workflow, the error and its first frame. */
export function describeNeverWorked(finding: NeverWorked, modules: NeverWorkedModules): string {
  const error = describeRecordedError(finding.error);
  if (finding.kind === 'workflow-task')
    return `${modules.workflows}: workflow ${finding.workflowType} failed its first workflow task and never completed one: ${error}`;
  const activity = `activity ${finding.activityType}`;
  const attempts = `on ${finding.attempts === 1 ? 'its only attempt' : `all ${finding.attempts} attempts`}`;
  switch (finding.reason) {
    case 'not-registered':
      return `${modules.activities}: the workflows schedule ${activity}, which the workers do not register (createActivities does not return it): ${error}`;
    case 'programming-error':
      return `${modules.activities}: ${activity} failed with ${finding.error.type} ${attempts} and never completed: ${error}`;
    case 'unreachable': {
      const part = Object.entries(modules.parts ?? {}).find(([address]) => finding.error.message.includes(address))?.[1];
      return `${modules.activities}: ${activity} never reached ${part ? `part ${part}` : 'its part'} without any fault, failing ${attempts}: ${error}`;
    }
  }
}
