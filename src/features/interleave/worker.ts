/**
 * The explorer's worker: an SDK Worker that says when it is done with something (so a run waits for events, never
 * for time) and can hold workflow tasks (the barrier that lands several events in one workflow task).
 *
 * It counts the activations it got from Core and has not yet completed, and the activity completions on their way
 * to the server; Core answers a completion only once the server has it, so when both counts are zero the server's
 * history shows everything the worker did. Each change is a `Progress` tick a waiting run wakes on.
 */
import { Worker } from '@temporalio/worker';

/** A counter of things that happened, and a way to wait for the next one. */
export class Progress {
  private ticks = 0;
  private waiters: (() => void)[] = [];

  /** How many things happened so far: pass it to `next` to wait for one more. */
  get version(): number {
    return this.ticks;
  }

  tick(): void {
    this.ticks++;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves true once something happened after `since`, or false after `timeoutMs` of real time without. */
  next(since: number, timeoutMs: number): Promise<boolean> {
    if (this.ticks > since) return Promise.resolve(true);
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

type Activation = Parameters<Worker['handleActivation']>[1];

export class ObservedWorker extends Worker {
  /** Ticks whenever the worker finished something (an activation completed, an activity's answer delivered). */
  readonly progress = new Progress();
  private activationsInFlight = 0;
  private activityCompletionsInFlight = 0;
  /** Runs whose activations are held, and how to let each held one go. */
  private readonly holding = new Set<string>();
  private held: { runId: string; release: () => void }[] = [];
  private readonly heldWaiters: (() => void)[] = [];
  private readonly observing = this.observe();

  /** Nothing on its way: every activation Core gave it is completed (held ones aside), every answer delivered. */
  get idle(): boolean {
    return this.activationsInFlight - this.held.length === 0 && this.activityCompletionsInFlight === 0;
  }

  private observe(): true {
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
        this.activityCompletionsInFlight--;
        this.progress.tick();
      }
    };
    return true;
  }

  protected override async handleActivation(...args: Parameters<Worker['handleActivation']>): ReturnType<Worker['handleActivation']> {
    const { activation } = args[1] as Activation;
    const runId = activation.runId ?? '';
    if (this.observing && this.holding.has(runId)) {
      await new Promise<void>((release) => {
        this.held.push({ runId, release });
        for (const wake of this.heldWaiters.splice(0)) wake();
      });
    }
    return super.handleActivation(...args);
  }

  /** Hold every activation of these runs from now on, until `release`. */
  hold(runIds: readonly string[]): void {
    for (const runId of runIds) this.holding.add(runId);
  }

  /** Resolves once `count` activations are held. */
  async heldCount(count: number): Promise<void> {
    while (this.held.length < count) await new Promise<void>((wake) => this.heldWaiters.push(wake));
  }

  /** Stop holding, and let every held activation go on. */
  release(): void {
    this.holding.clear();
    for (const { release } of this.held.splice(0)) release();
  }
}
