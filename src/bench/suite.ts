/**
 * What a benchmark suite is: a name, a one-line description, and a run that measures with the run's shared
 * parts and returns benchmark entries. Suites are registered in bench/suites/index.ts.
 */
import type { BenchContext } from './context.ts';
import type { Benchmark } from './report.ts';

export interface SuiteSettings {
  /** Tiny counts for tests and CI smoke runs: proves the suite works, numbers are rough. */
  quick: boolean;
  /** Progress for people (stderr); one line per step. */
  progress: (line: string) => void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(context: BenchContext, settings: SuiteSettings): Promise<Benchmark[]>;
}
