/**
 * History files: the JSON that `temporal workflow show --output json` writes (also what the Web UI's
 * "Download JSON" and the SDK's historyToJSON produce), and `.jsonl` exports with one such history per line
 * (`temporal workflow show --output jsonl`, appended run after run). Loading validates enough to say, with the
 * file's name and the event, why a history is unusable: the SDK's Core panics and never answers on some of
 * them (an unknown event type in place of a workflow task's completion), so they must not reach it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { oneLine, UsageError } from '../errors.ts';

export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const { EventType } = proto.temporal.api.enums.v1;
const PROTO_VERSION = (createRequire(import.meta.url)('@temporalio/proto/package.json') as { version: string }).version;

export interface LoadedHistory {
  /** Where it came from: a file, `file:line` of a .jsonl export, or an execution on a cluster. */
  file: string;
  history: History;
  workflowType: string;
  /** From the corpus manifest when known, else what the history's start recorded, else the file's name. */
  workflowId: string;
  runId: string;
  eventCount: number;
}

export class HistoryFileError extends UsageError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'HistoryFileError';
  }
}

/** `EVENT_TYPE_TIMER_STARTED` -> `TimerStarted`, as the Temporal CLI and Web UI name events. */
export function eventTypeName(type: number | string | null | undefined): string {
  const constant = typeof type === 'number' ? EventType[type] : type;
  if (!constant) return `unknown event type ${JSON.stringify(type ?? null)}`;
  return constant
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)(.)/g, (_m, _s, c: string) => c.toUpperCase());
}

/** The attributes field an event of this type carries: `EVENT_TYPE_TIMER_STARTED` -> `timerStartedEventAttributes`. */
function attributesField(constant: string): string {
  const name = eventTypeName(constant);
  return `${name[0]!.toLowerCase()}${name.slice(1)}EventAttributes`;
}

/** The EventType constant a JSON event names, as the SDK's historyFromJSON reads it (PascalCase or constant). */
function eventTypeConstant(type: unknown): string | undefined {
  if (typeof type === 'number') return EventType[type];
  if (typeof type !== 'string') return undefined;
  const constant = type.startsWith('EVENT_TYPE')
    ? type
    : `EVENT_TYPE_${type.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase()}`;
  return constant in EventType ? constant : undefined;
}

/** What is wrong with one event of a history in its JSON form, or undefined. */
function jsonEventProblem(event: Record<string, unknown>, position: number): string | undefined {
  const constant = eventTypeConstant(event.eventType);
  if (!constant || constant === 'EVENT_TYPE_UNSPECIFIED') {
    return `event ${position}: unknown event type ${JSON.stringify(event.eventType ?? null)} (this replayer, @temporalio/proto ${PROTO_VERSION}, knows no such event)`;
  }
  const expected = attributesField(constant);
  if (!event[expected] || typeof event[expected] !== 'object') {
    const found = Object.keys(event).find((key) => key.endsWith('EventAttributes'));
    return `event ${position} (${eventTypeName(constant)}): ${found ? `carries ${found} instead of ${expected}` : `has no ${expected}`}`;
  }
  return undefined;
}

const WORKFLOW_TASK_ENDS = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
]);

/**
 * What makes a decoded history unusable for replay, or undefined. Checks what Core relies on without checking
 * itself: a start, events numbered 1..n, a known type with its attributes on every event, and a workflow task
 * that started followed by its completion, failure or timeout (or the end of the history).
 */
export function historyProblem(history: History): string | undefined {
  const events: HistoryEvent[] = history.events ?? [];
  if (events.length === 0) return 'not a Temporal history: "events" is empty';
  if (!events[0]!.workflowExecutionStartedEventAttributes) {
    return `not a Temporal history: the first event must be WorkflowExecutionStarted, found ${eventTypeName(events[0]!.eventType)}`;
  }
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (Number(event.eventId) !== i + 1)
      return `events are not numbered 1..${events.length}: position ${i + 1} has eventId ${String(event.eventId)} (a hand-edited or spliced file?)`;
    const constant = typeof event.eventType === 'number' ? EventType[event.eventType] : undefined;
    if (!constant || event.eventType === EventType.EVENT_TYPE_UNSPECIFIED)
      return `event ${i + 1}: unknown event type ${JSON.stringify(event.eventType ?? null)}`;
    const expected = attributesField(constant);
    if (!(event as Record<string, unknown>)[expected]) return `event ${i + 1} (${eventTypeName(constant)}): has no ${expected}`;
    const next = events[i + 1];
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && next && !WORKFLOW_TASK_ENDS.has(next.eventType!)) {
      return `event ${i + 2} (${eventTypeName(next.eventType)}): a started workflow task must be followed by WorkflowTaskCompleted, WorkflowTaskFailed or WorkflowTaskTimedOut`;
    }
    if (
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
      events[i - 1]?.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    ) {
      return `event ${i + 1} (WorkflowTaskCompleted): does not follow a WorkflowTaskStarted`;
    }
  }
  return undefined;
}

/** Check a decoded history (from a file or a cluster) and describe it for replay. */
export function loadedHistory(source: string, history: History, workflowId?: string): LoadedHistory {
  const problem = historyProblem(history);
  if (problem) throw new HistoryFileError(source, problem);
  const events = history.events!;
  const started = events[0]!.workflowExecutionStartedEventAttributes!;
  return {
    file: source,
    history,
    workflowType: started.workflowType?.name ?? '(unknown type)',
    workflowId: workflowId ?? (started.workflowId || path.basename(source).replace(/\.jsonl?$/, '')),
    runId: started.originalExecutionRunId || started.firstExecutionRunId || '(unknown run)',
    eventCount: events.length,
  };
}

/** Parse and check a history's JSON text. `workflowId` is what to call the execution in reports, when known. */
export function parseHistory(file: string, text: string, workflowId?: string): LoadedHistory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // A parse that stops at the very end of the text means the text ended too early.
    const position = Number(/at position (\d+)/.exec((error as Error).message)?.[1] ?? Number.NaN);
    const truncated =
      text.trim().length > 0 &&
      (/end of JSON input|Unterminated string/.test((error as Error).message) || position >= text.trimEnd().length - 1);
    throw new HistoryFileError(file, `not valid JSON${truncated ? ' (the file looks truncated)' : ''}: ${oneLine(error)}`);
  }
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events))
    throw new HistoryFileError(
      file,
      'not a Temporal history: there is no "events" array (expected the output of `temporal workflow show --output json`)',
    );
  if (events.length === 0) throw new HistoryFileError(file, 'not a Temporal history: "events" is empty');
  const first = events[0] as { eventType?: unknown; workflowExecutionStartedEventAttributes?: unknown } | null;
  if (eventTypeConstant(first?.eventType) !== 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' || !first?.workflowExecutionStartedEventAttributes) {
    throw new HistoryFileError(
      file,
      `not a Temporal history: the first event must be WorkflowExecutionStarted, found ${JSON.stringify(first?.eventType ?? null)}`,
    );
  }
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Record<string, unknown> | null;
    if (String(event?.eventId) !== String(i + 1))
      throw new HistoryFileError(
        file,
        `events are not numbered 1..${events.length}: position ${i + 1} has eventId ${JSON.stringify(event?.eventId ?? null)} (a hand-edited or spliced file?)`,
      );
    const problem = jsonEventProblem(event!, i + 1);
    if (problem) throw new HistoryFileError(file, problem);
  }
  let history: History;
  try {
    history = historyFromJSON(json);
  } catch (error) {
    throw new HistoryFileError(file, `not a Temporal history: ${(error as Error).message}`);
  }
  return loadedHistory(file, history, workflowId);
}

/** Every history in a .jsonl export: one per non-empty line, each named `file:line`. */
export function parseHistoryLines(
  file: string,
  text: string,
  workflowIdOf: (source: string) => string | undefined = () => undefined,
): LoadedHistory[] {
  const histories: LoadedHistory[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const source = `${file}:${i + 1}`;
    histories.push(parseHistory(source, line, workflowIdOf(source)));
  });
  if (histories.length === 0) throw new HistoryFileError(file, 'not a Temporal history export: the file has no lines');
  return histories;
}

async function readHistoryText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryFileError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** One history file (.json). */
export async function loadHistoryFile(file: string, workflowId?: string): Promise<LoadedHistory> {
  return parseHistory(file, await readHistoryText(file), workflowId);
}

/** Every history a file holds: one for .json, one per line for .jsonl. */
export async function loadHistories(
  file: string,
  workflowIdOf: (source: string) => string | undefined = () => undefined,
): Promise<LoadedHistory[]> {
  const text = await readHistoryText(file);
  return file.endsWith('.jsonl') ? parseHistoryLines(file, text, workflowIdOf) : [parseHistory(file, text, workflowIdOf(file))];
}

/** The exact text `temporal workflow show --output json` prints for this history. */
export function historyFileText(history: History): string {
  // Histories from fetchHistory() and historyFromJSON() are History messages, which is what historyToJSON reads.
  const json = JSON.parse(historyToJSON(history as temporal.api.history.v1.History)) as unknown;
  return `${JSON.stringify(sortMapFields(json), null, 2)}\n`;
}

/**
 * The history's protobuf map fields (a payload's metadata, a header's or memo's fields, search attributes' indexed
 * fields), their keys in order. The server sends map entries in any order, so the same history fetched twice could
 * differ in its bytes; `temporal workflow show` (Go's protojson) writes them sorted by key, and so does this.
 */
const MAP_FIELDS = new Set(['metadata', 'fields', 'indexedFields']);

function sortMapFields(node: unknown, isMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => sortMapFields(item));
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (isMap) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, value]) => [key, sortMapFields(value, !isMap && MAP_FIELDS.has(key))]));
}
