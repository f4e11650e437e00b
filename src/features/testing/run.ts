/**
 * testWorkflow: one workflow run on a time-skipping test server, with activity doubles, actions at moments of
 * the run, the events the workflow saw, and its history replayed against the code at the end.
 *
 * How the clock moves (through VirtualClock, as the interleaving explorer moves it): the test server skips time only
 * while nothing holds it (a running activity, a workflow task, or a client that has not released it all hold it),
 * and its clock is frozen otherwise (createTimeSkippingEnvironment's default), so every time the run reports is
 * the virtual time it scheduled, to the millisecond. The run holds the clock while the workflow is busy, so every
 * action and listener sees the moment it asked for; once the workflow has nothing to do but wait, the run moves the
 * clock exactly to the next moment that matters (the next action's offset, a sleeping double's wake, or the next
 * timer when an action waits for a timer to start), and at the end lets it run to the workflow's close. A double
 * that takes '6h' lets the clock move while it waits, so hours of activity cost no wall time.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type WorkflowHandleWithFirstExecutionRunId, WorkflowFailedError } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import { VirtualClock } from '../../base/harness/virtual-clock.ts';
import { WorkerGroup } from '../../base/harness/worker.ts';
import { describeCommand } from '../replay/compare.ts';
import { type History, loadedHistory } from '../../base/history/history-file.ts';
import { Replayer } from '../replay/replayer.ts';
import type { WorkflowAction } from './actions.ts';
import { type ActivityCall, type ActivityDouble, DoubleInRun } from './doubles.ts';
import { describeEvent, HistoryReader, type WorkflowTestEvent } from './events.ts';
import { CODE_FAILURES, type OpenActivity, WorkflowProgress, type WorkflowOutcome as HistoryOutcome } from '../../base/history/progress.ts';
import { protoMs } from '../../base/history/time.ts';
import { WorkflowTestInputError } from './offsets.ts';
import { EXIT, TempestError } from '../../base/errors.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const POLL_MS = 25;
/** Polls in a row with nothing new before a workflow with no task and no busy activity counts as waiting. */
const QUIET_POLLS = 2;
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long the end of a run waits for a double to finish, or a sleeping one to wake, before shutting the worker down. */
const RELEASE_WAIT_MS = 5000;

export interface WorkflowTestOptions {
  /** The workflow type, as the workflows module exports it. */
  workflow: string;
  args?: unknown[];
  /** The workflows module (TypeScript or JavaScript), from the working directory: bundled once and cached. */
  workflowsPath: string;
  /** A double for every activity the workflow calls, by activity type. */
  activities?: Record<string, ActivityDouble>;
  /** What to do when: `at('+3h').signal('approve')`, `at(activityStarted('charge')).cancel()`. */
  at?: WorkflowAction[];
  /** Hears each event of the workflow's history as the run reads it, in the order the workflow saw them. */
  onEvent?: (event: WorkflowTestEvent) => void;
  /** Replay the run's history against the workflows module at the end (default true), or against another module. */
  replay?: boolean | { workflowsPath: string };
  workflowId?: string;
  taskQueue?: string;
  /** Wall-clock bound of the whole run, replay included (default 60 s). */
  timeoutMs?: number;
}

/**
 * How the workflow ended, read from its history; when it did not complete, also the client's error for it (its
 * `cause` carries the failure with its details, decoded).
 */
export type WorkflowTestOutcome =
  | Extract<HistoryOutcome, { status: 'completed' }>
  | (Extract<HistoryOutcome, { status: 'failed' | 'cancelled' | 'terminated' | 'timed-out' }> & { error: WorkflowFailedError });

/** One action as it happened: when (on the workflow clock, after the start), and what it answered or why it failed. */
export interface ActionOutcome {
  label: string;
  at: number;
  result?: unknown;
  error?: string;
}

export interface WorkflowTestRun {
  workflowId: string;
  runId: string;
  outcome: WorkflowTestOutcome;
  /** The workflow's events in the order it saw them. */
  events: WorkflowTestEvent[];
  /** The actions, in the order they were taken. */
  actions: ActionOutcome[];
  /** Every call of every double, in the order they started. */
  calls: (ActivityCall & { activity: string })[];
  history: History;
  /** One double's calls; an error naming the doubles when there is no double by that name. */
  activity(name: string): { calls: ActivityCall[] };
}

/** The run did what it was asked but broke an expectation, or its history did not replay: every problem listed. */
export class WorkflowTestError extends TempestError {
  readonly exitCode = EXIT.verdictFailed;
  override name = 'WorkflowTestError';
  constructor(
    readonly problems: string[],
    readonly run?: WorkflowTestRun,
  ) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`);
  }
}

/**
 * Run `options.workflow` to its end on `env` (a time-skipping environment: `createTimeSkippingEnvironment()` or
 * tempest/vitest's `useTimeSkipping().env`), with a worker of its own running the workflows module and the
 * doubles. Resolves with the run once the workflow closed, whatever its outcome; rejects with a
 * WorkflowTestError when a double's expectation was not met, an action never happened or the replay failed, and
 * with a WorkflowTestInputError on bad input (an offset, a signal the workflow does not define, an activity without
 * a double). Tests sharing an environment run serially (time skipping is global to the server).
 */
export async function testWorkflow(env: TestWorkflowEnvironment, options: WorkflowTestOptions): Promise<WorkflowTestRun> {
  if (!env.supportsTimeSkipping)
    throw new WorkflowTestInputError(
      'testWorkflow: the environment does not skip time; give it a time-skipping one (createTimeSkippingEnvironment(), or useTimeSkipping().env)',
    );
  const doubles = new Map(Object.entries(options.activities ?? {}).map(([name, double]) => [name, new DoubleInRun(name, double.spec)]));
  const codePath = await workflowBundleFile(options.workflowsPath);
  const run = new Run(env, options, doubles);
  const workers = await WorkerGroup.create({
    connection: env.nativeConnection,
    workflowBundle: { codePath },
    activities: Object.fromEntries([...doubles].map(([name, double]) => [name, double.implementation(run.hooks)])),
    taskQueues: [run.taskQueue],
  });
  const working = workers.start();
  try {
    return await run.drive();
  } finally {
    await run.releaseClock();
    await workers.shutdown();
    await working;
  }
}

class Run {
  readonly taskQueue: string;
  private readonly workflowId: string;
  private readonly deadline: number;
  private readonly reader = new HistoryReader();
  private readonly events: WorkflowTestEvent[] = [];
  private readonly outcomes: ActionOutcome[] = [];
  private readonly fired = new Set<WorkflowAction>();
  private readonly offsetActions: WorkflowAction[];
  private readonly clock: VirtualClock;
  /** Every attempt, in the order they started: on a frozen clock many start at the same virtual instant. */
  private readonly startOrder = new Map<ActivityCall, number>();
  /** Workflow-clock time of the workflow's start (its first event), once the run has read it. */
  private clockStart = 0;
  private startClock!: () => void;
  private readonly clockStarted = new Promise<void>((resolve) => {
    this.startClock = resolve;
  });
  private handle: WorkflowHandleWithFirstExecutionRunId | undefined;
  /** Where the workflow stands, from the events read so far. */
  private readonly progress = new WorkflowProgress();
  private timersStarted = 0;
  private history: History = {};
  /** Timers that fired among the events being read: an action on their start would come too late. */
  private firedInBatch = new Set<string>();
  /** Stops the run: bad input found while it ran, or workflow code that threw (its task would be retried forever). */
  private stopError: WorkflowTestInputError | WorkflowTestError | undefined;

  constructor(
    private readonly env: TestWorkflowEnvironment,
    private readonly options: WorkflowTestOptions,
    private readonly doubles: Map<string, DoubleInRun>,
  ) {
    this.taskQueue = options.taskQueue ?? `workflow-test-${randomUUID()}`;
    this.workflowId = options.workflowId ?? `${options.workflow}-${randomUUID()}`;
    this.deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.clock = VirtualClock.of(env);
    this.offsetActions = (options.at ?? []).filter((a) => a.trigger.kind === 'offset').sort((a, b) => offsetOf(a) - offsetOf(b));
  }

  readonly hooks = {
    now: () => this.clock.now(),
    attemptStartedAt: async (activityId: string) => {
      const { raw } = await this.handle!.describe();
      const pending = raw.pendingActivities?.find((activity) => activity.activityId === activityId);
      return pending?.lastStartedTime ? protoMs(pending.lastStartedTime) : await this.clock.now();
    },
    elapsed: async () => {
      await this.clockStarted;
      return (await this.clock.now()) - this.clockStart;
    },
    sleep: (ms: number) => this.clock.sleep(ms),
    frozen: () => this.clock.frozen,
    started: async (activity: string, call: ActivityCall) => {
      this.startOrder.set(call, this.startOrder.size);
      for (const action of this.options.at ?? []) {
        const { trigger } = action;
        if (
          trigger.kind !== 'activityStarted' ||
          trigger.activity !== activity ||
          trigger.attempt !== call.attempt ||
          this.fired.has(action)
        )
          continue;
        await this.perform(action);
      }
    },
  };

  async drive(): Promise<WorkflowTestRun> {
    this.handle = await this.env.client.workflow.start(this.options.workflow, {
      taskQueue: this.taskQueue,
      workflowId: this.workflowId,
      args: this.options.args ?? [],
    });
    const handle = this.handle;
    try {
      await this.readHistory();
      this.clockStart = this.reader.startedAt!;
      this.startClock();
      await this.untilOnlyTheEndRemains();
      const error = await this.bounded('the workflow to close', failureOf(handle.result()));
      await this.readHistory();
      const history = this.history;
      const outcome = { ...this.progress.outcome, ...(error ? { error } : {}) } as WorkflowTestOutcome;
      if (this.stopError) throw this.stopError;
      const run = this.result(outcome, history);
      const problems = [...this.unmet(), ...[...this.doubles.values()].flatMap((d) => d.unmetExpectations())];
      if (this.options.replay !== false) problems.push(...(await this.bounded('the replay of the history', this.replayProblems(history))));
      if (problems.length > 0) throw new WorkflowTestError(problems, run);
      return run;
    } catch (error) {
      if (!this.progress.closed) await handle.terminate('testWorkflow stopped the run').catch(() => undefined);
      throw error;
    }
  }

  /** Hold the clock while the workflow works; let it jump to each moment an action waits for. */
  private async untilOnlyTheEndRemains(): Promise<void> {
    let quiet = 0;
    for (;;) {
      this.checkDeadline('the workflow to reach its next action');
      quiet = (await this.readHistory()) === 0 ? quiet + 1 : 0;
      if (this.stopError) throw this.stopError;
      if (!this.progress.closed && !(quiet >= QUIET_POLLS && this.waiting())) {
        await delay(POLL_MS);
        continue;
      }
      const target = this.nextMoment();
      if (target === undefined) return;
      // Nothing holds the clock but the run: the move lands exactly on the target.
      await this.bounded(
        'the workflow clock to reach the next action',
        this.clock.advanceTo(target, { guardMs: this.deadline - Date.now() }),
      );
      for (const action of this.offsetActions) {
        if (!this.fired.has(action) && this.clockStart + offsetOf(action) <= target) await this.perform(action);
      }
      quiet = 0;
    }
  }

  /** Nothing runs but doubles waiting on the clock: no workflow task, and every open activity asleep or between attempts. */
  private waiting(): boolean {
    if (this.progress.workflowTaskOutstanding) return false;
    return this.progress.openActivities().every(({ activityId, activityType }) => {
      const double = this.doubles.get(activityType);
      if (!double) return false;
      return (
        double.sleeping.has(activityId) || (!double.running.has(activityId) && double.calls.some((call) => call.activityId === activityId))
      );
    });
  }

  /**
   * The next workflow-clock time the run must stop at: the next offset action, the next wake of a sleeping double,
   * or, while an action waits for a timer to start, the next timer or retry of an activity between attempts (either
   * may lead the workflow to start that timer).
   */
  private nextMoment(): number | undefined {
    const offset = this.offsetActions.find((action) => !this.fired.has(action));
    const candidates = offset ? [this.clockStart + offsetOf(offset)] : [];
    for (const double of this.doubles.values())
      candidates.push(...[...double.sleeping.values()].map((attempt) => this.clockStart + attempt.wakeAt));
    const awaitsTimer = (this.options.at ?? []).some((action) => action.trigger.kind === 'timerStarted' && !this.fired.has(action));
    if (awaitsTimer && !this.progress.closed) {
      candidates.push(...this.progress.runningTimers().map((timer) => timer.firesAtMs));
      for (const activity of this.progress.openActivities()) {
        const retry = this.nextRetry(activity);
        if (retry !== undefined) candidates.push(this.clockStart + retry);
      }
    }
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  /**
   * When an activity between attempts is retried (ms after the start): its last attempt's end plus the backoff its
   * retry policy gives (the test server does not tell).
   */
  private nextRetry({ activityId, activityType, retryPolicy: policy }: OpenActivity): number | undefined {
    const double = this.doubles.get(activityType);
    if (!double || double.running.has(activityId)) return undefined;
    const last = double.calls.filter((call) => call.activityId === activityId).at(-1);
    if (last?.endedAt === undefined || !policy) return undefined;
    const initial = protoMs(policy.initialInterval);
    const maximum = policy.maximumInterval ? protoMs(policy.maximumInterval) : 100 * initial;
    return last.endedAt + Math.min(initial * (policy.backoffCoefficient ?? 2) ** (last.attempt - 1), maximum);
  }

  /** Read the events not read yet; returns how many there were. */
  private async readHistory(): Promise<number> {
    const history = await this.handle!.fetchHistory();
    const fresh = (history.events ?? []).slice(this.progress.eventsRead);
    this.firedInBatch = new Set(
      fresh.flatMap((event) => (event.timerFiredEventAttributes ? [event.timerFiredEventAttributes.timerId ?? ''] : [])),
    );
    for (const event of fresh) await this.readEvent(event);
    this.history = history;
    return fresh.length;
  }

  private async readEvent(event: HistoryEvent): Promise<void> {
    this.progress.read(event);
    const taskFailure = event.workflowTaskFailedEventAttributes;
    if (taskFailure && CODE_FAILURES.has(taskFailure.cause ?? 0)) {
      this.stopError ??= new WorkflowTestError([
        `a workflow task of ${this.options.workflow} failed (the worker retries it forever): ${taskFailure.failure?.message ?? 'no message'}`,
      ]);
    }
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name !== undefined && name !== null && !this.doubles.has(name)) {
      this.stopError ??= new WorkflowTestInputError(
        `${this.options.workflow} scheduled activity '${name}', which has no double: give activities.${name} (doubles given: ${[...this.doubles.keys()].join(', ') || 'none'})`,
      );
    }
    const timer = event.timerStartedEventAttributes;
    for (const seen of this.reader.read(event)) {
      this.events.push(seen);
      this.options.onEvent?.(seen);
    }
    if (timer) {
      this.timersStarted++;
      for (const action of this.options.at ?? []) {
        if (action.trigger.kind !== 'timerStarted' || action.trigger.nth !== this.timersStarted || this.fired.has(action)) continue;
        if (this.firedInBatch.has(timer.timerId ?? '')) {
          // Never expected: the run stops the clock at every timer while an action waits for one. Said, not hidden.
          this.fired.add(action);
          this.stopError ??= new WorkflowTestError([
            `${action.label} came too late: the run saw timer ${timer.timerId} start only after it had fired`,
          ]);
          continue;
        }
        await this.perform(action);
      }
    }
  }

  private async perform(action: WorkflowAction): Promise<void> {
    this.fired.add(action);
    const at = (await this.clock.now()) - this.clockStart;
    try {
      if (action.kind === 'signal' || action.kind === 'update' || action.kind === 'query')
        await this.checkDefined(action, action.kind, action.name ?? '');
      const result = await act(this.handle!, action);
      this.outcomes.push({ label: action.label, at, ...(result === undefined ? {} : { result }) });
    } catch (error) {
      if (error instanceof WorkflowTestInputError) {
        this.stopError ??= error;
        return;
      }
      this.outcomes.push({ label: action.label, at, error: (error as Error).message });
    }
  }

  /** The workflow defines the signal, update or query by now (its own metadata query says which it does). */
  private async checkDefined(action: WorkflowAction, kind: 'signal' | 'update' | 'query', name: string): Promise<void> {
    const metadata = await this.handle!.query<WorkflowMetadata>('__temporal_workflow_metadata');
    const defined = (metadata.definition?.[`${kind}Definitions`] ?? [])
      .map((d) => d.name)
      .filter((n) => !n.startsWith('__'))
      .sort();
    if (!defined.includes(name)) {
      throw new WorkflowTestInputError(
        `${action.label}: ${this.options.workflow} defines no ${kind} '${name}' (it defines: ${defined.join(', ') || 'none'})`,
      );
    }
  }

  /**
   * Give the test server's clock back as the run found it. The server releases the hold an activity has on the
   * clock only when the activity ends, and an activity still open when its workflow closed never ends (its
   * completion is refused): release those holds, one per sleeping double at a time so each wakes first.
   */
  async releaseClock(): Promise<void> {
    if (!this.handle) return;
    const doubles = [...this.doubles.values()];
    const busy = () => doubles.some((double) => [...double.running.keys()].some((id) => !double.sleeping.has(id)));
    for (const stop = Date.now() + RELEASE_WAIT_MS; busy() && Date.now() < stop;) await delay(POLL_MS);
    const { raw } = await this.handle.describe();
    const { PENDING_ACTIVITY_STATE_STARTED, PENDING_ACTIVITY_STATE_CANCEL_REQUESTED } = proto.temporal.api.enums.v1.PendingActivityState;
    const held = (raw.pendingActivities ?? []).filter(
      (a) => a.state === PENDING_ACTIVITY_STATE_STARTED || a.state === PENDING_ACTIVITY_STATE_CANCEL_REQUESTED,
    ).length;
    const sleeping = doubles.flatMap((double) => [...double.sleeping.values()]).sort((a, b) => a.wakeAt - b.wakeAt);
    const release = () => this.clock.releaseIfHeld();
    for (let i = sleeping.length; i < held; i++) await release();
    for (const attempt of sleeping) {
      await release();
      await Promise.race([attempt.woke, delay(RELEASE_WAIT_MS)]);
    }
  }

  /** Actions whose moment never came. */
  private unmet(): string[] {
    return (this.options.at ?? [])
      .filter((action) => !this.fired.has(action))
      .map(
        (action) =>
          `${action.label} never happened: ${action.trigger.kind === 'timerStarted' ? `the workflow started ${this.timersStarted} timer(s)` : 'the activity never started that attempt'} before it closed`,
      );
  }

  private async replayProblems(history: History): Promise<string[]> {
    const workflowsPath = typeof this.options.replay === 'object' ? this.options.replay.workflowsPath : this.options.workflowsPath;
    const shown = path.relative(process.cwd(), path.resolve(workflowsPath)) || workflowsPath;
    const replayer = await Replayer.create({ workflowsPath });
    try {
      const outcomes = [];
      for await (const outcome of replayer.replay([loadedHistory(`run of ${this.options.workflow}`, history, this.workflowId)]))
        outcomes.push(outcome);
      const [outcome] = outcomes;
      if (outcomes.length !== 1 || !outcome) return [`the replay against ${shown} gave ${outcomes.length} outcomes for one history`];
      if (outcome.status === 'passed') return [];
      const divergence = outcome.divergence;
      const parts = divergence
        ? [
            `${outcome.status} at event ${divergence.eventId}`,
            `history: ${divergence.recorded ? describeCommand(divergence.recorded) : 'nothing more'}`,
            `code: ${divergence.code ? describeCommand(divergence.code) : 'nothing more'}`,
          ]
        : [outcome.status];
      if (outcome.message) parts.push(`sdk: ${outcome.message}`);
      if (outcome.hint) parts.push(`hint: ${outcome.hint}`);
      return [`the run's history does not replay against ${shown}: ${parts.join('; ')}`];
    } finally {
      replayer.close();
    }
  }

  private result(outcome: WorkflowTestOutcome, history: History): WorkflowTestRun {
    const order = (call: ActivityCall): number => this.startOrder.get(call) ?? Number.MAX_SAFE_INTEGER;
    const calls = [...this.doubles.values()]
      .flatMap((double) => double.calls.map((call) => ({ activity: double.name, call })))
      .sort((a, b) => a.call.at - b.call.at || order(a.call) - order(b.call))
      .map(({ activity, call }) => ({ activity, ...call }));
    const doubles = this.doubles;
    return {
      workflowId: this.workflowId,
      runId: this.handle!.firstExecutionRunId,
      outcome,
      events: this.events,
      actions: this.outcomes,
      calls,
      history,
      activity(name) {
        const double = doubles.get(name);
        if (!double)
          throw new WorkflowTestInputError(
            `run.activity(${JSON.stringify(name)}): no double by that name (doubles: ${[...doubles.keys()].join(', ') || 'none'})`,
          );
        return { calls: double.calls };
      },
    };
  }

  private checkDeadline(what: string): void {
    if (Date.now() > this.deadline) throw this.timedOut(what);
  }

  private timedOut(what: string): WorkflowTestError {
    return new WorkflowTestError([
      `timed out after ${this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms of wall time waiting for ${what}; events so far: ${this.events.map(describeEvent).join(', ') || 'none'}`,
    ]);
  }

  /** `promise`, or a WorkflowTestError once the run's wall-clock bound has passed. */
  private async bounded<T>(what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timedOut(what)), Math.max(0, this.deadline - Date.now()));
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface WorkflowMetadata {
  definition?: Partial<Record<'signalDefinitions' | 'updateDefinitions' | 'queryDefinitions', { name: string }[]>>;
}

const offsetOf = (action: WorkflowAction): number => (action.trigger.kind === 'offset' ? action.trigger.ms : 0);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Take an action on the workflow; what it answered (an update's result, a query's answer). */
async function act(handle: WorkflowHandleWithFirstExecutionRunId, { kind, name = '', args }: WorkflowAction): Promise<unknown> {
  switch (kind) {
    case 'signal':
      return handle.signal(name, ...args);
    case 'update':
      return args.length > 0 ? handle.executeUpdate(name, { args: args as [unknown, ...unknown[]] }) : handle.executeUpdate(name);
    case 'query':
      return handle.query(name, ...args);
    case 'cancel':
      return handle.cancel();
    case 'terminate':
      return handle.terminate(String(args[0]));
  }
}

/** The client's error for a workflow that did not complete; undefined when it completed. */
async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError | undefined> {
  try {
    await result;
    return undefined;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return error;
  }
}
