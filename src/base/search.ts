/**
 * A fast-check search for a counterexample whose every try is a real run (a chaos run on a cluster, a workflow run
 * on a time-skipping server): one run at a time, and a run that throws is no counterexample. Shared by chaos
 * explore and interleaving exploration.
 */
import fc from 'fast-check';

export interface SearchOptions {
  /** Values to try. */
  runs: number;
  /** fast-check's seed; with `path`, replays one exact value. */
  seed: number;
  path?: string;
  /** Stop searching (and shrinking) after this long, keeping the smallest failure found so far. */
  timeLimitMs?: number;
}

export type SearchResult<T> =
  | { failed: false; runs: number; seed: number }
  | {
      failed: true;
      runs: number;
      seed: number;
      /** With the seed, replays the shrunk counterexample. */ path: string;
      counterexample: T;
      shrinks: number;
    };

/**
 * Search `arbitrary` for a value that `holds` is false for, and shrink it. A `holds` that throws stops the search
 * and the error is thrown once fast-check returns: a run that could not run found nothing to shrink.
 */
export async function searchOneAtATime<T>(
  arbitrary: fc.Arbitrary<T>,
  holds: (value: T) => Promise<boolean>,
  options: SearchOptions,
): Promise<SearchResult<T>> {
  // fast-check's time limit stops waiting for a run, it does not stop the run: wait for it before anything else
  // runs, or two runs would share one server.
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped: { error: unknown } | undefined;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    if (stopped) return true;
    const run = holds(value);
    inFlight = run.catch(() => undefined);
    try {
      return await run;
    } catch (error) {
      stopped = { error };
      return true;
    }
  });
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    path: options.path,
    endOnFailure: options.path !== undefined,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
  });
  await inFlight;
  if (stopped) throw stopped.error;
  if (!details.failed || !details.counterexample || details.counterexamplePath === null)
    return { failed: false, runs: details.numRuns, seed: details.seed };
  return {
    failed: true,
    runs: details.numRuns,
    seed: details.seed,
    path: details.counterexamplePath,
    counterexample: details.counterexample[0],
    shrinks: details.numShrinks,
  };
}
