/**
 * The explorer's worker: an SDK Worker that says when it is done with something (so a run waits for events, never
 * for time).
 *
 * It counts the activations it got from Core and has not yet completed, and the activity completions on their way
 * to the server; Core answers a completion only once the server has it, so when both counts are zero the server's
 * history shows everything the worker did. Each change is a `Progress` tick a waiting run wakes on.
 *
 * It can also hold back the completion of one run's next activation (`holdNextCompletion`): while the server sees
 * that workflow task running, whatever reaches the workflow waits for its next task, all in one.
 */
import proto from '@temporalio/proto';
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

  /** Resolves once `condition` holds, checked now and after each thing that happens. */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.waiters.push(resolve));
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

export class ObservedWorker extends Worker {
  /** Ticks whenever the worker finished something (an activation completed, an activity's answer delivered). */
  readonly progress = new Progress();
  private activationsInFlight = 0;
  private activityCompletionsInFlight = 0;
  /** Activity answers the server has taken, so far: one more once a double's answer reached it. */
  activityAnswersDelivered = 0;
  private hold: { runId: string; reached: () => void; released: Promise<void> } | undefined;
  private readonly observing = this.observe();

  /** Nothing on its way: every activation Core gave it is completed, every answer delivered. */
  get idle(): boolean {
    return this.observing && this.activationsInFlight === 0 && this.activityCompletionsInFlight === 0;
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
    this.hold = { runId, reached, released };
    return {
      reached: reachedPromise,
      release: () => {
        if (this.hold?.released === released) this.hold = undefined;
        release();
      },
    };
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
      const hold = this.hold;
      if (hold && proto.coresdk.workflow_completion.WorkflowActivationCompletion.decodeDelimited(completion).runId === hold.runId) {
        this.hold = undefined;
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
