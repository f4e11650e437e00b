/**
 * Actions on a workflow under test, each at a moment of its run: an offset on the workflow clock ('+3h'), the
 * moment an activity starts (its double is called), or the moment the workflow starts a timer.
 *
 *   at('+23h59m').signal('approve', 'ops')
 *   at(activityStarted('chargePayment')).cancel()
 *   at(timerStarted()).query('getStatus')
 */
import { offsetOfAt, WorkflowTestInputError } from './offsets.ts';

export type Trigger =
  | { kind: 'offset'; ms: number; label: string }
  | { kind: 'activityStarted'; activity: string; attempt: number; label: string }
  | { kind: 'timerStarted'; nth: number; label: string };

export type ActionKind = 'signal' | 'update' | 'query' | 'cancel' | 'terminate';

export interface WorkflowAction {
  trigger: Trigger;
  kind: ActionKind;
  /** The signal's, update's or query's name. */
  name?: string;
  args: unknown[];
  /** How the action reads in messages: `at('+3h').signal('approve')`. */
  label: string;
}

/** The moment attempt `attempt` (default the first) of activity `activity` starts, before its double does anything. */
export function activityStarted(activity: string, options: { attempt?: number } = {}): Trigger {
  const attempt = options.attempt ?? 1;
  if (!activity) throw new WorkflowTestInputError("activityStarted(): give the activity type, such as activityStarted('chargePayment')");
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new WorkflowTestInputError(`activityStarted(${JSON.stringify(activity)}, { attempt: ${attempt} }): attempts count from 1`);
  return {
    kind: 'activityStarted',
    activity,
    attempt,
    label: `activityStarted(${JSON.stringify(activity)}${attempt === 1 ? '' : `, { attempt: ${attempt} }`})`,
  };
}

/** The moment the workflow starts its `nth` timer (default the first), before the clock moves on. */
export function timerStarted(nth = 1): Trigger {
  if (!Number.isSafeInteger(nth) || nth < 1) throw new WorkflowTestInputError(`timerStarted(${nth}): timers count from 1`);
  return { kind: 'timerStarted', nth, label: `timerStarted(${nth === 1 ? '' : nth})` };
}

/** What to do at one moment of the run. */
export class ActionAt {
  constructor(private readonly trigger: Trigger) {}

  /** Send signal `name`; the run fails with a clear error if the workflow defines no such signal by then. */
  signal(name: string, ...args: unknown[]): WorkflowAction {
    return this.action('signal', name, args);
  }

  /** Run update `name` and record its result (or error) in `run.actions`. */
  update(name: string, ...args: unknown[]): WorkflowAction {
    return this.action('update', name, args);
  }

  /** Run query `name` and record its answer in `run.actions`. */
  query(name: string, ...args: unknown[]): WorkflowAction {
    return this.action('query', name, args);
  }

  /** Request cancellation of the workflow. */
  cancel(): WorkflowAction {
    return this.action('cancel', undefined, []);
  }

  /** Terminate the workflow (no code of it runs again). */
  terminate(reason = 'terminated by the test'): WorkflowAction {
    return this.action('terminate', undefined, [reason]);
  }

  private action(kind: ActionKind, name: string | undefined, args: unknown[]): WorkflowAction {
    if (name !== undefined && !name) throw new WorkflowTestInputError(`at(${this.trigger.label}).${kind}(): give the ${kind}'s name`);
    const shown = [...(name === undefined ? [] : [name]), ...(kind === 'terminate' ? [] : args)]
      .map((arg) => JSON.stringify(arg))
      .join(', ');
    return {
      trigger: this.trigger,
      kind,
      ...(name === undefined ? {} : { name }),
      args,
      label: `at(${this.trigger.label}).${kind}(${shown})`,
    };
  }
}

/** An action at an offset on the workflow clock ('+3h', '+23h59m') or at a moment of the run (activityStarted, timerStarted). */
export function at(when: string | Trigger): ActionAt {
  if (typeof when === 'string')
    return new ActionAt({ kind: 'offset', ms: offsetOfAt(when), label: JSON.stringify(when).replace(/"/g, "'") });
  return new ActionAt(when);
}
