/**
 * What a benchmark suite is: a name, a one-line description, and a run that measures with the run's shared
 * parts and returns benchmark entries. Suites are registered in bench/suites/index.ts.
 */
import type { AbPlan } from './ab.ts';
import type { BenchContext } from './context.ts';
import type { Benchmark, ClusterInfo, CountedBenchmark, Omission, ProcessInfo, WarmUp } from './report.ts';
import type { Side } from './rounds.ts';
import type { BenchSide } from './sides.ts';

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
  /** Costs counted per workflow. */
  counted?: CountedBenchmark[];
  warmUps?: WarmUp[];
  omitted?: Omission[];
  /** The processes that measured, and how much CPU each used while it did. */
  processes?: ProcessInfo[];
  /** What the suite's workflows ran on. */
  cluster?: ClusterInfo;
  /** Cores of other work during each round or sample the suite measured. */
  otherWorkCores?: number[];
}

/** How an A/B run measures a suite: the two sides, the plan of its rounds, their order's seed. */
export interface AbSettings {
  sides: Record<Side, BenchSide>;
  plan: AbPlan;
  seed: number;
}

export interface BenchSuite {
  name: string;
  description: string;
  /** Run only when --suite names it (it needs more than the default toolchain, or more of the machine). */
  optIn?: boolean;
  run(context: BenchContext, settings: SuiteSettings): Promise<SuiteResult>;
  /** The suite A/B (`bench run --base`): base and head in alternating pairs of rounds on the same server. */
  ab?(context: BenchContext, settings: SuiteSettings & AbSettings): Promise<SuiteResult>;
}
