/**
 * What one history's replay means: passed, non-deterministic (where and how code and history part), drifted
 * (strict mode: replays, but the code would now do something else), failed (the workflow code threw during
 * replay), or unusable (the replayer could not judge it: Core rejected the history, or its replay stalled).
 */
import { type CodeRun, type Divergence, type Drift, findDivergence, findDrift, type PayloadValues, recordedCommandAt } from './compare.ts';
import type { LoadedHistory } from '../../base/history/history-file.ts';

export type ReplayStatus = 'passed' | 'nondeterministic' | 'failed' | 'drifted';

export interface ReplayOutcome {
  file: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  eventCount: number;
  status: ReplayStatus;
  /**
   * failed only: the history could not be judged at all (Core could not process it, or its replay made no
   * progress and was cut off). Not a verdict on the code: the run exits 2.
   */
  unusable?: boolean;
  /** What the SDK reported, in one line (for nondeterministic and failed). */
  message?: string;
  /** Where the code stopped matching the history (nondeterministic, or drifted in strict mode). */
  divergence?: Divergence;
  /** Strict mode: what changed without breaking replay. */
  drifts: Drift[];
  hint?: string;
}

export const PATCH_HINT =
  "If the change is intended, branch on patched('<change-id>'): new executions take the new path while histories recorded before the change replay the old one; once no execution of the old code is running, replace patched() with deprecatePatch('<change-id>').";
export const DRIFT_HINT =
  "Running executions will use the new values from their next command on. If they must not, guard the change with patched('<change-id>'), or deploy it once no execution of the old code is running.";

type Described = Pick<ReplayOutcome, 'file' | 'workflowType' | 'workflowId' | 'runId' | 'eventCount'>;

export function describedBy(loaded: Omit<LoadedHistory, 'history'>): Described {
  const { file, workflowType, workflowId, runId, eventCount } = loaded;
  return { file, workflowType, workflowId, runId, eventCount };
}

const MAX_MESSAGE = 300;

/** Rust debug dumps of whole events (`HistoryEvent { event_id: 5, ... }`) as `event 5`; the text around them kept. */
export function collapseEventDumps(text: string): string {
  let out = '';
  let at = 0;
  for (let start = text.indexOf('HistoryEvent {', at); start >= 0; start = text.indexOf('HistoryEvent {', at)) {
    let depth = 0;
    let end = start + 'HistoryEvent '.length;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    const id = /event_id: (\d+)/.exec(text.slice(start, end))?.[1];
    out += `${text.slice(at, start)}event ${id ?? '?'}`;
    at = end + 1;
  }
  return (out + text.slice(at)).replace(
    /(?:event )?HistoryEvent\(id: (\d+), ([A-Za-z]+)\)/g,
    (_m, id: string, type: string) => `event ${id} (${type})`,
  );
}

/** A message of Core's on one line: dumps collapsed, at most a few hundred characters. */
export function oneLine(text: string): string {
  const line = collapseEventDumps(text.split('\n')[0]!.trim()).replace(/\s*Stack backtrace:.*$/, '');
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 3)}...` : line;
}

/**
 * The SDK's replay error in one readable line: Core's own words without the wrapping, Rust debug dumps of
 * whole events reduced to the event's id and type, at most a few hundred characters.
 */
export function coreMessage(message: string): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  return oneLine(inner ? inner.replace(/\\"/g, '"').replace(/\\n/g, '\n') : message);
}

/** The event id Core names in its message, if any. */
export function eventNamedBy(message: string): number | undefined {
  const id = Number(/(?:HistoryEvent\(id: |event_id: |event )(\d+)/.exec(message)?.[1]);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

const WORKFLOW_TASK_FAILURE = /^Replay failed due workflow task failure/;

/** How a replay is judged: plain, or strict with the payload values to compare. */
export type Judging = { strict: false } | { strict: true; values: PayloadValues };

/** Judge one replay from the SDK's result and what the code did. */
export function explainReplay(loaded: LoadedHistory, run: CodeRun, error: Error | undefined, options: Judging): ReplayOutcome {
  const base = describedBy(loaded);
  const events = loaded.history.events ?? [];
  if (error?.name === 'DeterminismViolationError') {
    const message = coreMessage(error.message);
    const named = eventNamedBy(error.message);
    const divergence = findDivergence(events, run) ?? (named ? { eventId: named, recorded: recordedCommandAt(events, named) } : undefined);
    return { ...base, status: 'nondeterministic', message, divergence, drifts: [], hint: PATCH_HINT };
  }
  if (error) {
    const usable = WORKFLOW_TASK_FAILURE.test(error.message);
    const said = coreMessage(error.message);
    const timeLimit = Number(/Script execution timed out after (\d+)ms/.exec(said)?.[1]);
    const message = !usable
      ? `the replayer could not process this history: ${said}`
      : timeLimit
        ? `the workflow code ran for more than ${timeLimit / 1000} s in one activation (an endless loop?): ${said}`
        : said;
    return { ...base, status: 'failed', ...(usable ? {} : { unusable: true }), message, drifts: [] };
  }
  if (!options.strict) return { ...base, status: 'passed', drifts: [] };
  const divergence = findDivergence(events, run);
  const drifts = findDrift(events, run, options.values);
  // Replay accepted it, but the code's commands do not line up with the history's (e.g. a changed timer order).
  if (divergence) return { ...base, status: 'drifted', divergence, drifts, hint: PATCH_HINT };
  return drifts.length > 0 ? { ...base, status: 'drifted', drifts, hint: DRIFT_HINT } : { ...base, status: 'passed', drifts: [] };
}

/** A history whose replay could not be judged (its lane stalled or died). */
export function unusableOutcome(loaded: Omit<LoadedHistory, 'history'>, message: string): ReplayOutcome {
  return { ...describedBy(loaded), status: 'failed', unusable: true, message, drifts: [] };
}
