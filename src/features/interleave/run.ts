/**
 * One run of the workflow under one ordering: start it, let it settle (every workflow task done, every activity it
 * scheduled parked at its double), ask the chooser which of the possible next steps to take (answer an activity,
 * send an event, move virtual time to the next timer or event), take it, and again, until the workflow ends or
 * nothing is left to happen.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '../../base/history/history-file.ts';
import type { Interleavings } from './definition.ts';
import type { RunCalls } from './doubles.ts';
import { type RunningTimer, WorkflowProgress } from '../../base/history/progress.ts';
import { protoMs } from '../../base/history/time.ts';
import type { InterleavingRun, Step, TimedStep } from './run-record.ts';
import type { InterleaveSession } from './session.ts';
import { NeverWorkedError, UsageError } from '../../base/errors.ts';
import { describeNeverWorked, neverWorked, workedTypes } from '../../base/history/never-worked.ts';
import { shownPath } from '../../base/modules/user-module.ts';

/** A workflow that takes longer than this (real time) to react to a step is a harness problem, not an ordering. */
const SETTLE_BOUND_MS = 15_000;

/** The explored workflow did something the definition cannot drive: a usage error naming what. */
export class InterleaveError extends UsageError {
  override name = 'InterleaveError';
}

/** Picks the next step among the possible ones (never empty), given how many steps were taken before. */
export type Chooser = (possible: readonly Step[], taken: number) => Step;

export interface RunOptions {
  session: InterleaveSession;
  interleavings: Interleavings;
  workflowId: string;
  /** Indexes of the definition's events this run may send; the others it never sends. */
  events: ReadonlySet<number>;
  choose: Chooser;
  /** Called at each settled point with the workflow's handle (the first run checks the signals it defines). */
  onSettled?: (handle: WorkflowHandle) => Promise<void>;
}

interface Settled {
  history: History;
  state: WorkflowProgress;
}

/**
 * Wait until the workflow has reacted to everything: no workflow task outstanding, every activity it scheduled
 * parked at its double, and (after time moved to `timersDueBeforeMs`) every timer due before then fired. A history
 * read a moment too early would otherwise offer steps that depend on the machine's speed, not on the ordering.
 */
async function settle(
  handle: WorkflowHandle,
  calls: RunCalls,
  interleavings: Interleavings,
  timersDueBeforeMs = -Infinity,
): Promise<Settled> {
  const deadline = Date.now() + SETTLE_BOUND_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    const history = await handle.fetchHistory();
    const state = WorkflowProgress.of(history);
    const unanswered = state.openActivities();
    const unknown = unanswered.find((a) => !(a.activityType in interleavings.activities));
    if (unknown)
      throw new InterleaveError(
        `the workflow called activity '${unknown.activityType}', which the definition's activities do not name (they name ${Object.keys(interleavings.activities).join(', ')})`,
      );
    const ended = state.outcome.status !== 'running' || state.workflowTaskFailure !== undefined;
    const timersFired = state.runningTimers().every((t) => t.firesAtMs >= timersDueBeforeMs);
    if (ended || (!state.workflowTaskOutstanding && unanswered.length === calls.parked.length && timersFired)) return { history, state };
    if (Date.now() > deadline) {
      const waitingFor = state.workflowTaskOutstanding
        ? 'a workflow task is outstanding'
        : !timersFired
          ? 'a timer due has not fired'
          : `${unanswered.length} activities scheduled, ${calls.parked.length} reached their doubles`;
      throw new Error(`workflow ${handle.workflowId} did not settle within ${SETTLE_BOUND_MS / 1000} s: ${waitingFor}`);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** The steps possible now, the canonical one first: answer the oldest call, send the next event, move time, fail a call. */
export function possibleSteps(options: {
  interleavings: Interleavings;
  calls: RunCalls;
  timers: readonly RunningTimer[];
  events: ReadonlySet<number>;
  sent: ReadonlySet<number>;
  nowMs: number;
  startMs: number;
}): Step[] {
  const { interleavings, calls, timers, events, sent, nowMs, startMs } = options;
  const elapsed = nowMs - startMs;
  const completes: Step[] = calls.parked.map(({ call }) => ({ kind: 'complete', activity: call.activity, call: call.call }));
  const unsent = [...events].filter((i) => !sent.has(i)).sort((a, b) => a - b);
  const sends: Step[] = unsent
    .filter((i) => interleavings.events[i]!.afterMs <= elapsed)
    .map((i) => ({ kind: 'send', event: i, label: interleavings.events[i]!.label }));
  // Time moves only while no activity is running: the server would let it pass at the speed of real time.
  const points = [
    ...timers.map((t) => ({ at: t.firesAtMs, reason: `timer ${t.timerId} fires` })),
    ...unsent
      .filter((i) => interleavings.events[i]!.afterMs > elapsed)
      .map((i) => ({ at: startMs + interleavings.events[i]!.afterMs, reason: `${interleavings.events[i]!.label} may be sent` })),
  ].sort((a, b) => a.at - b.at);
  const next = points[0];
  const advances: Step[] =
    calls.parked.length === 0 && next && next.at - startMs <= interleavings.timeBoundMs
      ? [{ kind: 'advance', toMs: next.at - startMs, reason: next.reason }]
      : [];
  const fails: Step[] = calls.parked.flatMap(({ call }) =>
    (interleavings.activities[call.activity]?.fails ?? []).map((f): Step => ({
      kind: 'fail',
      activity: call.activity,
      call: call.call,
      failure: f.type,
    })),
  );
  return [...completes, ...sends, ...advances, ...fails];
}

async function take(
  step: Step,
  handle: WorkflowHandle,
  options: RunOptions,
  calls: RunCalls,
  taken: number,
  nowMs: number,
  startMs: number,
): Promise<void> {
  switch (step.kind) {
    case 'complete':
      return calls.complete(step.activity, step.call, taken);
    case 'fail':
      return calls.fail(step.activity, step.call, step.failure, taken);
    case 'send': {
      const event = options.interleavings.events[step.event]!;
      if (event.kind === 'cancel') return handle.cancel().then(() => undefined);
      return handle.signal(event.signal, ...event.args);
    }
    case 'advance':
      // A millisecond past the point: a timer due then fires even where its history rounds its time down.
      return options.session.env.sleep(Math.max(1, startMs + step.toMs - nowMs + 1));
  }
}

/**
 * The first workflow task runs before any ordering's choice, so it is the same in every ordering: until one run's
 * first task completed, a first task that fails means the workflow code never works, a harness error naming the
 * module, the workflow, the error and its first frame (exit 2), never a property of an ordering.
 */
async function neverServed(session: InterleaveSession, handle: WorkflowHandle, history: History, workflowType: string): Promise<void> {
  if (session.served) return;
  const record = { workflowId: handle.workflowId, workflowType, events: history.events ?? [] };
  const finding = neverWorked([record], { faultFree: true });
  if (!finding) {
    session.served = workedTypes([record]).workflows.length > 0;
    return;
  }
  await handle.terminate('tempest: the workflow code never worked').catch(() => undefined);
  throw new NeverWorkedError(
    describeNeverWorked(finding, { activities: 'the activity doubles', workflows: shownPath(session.workflowsPath) }),
  );
}

export async function runOrdering(options: RunOptions): Promise<InterleavingRun> {
  const { session, interleavings, workflowId } = options;
  const calls = session.doubles.open(workflowId);
  const timeline: TimedStep[] = [];
  const sent = new Set<number>();
  try {
    const args = typeof interleavings.args === 'function' ? interleavings.args(workflowId) : interleavings.args;
    const handle = await session.workflow.start(interleavings.workflowType, { workflowId, taskQueue: session.taskQueue, args: [...args] });
    let settled = await settle(handle, calls, interleavings);
    await neverServed(session, handle, settled.history, interleavings.workflowType);
    const startMs = protoMs(settled.history.events?.[0]?.eventTime);
    let seenCalls = 0;
    let stuck: string | undefined;
    for (let taken = 0; ; taken++) {
      const nowMs = await session.env.currentTimeMs();
      for (const call of calls.calls.slice(seenCalls))
        timeline.push({ atMs: nowMs - startMs, step: { kind: 'called', activity: call.activity, call: call.call } });
      seenCalls = calls.calls.length;
      if (settled.state.outcome.status !== 'running' || settled.state.workflowTaskFailure !== undefined) break;
      await options.onSettled?.(handle);
      if (taken >= interleavings.maxSteps) {
        stuck = `still running after ${interleavings.maxSteps} steps (maxSteps)`;
        break;
      }
      const possible = possibleSteps({
        interleavings,
        calls,
        timers: settled.state.runningTimers(),
        events: options.events,
        sent,
        nowMs,
        startMs,
      });
      if (possible.length === 0) {
        stuck =
          settled.state.runningTimers().length > 0
            ? `still running at the time bound (${interleavings.timeBoundMs / 3_600_000} h of virtual time), its next timer later`
            : 'still running with nothing left to happen: no activity to answer, no timer, no event left to send';
        break;
      }
      const step = options.choose(possible, taken);
      if (step.kind === 'send') sent.add(step.event);
      timeline.push({ atMs: step.kind === 'advance' ? step.toMs : nowMs - startMs, step });
      await take(step, handle, options, calls, taken, nowMs, startMs);
      settled = await settle(handle, calls, interleavings, step.kind === 'advance' ? startMs + step.toMs + 1 : undefined);
    }
    if (settled.state.outcome.status === 'running') await handle.terminate('exploration run over');
    await session.releaseTimeLocks(settled.state.openActivities().length);
    return {
      workflowId,
      outcome: settled.state.outcome,
      calls: calls.calls,
      timeline,
      sent: [...sent].map((i) => interleavings.events[i]!.label),
      history: settled.history,
      ...(stuck === undefined ? {} : { stuck }),
      ...(settled.state.workflowTaskFailure === undefined ? {} : { workflowTaskFailure: settled.state.workflowTaskFailure.message }),
    };
  } finally {
    session.doubles.close(workflowId);
  }
}
