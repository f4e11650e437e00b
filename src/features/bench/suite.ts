/**
 * What a benchmark suite is: a name, a one-line description, and a run that measures with the run's shared
 * parts and returns benchmark entries. Suites are registered in bench/suites/index.ts.
 */
import type { BenchContext } from './context.ts';
import type { Benchmark, Omission, WarmUp } from './report.ts';

export interface SuiteSettings {
  /** Tiny counts for tests and CI smoke runs: proves the suite works, numbers are rough. */
  quick: boolean;
  /** The concurrency levels of the throughput suite, instead of its own (`bench run --concurrency`). */
  concurrency?: readonly number[];
  /** Progress for people (stderr); one line per step. */
  progress: (line: string) => void;
}

/** What a suite measured: its benchmarks, how its warm-ups went, and what it did not report and why. */
export interface SuiteResult {
  benchmarks: Benchmark[];
  warmUps?: WarmUp[];
  omitted?: Omission[];
}

export interface BenchSuite {
  name: string;
  description: string;
  /** Run only when --suite names it (it needs more than the default toolchain, or more of the machine). */
  optIn?: boolean;
  run(context: BenchContext, settings: SuiteSettings): Promise<SuiteResult>;
}
