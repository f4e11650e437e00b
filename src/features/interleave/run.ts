/**
 * One run of the workflow under one ordering: start it, let it settle (every workflow task of it, of the runs it
 * continued as and of its children done, every activity they scheduled parked at its double, every timer due
 * fired), ask the chooser which of the possible next steps to take (answer an activity, send a signal, an update or
 * a cancellation, or move virtual time to the next timer or event), take it, and again, until the workflow ends or
 * nothing is left to happen.
 *
 * The server's clock is frozen: between steps nothing happens, and time moves only when a step moves it, exactly
 * to the next point. Waiting is for events (the worker finished something, a call reached its double), never for
 * time; a run in which nothing happens any more while something is still to happen stopped making progress: a
 * finding, reported with its timeline, never a crash of the search.
 */
import { WorkflowUpdateStage } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { formatDuration } from '../../base/duration.ts';
import { HarnessError, NeverWorkedError, UsageError } from '../../base/errors.ts';
import { ClockHeldError } from '../../base/harness/virtual-clock.ts';
import type { RunningTimer } from '../../base/history/progress.ts';
import { type Interleavings, type ResolvedEvent, timeBoundOf } from './definition.ts';
import type { RunCalls } from './doubles.ts';
import { ExecutionTree, type Waiting } from './executions.ts';
import type { InterleavingRun, SingleStep, Step, TimedStep, UpdateRecord } from './run-record.ts';
import type { InterleaveSession } from './session.ts';
import type { ObservedWorker } from './worker.ts';
import { describeNeverWorked, neverWorked, workedTypes } from '../../base/history/never-worked.ts';
import { shownPath } from '../../base/modules/user-module.ts';

/**
 * Real time with no sign of progress at all (no activation, no call reaching its double) while the run waits for
 * something that has to come: a task on the worker's own queue, a timer that is due. Far above any stall of a busy
 * machine: a guard against a hang, not a measure; what can never come (another task queue) is said at once.
 */
const STALL_MS = 30_000;
/** Re-reads of a run that is not settled while its worker is idle: the first after 1 ms, doubling up to this. */
const MAX_REREAD_MS = 64;

/** The explored workflow did something the definition cannot drive: a usage error naming what. */
export class InterleaveError extends UsageError {
  override name = 'InterleaveError';
}

/** Whether `promise` settles within STALL_MS of real time. */
async function withinStall(promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STALL_MS)));
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer));
}

/**
 * Wait on the worker until `done` says so, asking it again at each wake-up: the next thing the worker did (or `also`
 * settling), or, while the worker is idle and something may still be on its way, after 1, 2, 4 ... MAX_REREAD_MS of
 * real time. After STALL_MS with no sign of progress at all, `stalled` ends the wait (it throws, or returns to end it).
 */
async function untilDone(
  worker: ObservedWorker,
  done: () => Promise<boolean>,
  stalled: () => Promise<void> | void,
  also?: Promise<unknown>,
): Promise<void> {
  let quietSince: number | undefined;
  for (let reread = 1; ;) {
    const since = worker.progress.version;
    if (await done()) return;
    const next = worker.progress.next(since, worker.idle ? reread : STALL_MS);
    if (await (also ? Promise.race([also.then(() => true), next]) : next)) {
      reread = 1;
      quietSince = undefined;
      continue;
    }
    quietSince ??= Date.now();
    reread = Math.min(reread * 2, MAX_REREAD_MS);
    if (Date.now() - quietSince >= STALL_MS) return stalled();
  }
}

/** The first line of an error's message, its cause's when it wraps one (the SDK's update errors do). */
function firstLine(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!;
}

/** A run that stopped making progress: what it waited for. Caught by the run, recorded as a finding. */
class NoProgress extends Error {}

/** The harness broke during a run (the server went away, the clock could not be balanced): with what the run had done. */
export class RunBrokeError extends HarnessError {
  override name = 'RunBrokeError';
  constructor(
    message: string,
    readonly run: InterleavingRun | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Picks the next step among the possible ones (never empty), given how many steps were taken before; `partners`
 * says which other possible steps may be delivered with a step in the same workflow task (a `together` step).
 */
export type Chooser = (possible: readonly Step[], taken: number, partners: (step: Step) => SingleStep[]) => Step;

/**
 * The signal that opens a workflow task for several steps at once: the workflow has no handler for it, so the SDK
 * buffers it unread; while the worker holds that task's completion, the steps reach the server, and the next
 * task carries them all.
 */
export const TOGETHER_SIGNAL = '__tempest_together';

/** A workflow run whose next task a together step holds, and how many events that task is to carry. */
interface TogetherTarget {
  workflowId: string;
  runId: string;
  events: number;
}

/** The steps of a `together` step could not be put in one workflow task: a harness error, naming what failed. */
export class TogetherError extends HarnessError {
  override name = 'TogetherError';
}

export interface RunOptions {
  session: InterleaveSession;
  interleavings: Interleavings;
  workflowId: string;
  /** Indexes of the definition's events this run may send; the others it never sends. */
  events: ReadonlySet<number>;
  choose: Chooser;
  /** Called at each settled point with the explored workflow's id (the first run asks which handlers it defines). */
  onSettled?: (workflowId: string) => Promise<void>;
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
  /** This run's time bound, in ms after the start. */
  timeBoundMs: number;
  /** When the soonest call waiting for an answer times out (epoch ms): time moves only to points before it. */
  callsDeadlineMs?: number;
}): Step[] {
  const { interleavings, calls, timers, events, sent, nowMs, startMs, timeBoundMs, callsDeadlineMs = Infinity } = options;
  const elapsed = nowMs - startMs;
  const execution = (e: string | undefined) => (e === undefined ? {} : { execution: e });
  const completes: Step[] = calls.parked.map(({ call }) => ({
    kind: 'complete',
    activity: call.activity,
    call: call.call,
    ...execution(call.execution),
  }));
  const unsent = [...events].filter((i) => !sent.has(i)).sort((a, b) => a - b);
  const sends: Step[] = unsent
    .filter((i) => interleavings.events[i]!.afterMs <= elapsed)
    .map((i) => ({ kind: 'send', event: i, label: interleavings.events[i]!.label }));
  const points = [
    ...timers.map((t) => ({ at: t.firesAtMs, reason: `timer ${t.timerId} fires` })),
    ...unsent
      .filter((i) => interleavings.events[i]!.afterMs > elapsed)
      .map((i) => ({ at: startMs + interleavings.events[i]!.afterMs, reason: `${interleavings.events[i]!.label} may be sent` })),
  ].sort((a, b) => a.at - b.at);
  const next = points[0];
  // Time moves while calls wait for their answers, but not as far as their timeouts: the explorer is about orderings.
  const advances: Step[] =
    next && next.at - startMs <= timeBoundMs && next.at < callsDeadlineMs
      ? [{ kind: 'advance', toMs: next.at - startMs, reason: next.reason }]
      : [];
  const fails: Step[] = calls.parked.flatMap(({ call }) =>
    (interleavings.activities[call.activity]?.fails ?? []).map((f): Step => ({
      kind: 'fail',
      activity: call.activity,
      call: call.call,
      failure: f.type,
      ...execution(call.execution),
    })),
  );
  return [...completes, ...sends, ...advances, ...fails];
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Where the task carrying the last together signal stands in a history, as indexes (-1: not there): the signal, the
 * task that carries it (the first to start after it: a task running when it came completes first, and the server
 * writes the signal after that), that task's completion, and the start of the task after it.
 */
function carrierTask(events: readonly HistoryEvent[]): { carrier: number; held: number; completed: number; next: number } {
  const carrier = events.findLastIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === TOGETHER_SIGNAL);
  const after = (from: number, has: (e: HistoryEvent) => unknown) => (from < 0 ? -1 : events.findIndex((e, i) => i > from && has(e)));
  const held = after(carrier, (e) => e.workflowTaskStartedEventAttributes);
  return {
    carrier,
    held,
    completed: after(held, (e) => e.workflowTaskCompletedEventAttributes),
    next: after(held, (e) => e.workflowTaskStartedEventAttributes),
  };
}

class Run {
  readonly calls: RunCalls;
  readonly timeline: TimedStep[] = [];
  readonly sent = new Set<number>();
  readonly updates: (UpdateRecord & { updateId?: string })[] = [];
  tree!: ExecutionTree;
  startMs = 0;
  nowMs = 0;
  private seenCalls = 0;
  private seenRuns = 1;
  /** Runs that closed: their calls are answered by nobody. */
  private closedRuns = new Set<string>();
  /** The together steps taken, to check once settled that each one's steps reached the workflow in one task. */
  private togethers: { runId: string; count: number }[] = [];

  constructor(
    readonly options: RunOptions,
    readonly session: InterleaveSession,
  ) {
    this.calls = session.doubles.open();
    this.calls.onPark = () => session.worker.progress.tick();
  }

  get interleavings(): Interleavings {
    return this.options.interleavings;
  }

  /** Virtual time since the start: what the timeline shows. */
  get atMs(): number {
    return this.nowMs - this.startMs;
  }

  async start(): Promise<void> {
    const { interleavings, workflowId } = this.options;
    const args = typeof interleavings.args === 'function' ? interleavings.args(workflowId) : interleavings.args;
    const handle = await this.session.workflow.start(interleavings.workflowType, {
      workflowId,
      taskQueue: this.session.taskQueue,
      args: [...args],
    });
    this.tree = new ExecutionTree(this.session.workflow, {
      workflowId,
      runId: handle.firstExecutionRunId,
      workflowType: interleavings.workflowType,
    });
    await this.read();
    this.startMs = this.tree.root.runs[0]!.progress.startedAtMs ?? 0;
    this.nowMs = this.startMs;
    await this.settle();
    await neverServed(this.session, this.tree);
  }

  /**
   * Wait until everything reacted to the last step. Woken by the worker finishing something or a call parking;
   * while the worker is idle and something is still to happen, read again after 1, 2, 4 ... ms (a completion on its
   * way). A run waiting only for what never comes stopped making progress; so did one with nothing at all for
   * STALL_MS of real time.
   */
  async settle(): Promise<void> {
    await untilDone(
      this.session.worker,
      async () => {
        await this.read();
        if (this.tree.ended || this.tree.workflowTaskFailure() !== undefined) return true;
        const waiting = this.waitingFor();
        if (waiting?.never) throw new NoProgress(waiting.stuck);
        return !waiting;
      },
      async () => {
        await this.read();
        const still = this.waitingFor();
        if (still && !this.tree.ended) throw new NoProgress(still.stuck);
      },
    );
    this.settled();
  }

  private waitingFor(): Waiting | undefined {
    const waiting = this.tree.waitingFor(this.calls, this.nowMs, this.startMs, this.session.taskQueue);
    if (waiting && !waiting.never) return waiting;
    if (!this.session.worker.idle) return { reason: 'the worker is busy', stuck: 'the worker never finished what it was doing' };
    return waiting;
  }

  /**
   * Read the executions again, refuse what the definition cannot drive (a child or an activity it does not name),
   * and give back the holds of runs that closed with activities open.
   */
  private async read(): Promise<void> {
    await this.tree.read();
    const unknown = this.tree.children.find((child) => !this.interleavings.children.includes(child.workflowType));
    if (unknown)
      throw new InterleaveError(
        `the workflow started a child workflow of type '${unknown.workflowType}', which the definition's children do not name (${
          this.interleavings.children.length > 0
            ? `they name ${this.interleavings.children.join(', ')}`
            : 'it names none: add children: [...]'
        })`,
      );
    for (const execution of this.tree.executions) {
      for (const run of execution.runs) {
        const strange = run.progress.openActivities().find((a) => !(a.activityType in this.interleavings.activities));
        if (strange)
          throw new InterleaveError(
            `the workflow called activity '${strange.activityType}', which the definition's activities do not name (they name ${Object.keys(this.interleavings.activities).join(', ')})`,
          );
      }
    }
    const abandoned = this.tree.takeAbandonedHolds();
    this.closedRuns = new Set([...this.closedRuns, ...abandoned.runIds]);
    await this.session.clock.release(abandoned.holds);
  }

  /**
   * Once settled (every call of the step has arrived, every child is known): number the calls that arrived, let go
   * of those of runs that closed without them, and note continued runs and new calls in the timeline.
   */
  settled(): void {
    for (const together of this.togethers.splice(0)) this.checkTogether(together);
    this.calls.number((source) => this.tree.placeOf(source));
    this.calls.abandon((source) => this.closedRuns.has(source.runId));
    for (; this.seenRuns < this.tree.root.runs.length; this.seenRuns++)
      this.timeline.push({ atMs: this.atMs, step: { kind: 'continued', run: this.seenRuns + 1 } });
    for (const call of this.calls.calls.slice(this.seenCalls))
      this.timeline.push({
        atMs: this.atMs,
        step: { kind: 'called', activity: call.activity, call: call.call, ...(call.execution ? { execution: call.execution } : {}) },
      });
    this.seenCalls = this.calls.calls.length;
  }

  /**
   * A together step's steps all reached the workflow in the task after the one that carried the together signal:
   * between that task's start and the next task's start, the history shows at least one event per step.
   */
  private checkTogether({ runId, count }: { runId: string; count: number }): void {
    const events = this.tree.runOf(runId)?.history.events ?? [];
    const { carrier, held, next } = carrierTask(events);
    const between = events
      .slice(held + 1, next < 0 ? undefined : next)
      .filter(
        (e) =>
          e.workflowExecutionSignaledEventAttributes ||
          e.workflowExecutionCancelRequestedEventAttributes ||
          e.activityTaskCompletedEventAttributes ||
          e.activityTaskFailedEventAttributes ||
          e.timerFiredEventAttributes,
      ).length;
    if (carrier < 0 || held < 0 || next < 0 || between < count)
      throw new TogetherError(
        `${count} steps were to share one workflow task, but the history of run ${runId} shows ${
          carrier < 0
            ? `no ${TOGETHER_SIGNAL} signal`
            : held < 0
              ? 'no task carrying the together signal'
              : next < 0
                ? 'no task after it'
                : `${between} of them in it`
        }`,
      );
  }

  /** Where the run stands: ended, stuck (and why), or the steps possible now. */
  possible(): Step[] | { stuck: string } {
    const timeBoundMs = timeBoundOf(this.interleavings, this.tree.longestTimerMs());
    const deadlines = this.calls.parked.flatMap(({ source }) => {
      const run = this.tree.runOf(source.runId);
      const deadline = run?.progress.openActivities().find((a) => a.activityId === source.activityId)?.firstAttemptDeadlineMs;
      return deadline === undefined ? [] : [deadline];
    });
    const possible = possibleSteps({
      interleavings: this.interleavings,
      calls: this.calls,
      timers: this.tree.runningTimers(),
      events: this.options.events,
      sent: this.sent,
      nowMs: this.nowMs,
      startMs: this.startMs,
      timeBoundMs,
      callsDeadlineMs: Math.min(Infinity, ...deadlines),
    });
    if (possible.length > 0) return possible;
    const next = this.tree.runningTimers()[0];
    if (!next) return { stuck: 'still running with nothing left to happen: no activity to answer, no timer, no event left to send' };
    const bound =
      this.interleavings.timeBoundMs === undefined
        ? `${formatDuration(timeBoundMs)} of virtual time, the default: a week, or twice its longest timer; set timeBound to explore further`
        : `${formatDuration(timeBoundMs)} of virtual time, timeBound`;
    return { stuck: `still running at the time bound (${bound}), its next timer at +${formatDuration(next.firesAtMs - this.startMs)}` };
  }

  /**
   * The steps that may share a workflow task with `step`: answers to the explored workflow's own calls, signals and
   * the cancellation (an update waits for a task of its own before it returns), and a move of time that fires one
   * of its timers.
   */
  partners(possible: readonly Step[], step: Step): SingleStep[] {
    if (!this.interleavings.together || step.kind === 'together' || !this.canShare(step)) return [];
    return possible.flatMap((other): SingleStep[] => {
      if (other === step || other.kind === 'together' || !this.canShare(other)) return [];
      const sameCall =
        (other.kind === 'complete' || other.kind === 'fail') &&
        (step.kind === 'complete' || step.kind === 'fail') &&
        other.activity === step.activity &&
        other.call === step.call;
      return sameCall ? [] : [other];
    });
  }

  private canShare(step: SingleStep): boolean {
    switch (step.kind) {
      case 'complete':
      case 'fail':
        return (
          step.execution === undefined &&
          this.calls.parked.some(
            (p) => p.source.runId === this.tree.current.runId && p.call.activity === step.activity && p.call.call === step.call,
          )
        );
      case 'send':
        return this.interleavings.events[step.event]!.kind !== 'update';
      case 'advance': {
        const timer = this.tree.runningTimers()[0];
        return timer !== undefined && timer.execution === '' && timer.firesAtMs === this.startMs + step.toMs;
      }
    }
  }

  async take(step: Step, taken: number): Promise<void> {
    switch (step.kind) {
      case 'together':
        return this.together(step.steps, taken);
      case 'advance': {
        // Timers of one workflow (the explored one or a child) due at one instant fire on two server threads and
        // would reach it in one task or in two, as the threads race: they fire while a task of each such workflow
        // is held, so they always reach it in one (unless the definition turned together steps off).
        const targetMs = this.startMs + step.toMs;
        const tied = this.interleavings.together ? this.tiedTimers(targetMs) : [];
        return tied.length > 0 ? this.together([step], taken, tied) : this.advance(targetMs);
      }
      case 'complete':
        return this.calls.complete(step.activity, step.call, step.execution, taken);
      case 'fail':
        return this.calls.fail(step.activity, step.call, step.execution, step.failure, taken);
      case 'send':
        return this.send(step.event);
    }
  }

  private async send(index: number): Promise<void> {
    this.sent.add(index);
    const event = this.interleavings.events[index]!;
    const handle = this.session.workflow.getHandle(this.options.workflowId);
    if (event.kind === 'cancel') await handle.cancel();
    else if (event.kind === 'signal') await handle.signal(event.signal, ...event.args);
    else await this.sendUpdate(event);
  }

  /**
   * Deliver several steps in one workflow task of the explored workflow: send it the together signal, hold the
   * completion of the task that carries it (the server sees that task running and keeps what arrives for the next
   * one), deliver each step, and let the task complete: the server gives the workflow its next task with every step
   * in it. A running task times out when time moves past its timeout (seconds), so a step that moves time to a
   * timer sends the together signal 1 ms before the timer and comes first: the timer fires while the task is held,
   * the other steps follow at its instant. Each wait has a real-time guard; a step that could not be set up is a
   * TogetherError. `targets` are the runs whose tasks are held, each with how many events its next task gets: the
   * explored workflow's by default; for a move of time that fires several timers of one workflow at once, each
   * workflow with such timers (a child's too).
   */
  private async together(
    steps: readonly SingleStep[],
    taken: number,
    targets: readonly TogetherTarget[] = [{ workflowId: this.options.workflowId, runId: this.tree.current.runId, events: steps.length }],
  ): Promise<void> {
    const { worker } = this.session;
    const advance = steps.find((step) => step.kind === 'advance');
    const rest = steps.filter((step) => step !== advance);
    const cannot = `the steps ${steps.map((s) => s.kind).join(' + ')} could not share one workflow task`;
    if (advance) await this.advance(this.startMs + advance.toMs - 1);
    const holds = targets.map((target) => ({ ...target, hold: worker.holdNextCompletion(target.runId) }));
    try {
      for (const { workflowId, runId } of holds) await this.session.workflow.getHandle(workflowId, runId).signal(TOGETHER_SIGNAL);
      for (const { runId, hold } of holds) await this.held(runId, hold.reached, cannot);
      if (advance) {
        await this.read();
        // each held workflow task holds the clock too
        await this.session.clock.advanceTo(this.startMs + advance.toMs, {
          holds: this.tree.serverHolds() + holds.length,
          fromMs: this.nowMs,
        });
        this.nowMs = this.startMs + advance.toMs;
      }
      for (const step of rest) {
        if (step.kind === 'send') await this.send(step.event);
        else if (step.kind === 'complete' || step.kind === 'fail') {
          const delivered = worker.activityAnswersDelivered;
          if (step.kind === 'complete') this.calls.complete(step.activity, step.call, step.execution, taken);
          else this.calls.fail(step.activity, step.call, step.execution, step.failure, taken);
          if (!(await withinStall(worker.progress.until(() => worker.activityAnswersDelivered > delivered))))
            throw new TogetherError(`${cannot}: the answer to ${step.activity} never reached the server within ${STALL_MS / 1000} s`);
        }
      }
    } finally {
      for (const { hold } of holds) hold.release();
    }
    for (const { runId, events } of holds) this.togethers.push({ runId, count: events });
  }

  /**
   * Wait until the task carrying the together signal to run `runId` reached the worker's hold (`reached`). While the
   * worker is idle, its history is read at every wake-up (1, 2, 4 ... ms): a task carrying the signal that completed
   * without the hold (another worker polls the task queue) can never be held, a TogetherError at once. A worker that
   * stopped ends the wait with why it stopped; STALL_MS with nothing at all is a hang.
   */
  private async held(runId: string, reached: Promise<void>, cannot: string): Promise<void> {
    const { worker } = this.session;
    let isHeld = false;
    void reached.then(() => (isHeld = true));
    await untilDone(
      worker,
      async () => {
        if (isHeld) return true;
        if (!worker.idle) return false;
        await this.tree.read();
        if (isHeld) return true;
        if (carrierTask(this.tree.runOf(runId)?.history.events ?? []).completed >= 0)
          throw new TogetherError(
            `${cannot}: the task carrying the ${TOGETHER_SIGNAL} signal completed without reaching the explorer's worker's hold (does another worker poll its task queue?)`,
          );
        return false;
      },
      () => {
        throw new TogetherError(
          `${cannot}: the task carrying the ${TOGETHER_SIGNAL} signal never reached the worker in ${STALL_MS / 1000} s with nothing else happening`,
        );
      },
      reached,
    );
  }

  /** The workflows (the explored one, children) with two or more timers due at `targetMs`: each a together target. */
  private tiedTimers(targetMs: number): TogetherTarget[] {
    const due = this.tree.runningTimers().filter((timer) => timer.firesAtMs === targetMs);
    return this.tree.executions.flatMap((execution): TogetherTarget[] => {
      const events = due.filter((timer) => timer.execution === execution.label).length;
      const run = execution.runs.at(-1);
      return events > 1 && run ? [{ workflowId: execution.workflowId, runId: run.runId, events }] : [];
    });
  }

  /**
   * Send an update and wait until the workflow accepted or rejected it. Accepted shows in the history; a rejection
   * (by its validator, or a workflow that closed) leaves none, and the update's result then says why at once.
   */
  private async sendUpdate(event: Extract<ResolvedEvent, { kind: 'update' }>): Promise<void> {
    const record: UpdateRecord & { updateId?: string } = { label: event.label, result: 'accepted' };
    this.updates.push(record);
    const handle = this.session.workflow.getHandle(this.options.workflowId);
    const stage = { waitForStage: WorkflowUpdateStage.ACCEPTED } as const;
    let reason: string | undefined;
    try {
      const update = await (event.args.length > 0
        ? handle.startUpdate(event.update, { args: event.args as [unknown, ...unknown[]], ...stage })
        : handle.startUpdate(event.update, stage));
      record.updateId = update.updateId;
      await this.tree.read();
      const accepted = this.tree.root.runs.some((run) => run.progress.updates.some((u) => u.updateId === update.updateId));
      if (!accepted) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STALL_MS)));
        const answer = await Promise.race([update.result().then(() => 'completed' as const), late])
          .catch((error: unknown) => error)
          .finally(() => clearTimeout(timer));
        if (answer === 'late') throw new NoProgress(`${event.label} was neither accepted in the history nor rejected`);
        if (answer !== 'completed') reason = firstLine(answer);
      }
    } catch (error) {
      if (error instanceof NoProgress) throw error;
      reason = firstLine(error);
    }
    if (reason !== undefined) record.result = { rejected: reason };
    this.timeline.push({
      atMs: this.atMs,
      step: { kind: 'update', label: event.label, accepted: reason === undefined, ...(reason === undefined ? {} : { reason }) },
    });
  }

  /** Move time exactly to `targetMs`, giving the server's own holds (the calls parked at their doubles) back for the move. */
  private async advance(targetMs: number): Promise<void> {
    await this.session.clock.advanceTo(targetMs, { holds: this.tree.serverHolds(), fromMs: this.nowMs });
    this.nowMs = targetMs;
  }

  record(extra: { stuck?: string; noProgress?: string }): InterleavingRun {
    if (extra.noProgress !== undefined) this.settled(); // the calls that arrived before it stopped, in the record too
    const root = this.tree.root;
    const last = this.tree.current;
    const accepted = root.runs.flatMap((run) => run.progress.updates);
    const updates = this.updates.map(({ updateId, ...update }): UpdateRecord => {
      if (update.result !== 'accepted') return update;
      const seen = accepted.find((u) => u.updateId === updateId);
      return { ...update, outcome: seen?.outcome ?? 'unfinished' };
    });
    const failure = this.tree.workflowTaskFailure();
    return {
      workflowId: this.options.workflowId,
      outcome: last.progress.outcome,
      calls: this.calls.calls,
      timeline: this.timeline,
      sent: [...this.sent].map((i) => this.interleavings.events[i]!.name),
      history: last.history,
      runs: ExecutionTree.runsOf(root),
      children: this.tree.children.map((child) => ({
        label: child.label,
        workflowId: child.workflowId,
        workflowType: child.workflowType,
        outcome: child.runs.at(-1)?.progress.outcome ?? { status: 'running' },
        runs: ExecutionTree.runsOf(child),
      })),
      updates,
      ...(extra.stuck === undefined ? {} : { stuck: extra.stuck }),
      ...(extra.noProgress === undefined ? {} : { noProgress: extra.noProgress }),
      ...(failure === undefined ? {} : { workflowTaskFailure: failure }),
    };
  }

  /**
   * End the run: terminate whatever is still open, give back the holds of closed runs, and let go of every call.
   * After a run that stopped making progress the clock is balanced again, or the session is broken.
   */
  async finish(broken: boolean): Promise<void> {
    if (this.tree) {
      for (const { execution } of this.tree.openRuns().reverse())
        await this.session.workflow
          .getHandle(execution.workflowId)
          .terminate('exploration run over')
          .catch(() => undefined);
      await this.tree.read();
      await this.session.clock.release(this.tree.takeAbandonedHolds().holds);
    }
    this.session.doubles.close(this.calls);
    if (broken && !(await this.session.clock.rebalance()))
      throw new HarnessError(
        `the test server's clock could not be balanced again after run ${this.options.workflowId} stopped making progress`,
      );
  }
}

/**
 * The first workflow task runs before any ordering's choice, so it is the same in every ordering: until one run's
 * first task completed, a first task that fails means the workflow code never works, a harness error naming the
 * module, the workflow, the error and its first frame (exit 2), never a property of an ordering.
 */
async function neverServed(session: InterleaveSession, tree: ExecutionTree): Promise<void> {
  if (session.served) return;
  const { workflowId, workflowType } = tree.root;
  const record = { workflowId, workflowType, events: tree.root.runs[0]!.history.events ?? [] };
  const finding = neverWorked([record], { faultFree: true });
  if (!finding) {
    session.served = workedTypes([record]).workflows.length > 0;
    return;
  }
  await session.workflow
    .getHandle(workflowId)
    .terminate('tempest: the workflow code never worked')
    .catch(() => undefined);
  throw new NeverWorkedError(
    describeNeverWorked(finding, { activities: 'the activity doubles', workflows: shownPath(session.workflowsPath) }),
  );
}

export async function runOrdering(options: RunOptions): Promise<InterleavingRun> {
  const run = new Run(options, options.session);
  let stuck: string | undefined;
  let noProgress: string | undefined;
  let failed = true;
  try {
    try {
      await run.start();
      for (let taken = 0; ; taken++) {
        if (run.tree.ended || run.tree.workflowTaskFailure() !== undefined) break;
        if (run.tree.root.runs.length > options.interleavings.maxRuns) {
          stuck = `continued as new ${options.interleavings.maxRuns} times and still running (maxRuns)`;
          break;
        }
        await options.onSettled?.(options.workflowId);
        if (taken >= options.interleavings.maxSteps) {
          stuck = `still running after ${options.interleavings.maxSteps} steps (maxSteps)`;
          break;
        }
        if (!run.session.clock.frozen) run.nowMs = await run.session.clock.now();
        const possible = run.possible();
        if (!Array.isArray(possible)) {
          stuck = possible.stuck;
          break;
        }
        const step = options.choose(possible, taken, (chosen) => run.partners(possible, chosen));
        const advance = step.kind === 'together' ? step.steps.find((s) => s.kind === 'advance') : step;
        run.timeline.push({ atMs: advance?.kind === 'advance' ? advance.toMs : run.atMs, step });
        await run.take(step, taken);
        await run.settle();
      }
    } catch (error) {
      if (error instanceof NoProgress) noProgress = error.message;
      else if (error instanceof ClockHeldError) {
        noProgress = `the clock is held by something the explorer does not know: ${error.message}`;
        await run.session.clock.reclaim(error);
      } else throw error;
    }
    const record = run.record({ stuck, noProgress });
    failed = false;
    try {
      await run.finish(noProgress !== undefined);
    } catch (error) {
      throw new RunBrokeError((error as Error).message, record, { cause: error });
    }
    return record;
  } catch (error) {
    if (error instanceof RunBrokeError || !failed) throw error;
    if (error instanceof InterleaveError || error instanceof NeverWorkedError) {
      await run.finish(false).catch(() => undefined);
      throw error;
    }
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    const partial = run.tree ? run.record({ noProgress: `the harness broke: ${message}` }) : undefined;
    await run.finish(true).catch(() => undefined);
    throw new RunBrokeError(`run ${options.workflowId} broke: ${message}`, partial, { cause: error });
  }
}
