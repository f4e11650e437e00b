/**
 * The benchmark report: a JSON file with a versioned schema (`tempest.bench/v2`; `v1` reports still read), written
 * by `tempest bench run` and `bench drive` and read back by `tempest bench compare`. Reading (report-parse.ts)
 * validates every field and names the one that is wrong.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Histogram } from './counts.ts';
import type { PairOrder } from './rounds.ts';
import { type Summary, summarize } from './stats.ts';
import { oneLine } from '../../base/errors.ts';
import { parseReport, ReportError } from './report-parse.ts';

export { parseReport, ReportError };

export const REPORT_SCHEMA = 'tempest.bench/v2';
/** The first schema: one run, measured rows only. Read as a `single` run whose other work was not measured. */
export const REPORT_SCHEMA_V1 = 'tempest.bench/v1';
export type ReportSchema = typeof REPORT_SCHEMA | typeof REPORT_SCHEMA_V1;

export type Direction = 'lower-is-better' | 'higher-is-better';

/** Where and with what the report was measured. */
export interface Environment {
  /** `git rev-parse HEAD`, or 'unknown' outside a git checkout. */
  gitSha: string;
  /** Uncommitted changes to tracked files when measured; null when unknown. */
  gitDirty: boolean | null;
  /** tempest's package.json version. */
  packageVersion: string;
  /** The @temporalio/* SDK version in use. */
  sdkVersion: string;
  /** `temporal --version` of the dev server binary, or 'unknown'. */
  temporalCliVersion: string;
  /** Pinned version of the time-skipping test server. */
  testServerVersion: string;
  nodeVersion: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCores: number;
  totalMemoryMb: number;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine makes noisy numbers. */
  loadAverage: number[];
  /** ISO 8601 time the run started. */
  date: string;
  /**
   * The dynamic config every dev server of the run started with (DEV_SERVER_DYNAMIC_CONFIG). Absent from reports
   * written before it was recorded: their servers ran with the server's throttling defaults.
   */
  devServerConfig?: Record<string, string | number | boolean>;
}

export interface Benchmark {
  /** Unique in a report and stable across versions: benchmarks are matched by id. `<suite>/<name>`. */
  id: string;
  suite: string;
  name: string;
  unit: string;
  direction: Direction;
  /**
   * The values compared across reports, one per independent repetition (a repeated run of a closed loop, one
   * iteration, one retry): the significance test treats them as independent draws.
   */
  samples: number[];
  /** Summary of `samples` (recomputed on compare; kept for people and other tools). */
  summary: Summary;
  /** What was measured: workflow, concurrency, counts, configured backoff, ... */
  params: Record<string, string | number | boolean>;
  /** Every underlying observation behind the samples, by series name (e.g. `latencyMs` of every workflow). */
  raw?: Record<string, number[]>;
  /**
   * How the gate weighs it (absent: primary). A primary row that cannot detect the threshold makes the run "cannot
   * judge"; a supporting one is then "not judged"; an informational one is shown and never judged.
   */
  role?: BenchmarkRole;
  /** An A/B report's rounds: value i of base and head ran back to back as pair i; `samples` are the head's. */
  pairs?: Pairs;
  /** Cores of other work on the machine during each sample (single runs; see RunInfo.otherWorkCores). */
  otherWorkCores?: number[];
}

export type BenchmarkRole = 'primary' | 'supporting' | 'informational';

export interface Pairs {
  base: number[];
  head: number[];
  /** Which side ran first in each pair. */
  order: PairOrder[];
  /** Cores of other work during each pair. */
  otherWorkCores?: number[];
}

/**
 * A cost counted per workflow (history events and bytes, workflow tasks, activity attempts, requests to a part):
 * compared exactly, since load does not move it.
 */
export interface CountedBenchmark {
  id: string;
  suite: string;
  name: string;
  unit: string;
  /** How many workflows had each value; in an A/B report the head's. */
  workflows: Histogram;
  /** An A/B report: the base's. */
  baseWorkflows?: Histogram;
  /** A head above the base by at most this much (percent) is no regression: history bytes move with id lengths. */
  tolerancePercent: number;
  params: Record<string, string | number | boolean>;
}

export interface RunInfo {
  suites: string[];
  quick: boolean;
  durationMs: number;
  /**
   * The highest 1-minute load average seen during the run (sampled every few seconds). Well above what the
   * benchmark itself causes, it means other work competed for the CPU and the numbers are noisier. Optional:
   * reports written before it was recorded lack it.
   */
  loadAverageMax?: number;
  /** How each warm-up went (absent from reports written before warm-ups ran until steady). */
  warmUps?: WarmUp[];
  /** The activities module the run used instead of the system's (`bench run --activities`), as the user named it. */
  activities?: string;
  /** `ab`: base and head measured in one run, in alternating pairs of rounds (absent in v1 reports: `single`). */
  mode?: 'single' | 'ab';
  /** The seed of the rounds' order (A/B), so it is reproducible. */
  seed?: number;
  /** An A/B run's two sides: what code each ran. */
  sides?: { base: SideInfo; head: SideInfo };
  /**
   * CPU work on the machine that was not the run's own, in cores, over its samples or rounds (the machine's busy
   * time minus the run's processes', from /proc). Absent where it could not be measured (v1 reports, macOS).
   */
  otherWorkCores?: { median: number; max: number };
  /** Where CPU times came from: Linux's /proc, or unavailable (no CPU rows). */
  cpuAccounting?: 'linux-proc' | 'unavailable';
  /** The Temporal the run measured on; `shared`: not the run's alone (an external cluster). */
  cluster?: ClusterInfo;
  /** The processes that measured (the driver, each worker, the server and parts tempest started): who, where, how much CPU. */
  processes?: ProcessInfo[];
  /** Open-loop levels per workload (bench drive --rates): each rate held, and the highest one the system kept up with. */
  openLoop?: OpenLoopSummary[];
}

export interface SideInfo {
  /** What the user named: a git ref, a directory, or `working tree`. */
  label: string;
  gitSha: string;
  gitDirty: boolean | null;
  workflows: string;
  activities: string;
}

export interface ClusterInfo {
  kind: 'dev' | 'services' | 'external';
  address?: string;
  namespace?: string;
  /** Other work may run on it: its wall-clock numbers are not the run's alone. */
  shared: boolean;
}

export interface ProcessInfo {
  /** e.g. `driver`, `worker-base`, `worker-3`, `server`, `part-bank`. */
  id: string;
  role: 'driver' | 'worker' | 'server' | 'part';
  side?: 'base' | 'head';
  host: string;
  pid: number;
  /** CPU time it used during the run's measured rounds or samples, where known. */
  cpuMs?: number;
  /** A host other than the driver's: what it ran on. */
  environment?: HostEnvironment;
}

/** What a process of the run ran on (a worker on another host reports its own). */
export type HostEnvironment = Pick<
  Environment,
  'nodeVersion' | 'platform' | 'arch' | 'cpuModel' | 'cpuCores' | 'totalMemoryMb' | 'loadAverage'
>;

export interface OpenLoopSummary {
  workload: string;
  levels: OpenLoopLevel[];
  /** The highest rate the system kept up with (started and closed at the rate, latency steady); absent when none. */
  keptUpTo?: number;
  /** The first rate whose p95 left the plateau of the lowest rates (more than 1.5 times it), or that was not kept up with. */
  knee?: number;
}

export interface OpenLoopLevel {
  /** Target starts per second. */
  rate: number;
  durationMs: number;
  started: number;
  completed: number;
  /** Starts and closes per second achieved over the level. */
  startRate: number;
  completionRate: number;
  p50: number;
  p95: number;
  /** p95 of the level's last third over its first: above 1 latency grew while the rate held. */
  growth: number;
  /** The latest a start was against its schedule (ms): the driver itself falling behind. */
  maxStartLagMs: number;
  keptUp: boolean;
  /** Why not, when not. */
  reason?: string;
}

/** A warm-up runs windows of the workload until their rates agree (steady) or its time bound passes. */
export interface WarmUp {
  /** What warmed up, e.g. `throughput/moneyTransfer c16`. */
  subject: string;
  steady: boolean;
  durationMs: number;
  /** The rate of each window in turn (workflows/s). */
  rates: number[];
}

/** A benchmark the run did not report, and why: a percentile its samples are too few to support, say. */
export interface Omission {
  /** The id the benchmark would have had. */
  id: string;
  reason: string;
}

export interface BenchReport {
  schema: ReportSchema;
  environment: Environment;
  run: RunInfo;
  benchmarks: Benchmark[];
  /** Costs counted per workflow (v2). */
  counted?: CountedBenchmark[];
  /** Benchmarks not reported, and why; `bench compare` shows a base benchmark the head omitted instead of refusing it. */
  omitted?: Omission[];
}

export type BenchmarkSpec = Omit<Benchmark, 'id' | 'summary'>;

/** A benchmark entry with its id and summary filled in from its samples. */
export function benchmark(spec: BenchmarkSpec): Benchmark {
  return { id: `${spec.suite}/${spec.name}`, ...spec, summary: summarize(spec.samples) };
}

/** Read and validate a report file. Throws ReportError naming the file and what is wrong. */
export function readReport(file: string): BenchReport {
  let text: string;
  try {
    // A device such as /dev/zero would never end; a pipe (`<(git show main:base.json)`) is fine.
    const stat = statSync(file);
    if (!stat.isFile() && !stat.isFIFO())
      throw new ReportError(`${file}: cannot read the report (${stat.isDirectory() ? 'is a directory' : 'not a regular file'})`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ReportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportError(
      `${file}: cannot read the report (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    // Editors on Windows may save a byte order mark, which JSON.parse refuses.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ReportError(`${file}: not valid JSON (${oneLine(error)})`, { cause: error });
  }
  return parseReport(value, file);
}
