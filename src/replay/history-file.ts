/**
 * History files: the JSON that `temporal workflow show --output json` writes (also what the Web UI's
 * "Download JSON" and the SDK's historyToJSON produce). Loading validates enough to say, with the file's
 * name, why a file is not a usable history.
 */
import { readFile } from 'node:fs/promises';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';

export type History = temporal.api.history.v1.IHistory;

export interface LoadedHistory {
  file: string;
  history: History;
  workflowType: string;
  /** From the corpus manifest when known, else the file's name: histories do not record their workflow id. */
  workflowId: string;
  runId: string;
  eventCount: number;
}

export class HistoryFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'HistoryFileError';
  }
}

const STARTED = new Set(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'WorkflowExecutionStarted']);

/** Parse and check a history file's text. `workflowId` is what to call the execution in reports. */
export function parseHistory(file: string, text: string, workflowId: string): LoadedHistory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // A parse that stops at the very end of the text means the text ended too early.
    const position = Number(/at position (\d+)/.exec((error as Error).message)?.[1] ?? Number.NaN);
    const truncated = text.trim().length > 0 && (/end of JSON input|Unterminated string/.test((error as Error).message) || position >= text.trimEnd().length - 1);
    throw new HistoryFileError(file, `not valid JSON${truncated ? ' (the file looks truncated)' : ''}: ${(error as Error).message}`);
  }
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new HistoryFileError(file, 'not a Temporal history: there is no "events" array (expected the output of `temporal workflow show --output json`)');
  if (events.length === 0) throw new HistoryFileError(file, 'not a Temporal history: "events" is empty');
  const first = events[0] as { eventId?: unknown; eventType?: unknown; workflowExecutionStartedEventAttributes?: unknown };
  if (typeof first.eventType !== 'string' || !STARTED.has(first.eventType) || !first.workflowExecutionStartedEventAttributes) {
    throw new HistoryFileError(file, `not a Temporal history: the first event must be WorkflowExecutionStarted, found ${JSON.stringify(first.eventType ?? null)}`);
  }
  for (let i = 0; i < events.length; i++) {
    const id = (events[i] as { eventId?: unknown }).eventId;
    if (String(id) !== String(i + 1)) throw new HistoryFileError(file, `events are not numbered 1..${events.length}: position ${i + 1} has eventId ${JSON.stringify(id ?? null)} (a hand-edited or spliced file?)`);
  }
  let history: History;
  try {
    history = historyFromJSON(json);
  } catch (error) {
    throw new HistoryFileError(file, `not a Temporal history: ${(error as Error).message}`);
  }
  const parsed = history.events ?? [];
  const started = parsed[0]!.workflowExecutionStartedEventAttributes!;
  return {
    file,
    history,
    workflowType: started.workflowType?.name ?? '(unknown type)',
    workflowId,
    runId: started.originalExecutionRunId || started.firstExecutionRunId || '(unknown run)',
    eventCount: parsed.length,
  };
}

export async function loadHistoryFile(file: string, workflowId: string): Promise<LoadedHistory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryFileError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseHistory(file, text, workflowId);
}

/** The exact text `temporal workflow show --output json` prints for this history. */
export function historyFileText(history: History): string {
  // Histories from fetchHistory() and historyFromJSON() are History messages, which is what historyToJSON reads.
  return `${historyToJSON(history as temporal.api.history.v1.History)}\n`;
}
