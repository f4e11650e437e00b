/**
 * Run benchmark suites and assemble the report. The real parts are started once per run (by BenchContext, on
 * first use) and stopped at the end whatever happens. A single run measures the project as it is; an A/B run
 * (`ab`) measures a base and a head side by side, in pairs of rounds, and its report holds both.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { RunRegistry } from '../../base/harness/run-registry.ts';
import type { PartAddress } from '../../base/system-spec.ts';
import type { ClusterOptions } from '../replay/record.ts';
import { BenchContext, type BenchTarget } from './context.ts';
import { cpuAccountingAvailable, OtherWork, type OtherWorkMark } from './cpu.ts';
import { captureEnvironment } from './environment.ts';
import { type BenchReport, REPORT_SCHEMA, type RunInfo, type SideInfo } from './report.ts';
import type { AbSettings, BenchSuite, SuiteResult } from './suite.ts';
import { quantile } from './stats.ts';
import type { BenchSide } from './sides.ts';

export interface RunOptions {
  /** The project, its system and workloads. */
  target: BenchTarget;
  suites: readonly BenchSuite[];
  quick: boolean;
  /** The throughput suite's concurrency levels, instead of its own. */
  concurrency?: readonly number[];
  /** The activities module used instead of the system's, as the user named it (recorded in the report). */
  activitiesShown?: string;
  /** A/B: measure these two sides in pairs of rounds (every suite must have an `ab`). */
  ab?: AbSettings;
  /** Measure on this existing cluster instead of a dev server of the run's own. */
  external?: ClusterOptions;
  /** The system's parts already run at these addresses: use them instead of starting them. */
  parts?: Record<string, PartAddress>;
  /** Services' databases and server logs go here. */
  dataDir: string;
  signal?: AbortSignal;
  /** Where every server the run starts is recorded, so a later run ends them if this one is killed. */
  registry?: RunRegistry;
  progress?: (line: string) => void;
}

export async function runBenchmarks(options: RunOptions): Promise<BenchReport> {
  const progress = options.progress ?? (() => undefined);
  const environment = captureEnvironment(options.target.project.root);
  const started = performance.now();
  const context = BenchContext.create({
    target: options.target,
    dataDir: options.dataDir,
    signal: options.signal,
    registry: options.registry,
    external: options.external,
    parts: options.parts,
  });
  const results: SuiteResult[] = [];
  const load = sampleLoad();
  try {
    // Workflow code that does not bundle is said (file, line, cause) before any server starts.
    if (options.target.system && !options.ab) await context.workflowBundle();
    for (const suite of options.suites) {
      if (context.signal.aborted) break;
      const suiteStarted = performance.now();
      progress(`${suite.name}: ${suite.description}${options.ab ? ' (A/B)' : ''}`);
      const settings = { quick: options.quick, concurrency: options.concurrency, progress };
      results.push(await (options.ab ? suite.ab!(context, { ...settings, ...options.ab }) : suite.run(context, settings)));
      progress(`${suite.name}: done in ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    // Stop everything, but report the failure that ended the run, not a later one from stopping.
    await context.close().catch(() => undefined);
    throw error;
  } finally {
    load.stop();
  }
  await context.close();
  return {
    schema: REPORT_SCHEMA,
    environment,
    run: runInfo(options, results, load.result(), Math.round(performance.now() - started)),
    benchmarks: results.flatMap((r) => r.benchmarks),
    ...optionalList(
      'counted',
      results.flatMap((r) => r.counted ?? []),
    ),
    ...optionalList(
      'omitted',
      results.flatMap((r) => r.omitted ?? []),
    ),
  };
}

function optionalList<K extends string, T>(key: K, list: T[]): Partial<Record<K, T[]>> {
  return list.length > 0 ? ({ [key]: list } as Record<K, T[]>) : {};
}

function runInfo(options: RunOptions, results: SuiteResult[], load: LoadResult, durationMs: number): RunInfo {
  // An A/B run measured other work per round; a single run samples it every second over the whole run.
  const rounds = results.flatMap((r) => r.otherWorkCores ?? []);
  const otherWork = rounds.length > 0 ? summary(rounds) : load.otherWork;
  const cluster = results.find((r) => r.cluster)?.cluster;
  const processes = results.flatMap((r) => r.processes ?? []);
  return {
    suites: options.suites.map((s) => s.name),
    quick: options.quick,
    durationMs,
    loadAverageMax: load.loadAverageMax,
    warmUps: results.flatMap((r) => r.warmUps ?? []),
    ...(options.activitiesShown ? { activities: options.activitiesShown } : {}),
    mode: options.ab ? 'ab' : 'single',
    ...(options.ab
      ? { seed: options.ab.seed, sides: { base: sideInfo(options.ab.sides.base), head: sideInfo(options.ab.sides.head) } }
      : {}),
    ...(otherWork ? { otherWorkCores: otherWork } : {}),
    cpuAccounting: cpuAccountingAvailable() ? 'linux-proc' : 'unavailable',
    ...(cluster ? { cluster } : {}),
    ...(processes.length > 0 ? { processes } : {}),
  };
}

function sideInfo(side: BenchSide): SideInfo {
  return {
    label: side.label,
    gitSha: side.gitSha,
    gitDirty: side.gitDirty,
    workflows: side.workflowsPath,
    activities: side.activitiesPath,
  };
}

function summary(cores: readonly number[]): { median: number; max: number } {
  return { median: Math.round(quantile(cores, 0.5) * 100) / 100, max: Math.round(Math.max(...cores) * 100) / 100 };
}

interface LoadResult {
  loadAverageMax: number;
  otherWork?: { median: number; max: number };
}

/** The 1-minute load average's maximum and the other work of each second, sampled while the run goes on. */
function sampleLoad(): { stop(): void; result(): LoadResult } {
  let loadAverageMax = os.loadavg()[0]!;
  const gauge = new OtherWork();
  let mark: OtherWorkMark | undefined = gauge.mark();
  const cores: number[] = [];
  const sampleOther = setInterval(() => {
    const next = gauge.mark();
    const measured = OtherWork.between(mark, next);
    if (measured !== undefined) cores.push(measured);
    mark = next;
  }, 1_000).unref();
  const sample = setInterval(() => (loadAverageMax = Math.max(loadAverageMax, os.loadavg()[0]!)), 5_000).unref();
  return {
    stop: () => {
      clearInterval(sample);
      clearInterval(sampleOther);
      loadAverageMax = Math.max(loadAverageMax, os.loadavg()[0]!);
    },
    result: () => ({ loadAverageMax: Math.round(loadAverageMax * 100) / 100, ...(cores.length > 0 ? { otherWork: summary(cores) } : {}) }),
  };
}
