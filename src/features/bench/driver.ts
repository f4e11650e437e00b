/**
 * The closed-loop driver: `concurrency` callers, each starting its next workflow as soon as its previous one
 * closed, until `maxCount` workflows were started or `maxDurationMs` passed (whichever first). Bounded in count
 * and in time, so a run always stops by itself.
 */
import { performance } from 'node:perf_hooks';
import { isSteady } from './stats.ts';
import { HarnessError, NeverWorkedError } from '../../base/errors.ts';

export interface ClosedLoopOptions {
  concurrency: number;
  /** Start at most this many workflows. */
  maxCount: number;
  /** Start no new workflow after this long (the ones in flight still finish). */
  maxDurationMs: number;
  /** Stop starting new workflows when aborted; the loop then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ClosedLoopResult {
  /** Start-to-close latency of every workflow, seen from the client, in completion order (ms). */
  latenciesMs: number[];
  completed: number;
  /** From the first start until the last close (ms). */
  elapsedMs: number;
  /** Workflows closed per second over the whole loop. */
  throughputPerSec: number;
}

/**
 * Run `execute(i)` (start workflow `i` and wait for its result) in a closed loop. Throws a HarnessError with the first
 * failure after the calls in flight have settled.
 */
export async function runClosedLoop(options: ClosedLoopOptions, execute: (index: number) => Promise<unknown>): Promise<ClosedLoopResult> {
  const { concurrency, maxCount, maxDurationMs, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!Number.isInteger(maxCount) || maxCount < 1) throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
  const latenciesMs: number[] = [];
  let next = 0;
  let failure: unknown;
  let failedIndex = -1;
  const started = performance.now();
  const mayStart = (): boolean =>
    next < maxCount && performance.now() - started < maxDurationMs && failure === undefined && !signal?.aborted;

  const caller = async (): Promise<void> => {
    while (mayStart()) {
      const index = next++;
      const t0 = performance.now();
      try {
        await execute(index);
        latenciesMs.push(performance.now() - t0);
      } catch (error) {
        if (failure === undefined) {
          failure = error;
          failedIndex = index;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, maxCount) }, caller));
  const elapsedMs = performance.now() - started;
  signal?.throwIfAborted();
  if (failure instanceof NeverWorkedError) throw failure; // its own line says it all
  if (failure !== undefined) {
    throw new HarnessError(`workflow #${failedIndex} of the loop failed: ${failure instanceof Error ? failure.message : String(failure)}`, {
      cause: failure,
    });
  }
  return { latenciesMs, completed: latenciesMs.length, elapsedMs, throughputPerSec: latenciesMs.length / (elapsedMs / 1000) };
}

export interface WarmUpOptions {
  concurrency: number;
  /** Each window is a closed loop of this long (the calls in flight then finish). */
  windowMs: number;
  /** Steady: the rates of the last `windows` windows agree within `tolerance` of their median (isSteady). */
  windows: number;
  tolerance: number;
  /** Stop after this long even when not steady; the result says so. */
  maxMs: number;
  signal?: AbortSignal;
}

export interface WarmUpResult {
  steady: boolean;
  durationMs: number;
  /** Workflows per second of each window in turn. */
  rates: number[];
}

/**
 * Warm up until the rate is steady: closed-loop windows one after another until the last few agree, or `maxMs`
 * passed. A fixed count is not enough: caches, JIT and the server's rate limiters (which allow a burst after idle)
 * make the first seconds faster or slower than the rest, and by how much depends on the machine. `execute` gets
 * indexes that keep counting across windows, so each call can be unique.
 */
export async function warmUpUntilSteady(options: WarmUpOptions, execute: (index: number) => Promise<unknown>): Promise<WarmUpResult> {
  const { concurrency, windowMs, windows, tolerance, maxMs, signal } = options;
  const started = performance.now();
  const rates: number[] = [];
  let next = 0;
  for (;;) {
    const offset = next;
    // Bounded by time: enough calls that the window always ends by its duration.
    const result = await runClosedLoop({ concurrency, maxCount: Number.MAX_SAFE_INTEGER, maxDurationMs: windowMs, signal }, (index) =>
      execute(offset + index),
    );
    next += result.completed;
    rates.push(result.throughputPerSec);
    const durationMs = performance.now() - started;
    const steady = isSteady(rates, { windows, tolerance });
    if (steady || durationMs >= maxMs) return { steady, durationMs, rates };
  }
}
