/**
 * The explorer's worker: an SDK Worker that says when it is done with something (so a run waits for events, never
 * for time).
 *
 * It counts the activations it got from Core and has not yet completed, and the activity completions on their way
 * to the server; Core answers a completion only once the server has it, so when both counts are zero the server's
 * history shows everything the worker did. Each change is a `Progress` tick a waiting run wakes on.
 *
 * It can also hold back the completion of a run's next activation (`holdNextCompletion`, of several runs at once): while the server sees
 * that workflow task running, whatever reaches the workflow waits for its next task, all in one.
 */
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { HarnessError } from '../../base/errors.ts';

/**
 * A counter of things that happened, and a way to wait for the next one. Once it is broken (what made things
 * happen is gone), every wait, current or later, throws its error instead of waiting for what cannot come.
 */
export class Progress {
  private ticks = 0;
  private waiters: (() => void)[] = [];
  private broken: Error | undefined;
  private onBreak!: (error: Error) => void;
  /** Rejects with the error once broken: race it with a wait that nothing else would end. */
  readonly broke = new Promise<never>((_, reject) => (this.onBreak = reject));

  constructor() {
    this.broke.catch(() => undefined); // awaited only by those racing it
  }

  /** How many things happened so far: pass it to `next` to wait for one more. */
  get version(): number {
    return this.ticks;
  }

  tick(): void {
    this.ticks++;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Nothing will happen any more: wake every wait, which throws `error`, as later ones do. */
  break(error: Error): void {
    this.broken ??= error;
    this.onBreak(this.broken);
    this.tick();
  }

  private check(): void {
    if (this.broken) throw this.broken;
  }

  /** Resolves once `condition` holds, checked now and after each thing that happens. */
  async until(condition: () => boolean): Promise<void> {
    for (;;) {
      this.check();
      if (condition()) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves true once something happened after `since`, or false after `timeoutMs` of real time without. */
  async next(since: number, timeoutMs: number): Promise<boolean> {
    this.check();
    if (this.ticks > since) return true;
    const woke = await this.wait(timeoutMs);
    this.check();
    return woke;
  }

  private wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(wake);
    });
  }
}

export class ObservedWorker extends Worker {
  /** Ticks whenever the worker finished something (an activation completed, an activity's answer delivered). */
  readonly progress = new Progress();
  private activationsInFlight = 0;
  private activityCompletionsInFlight = 0;
  /** Activity answers the server has taken, so far: one more once a double's answer reached it. */
  activityAnswersDelivered = 0;
  /** The runs whose next completion is to be held, by run id. */
  private holds = new Map<string, { reached: () => void; released: Promise<void> }>();
  private readonly observing = this.observe();

  /** Nothing on its way: every activation Core gave it is completed, every answer delivered. */
  get idle(): boolean {
    return this.observing && this.activationsInFlight === 0 && this.activityCompletionsInFlight === 0;
  }

  /**
   * The worker stopped while a run may still wait on it (`cause`: the error that stopped it, if one did): every wait
   * on its progress throws a harness error saying why.
   */
  stopped(cause?: unknown): void {
    const why = cause === undefined ? '' : `: ${(cause instanceof Error ? cause.message : String(cause)).split('\n')[0]}`;
    this.progress.break(new HarnessError(`the explorer's worker stopped${why}`, { cause }));
  }

  /**
   * Hold back the completion of the next activation of run `runId` until `release` is called: `reached` resolves
   * once the worker finished that activation and is holding it (its workflow task stays running at the server).
   */
  holdNextCompletion(runId: string): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.holds.set(runId, { reached, released });
    return {
      reached: reachedPromise,
      release: () => {
        if (this.holds.get(runId)?.released === released) this.holds.delete(runId);
        release();
      },
    };
  }

  private observe(): true {
    // An error the SDK cannot recover from (Core refused a workflow task's completion) shuts the worker down, and a
    // run may be waiting on the task it could not complete: say so at once, not once the shutdown is over.
    this.unexpectedErrorSubject.subscribe({ error: (error: unknown) => this.stopped(error) });
    const native = this.nativeWorker as {
      pollWorkflowActivation: () => Promise<Buffer>;
      completeWorkflowActivation: (completion: Buffer) => Promise<void>;
      completeActivityTask: (completion: Buffer) => Promise<void>;
    };
    const poll = native.pollWorkflowActivation;
    native.pollWorkflowActivation = async () => {
      const activation = await poll();
      this.activationsInFlight++;
      return activation;
    };
    const complete = native.completeWorkflowActivation;
    native.completeWorkflowActivation = async (completion) => {
      const runId =
        this.holds.size > 0 ? proto.coresdk.workflow_completion.WorkflowActivationCompletion.decodeDelimited(completion).runId : '';
      const hold = this.holds.get(runId);
      if (hold) {
        this.holds.delete(runId);
        hold.reached();
        await hold.released;
      }
      try {
        return await complete(completion);
      } finally {
        this.activationsInFlight--;
        this.progress.tick();
      }
    };
    const completeActivity = native.completeActivityTask;
    native.completeActivityTask = async (completion) => {
      this.activityCompletionsInFlight++;
      try {
        return await completeActivity(completion);
      } finally {
        this.activityAnswersDelivered++;
        this.activityCompletionsInFlight--;
        this.progress.tick();
      }
    };
    return true;
  }
}
