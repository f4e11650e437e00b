/**
 * Virtual time on a time-skipping test server, moved only through here (the interleaving explorer and testWorkflow
 * both use it).
 *
 * The server keeps a count of holds on its clock: the client's own (a server starts held), and one per outstanding
 * workflow task, activity attempt, starting child and signal to another workflow. While the count is above zero
 * time stands still (on a frozen server; a real one lets it run at the pace of real time); at zero it jumps to the
 * next timer task the server has queued. `advanceTo` gives the server's holds back for the move, lets go of the
 * client's while sleeping exactly to the target (the server takes the client's hold back at the target), and
 * takes the server's holds again: whatever closed on the way gave its own hold back, whatever is still open gives
 * its hold back when it closes.
 */
import { msToTs } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HarnessError } from '../errors.ts';
import { testServerClock } from './temporal.ts';

/** How long a move may take in real time before it counts as held by something nobody counted. */
const DEFAULT_GUARD_MS = 5000;

/** A move of virtual time that did not return: something holds the clock that the caller did not count. */
export class ClockHeldError extends HarnessError {
  override name = 'ClockHeldError';
  constructor(
    readonly targetMs: number,
    readonly pending: Promise<void>,
    message: string,
  ) {
    super(message);
  }
}

export class VirtualClock {
  private constructor(
    private readonly env: TestWorkflowEnvironment,
    /** True on a frozen server: time moves only through this clock, exactly. */
    readonly frozen: boolean,
  ) {}

  /** The clock of a time-skipping environment (frozen when it came from createTimeSkippingEnvironment's default). */
  static of(env: TestWorkflowEnvironment): VirtualClock {
    return new VirtualClock(env, testServerClock(env) === 'frozen');
  }

  private get testService() {
    const service = this.env.connection.testService;
    if (!service) throw new HarnessError('the environment has no test service: it is not a time-skipping server');
    return service;
  }

  /** The server's virtual time, epoch milliseconds. */
  now(): Promise<number> {
    return this.env.currentTimeMs();
  }

  /**
   * Move virtual time to exactly `targetMs` (never past it: a timer due then fires, and whatever it starts stays
   * at `targetMs`). `holds` is how many holds the server itself has on the clock right now. A move that has not
   * returned after `guardMs` of real time throws a ClockHeldError (its `pending` move may still finish later).
   */
  async advanceTo(targetMs: number, options: { holds?: number; fromMs?: number; guardMs?: number } = {}): Promise<void> {
    const holds = options.holds ?? 0;
    const now = options.fromMs ?? (await this.now());
    if (targetMs <= now) return;
    for (let i = 0; i < holds; i++) await this.testService.unlockTimeSkipping({});
    const moved = this.testService.unlockTimeSkippingWithSleep({ duration: msToTs(targetMs - now) }).then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<'held'>((resolve) => {
      timer = setTimeout(() => resolve('held'), options.guardMs ?? DEFAULT_GUARD_MS);
    });
    const result = await Promise.race([moved, guard]).finally(() => clearTimeout(timer));
    if (result === 'held')
      throw new ClockHeldError(
        targetMs,
        moved,
        `virtual time did not reach +${targetMs - now} ms within ${(options.guardMs ?? DEFAULT_GUARD_MS) / 1000} s: something holds the clock besides the ${holds} hold(s) counted`,
      );
    for (let i = 0; i < holds; i++) await this.testService.lockTimeSkipping({});
  }

  /**
   * Let go of one hold while `ms` of virtual time pass, and take it back then: for something that holds the clock
   * (an activity double that takes hours) and wants time to move while it waits.
   */
  async sleep(ms: number): Promise<void> {
    await this.testService.unlockTimeSkippingWithSleep({ duration: msToTs(ms) });
  }

  /**
   * Give back holds the server will never give back itself: an activity still open when its workflow closed keeps
   * its hold forever (the server refuses its completion and ignores its timeout).
   */
  async release(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.testService.unlockTimeSkipping({});
  }

  /** Give back one hold that may already be gone: the server refuses an unlock it has no hold for, which is harmless. */
  async releaseIfHeld(): Promise<void> {
    await this.testService.unlockTimeSkipping({}).catch(() => undefined);
  }

  /**
   * After a move that was held: give back one hold at a time until the move reaches its target (the server then
   * takes the client's hold back), so the client's hold is again the only one. False when it never gets there.
   */
  async reclaim(held: ClockHeldError, maxReleases = 16): Promise<boolean> {
    let done = false;
    void held.pending.then(() => (done = true));
    for (let i = 0; i < maxReleases && !done; i++) {
      await this.testService.unlockTimeSkipping({}).catch(() => undefined); // refused when nothing is held: harmless
      await Promise.race([held.pending, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    return done;
  }

  /**
   * Make sure the client's hold is the only one left, after a run that went wrong: a 1 ms move returns at once
   * then (it moves the clock 1 ms); otherwise the holds nobody will give back are reclaimed. False when that fails.
   */
  async rebalance(guardMs = 2000): Promise<boolean> {
    try {
      await this.advanceTo((await this.now()) + 1, { guardMs });
      return true;
    } catch (error) {
      if (error instanceof ClockHeldError) return this.reclaim(error);
      throw error;
    }
  }
}
