/**
 * Run benchmark suites and assemble the report. The real parts are started once per run (by BenchContext, on
 * first use) and stopped at the end whatever happens.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { RunRegistry } from '../../base/harness/run-registry.ts';
import { BenchContext, type BenchTarget } from './context.ts';
import { captureEnvironment } from './environment.ts';
import { type Benchmark, type BenchReport, type Omission, REPORT_SCHEMA, type WarmUp } from './report.ts';
import type { BenchSuite } from './suite.ts';

export interface RunOptions {
  /** The project, its system and workloads. */
  target: BenchTarget;
  suites: readonly BenchSuite[];
  quick: boolean;
  /** The throughput suite's concurrency levels, instead of its own. */
  concurrency?: readonly number[];
  /** The activities module used instead of the system's, as the user named it (recorded in the report). */
  activitiesShown?: string;
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
  });
  const benchmarks: Benchmark[] = [];
  const warmUps: WarmUp[] = [];
  const omitted: Omission[] = [];
  let loadAverageMax = os.loadavg()[0]!;
  const sampleLoad = setInterval(() => (loadAverageMax = Math.max(loadAverageMax, os.loadavg()[0]!)), 5_000).unref();
  try {
    // Workflow code that does not bundle is said (file, line, cause) before any server starts.
    if (options.target.system) await context.workflowBundle();
    for (const suite of options.suites) {
      if (context.signal.aborted) break;
      const suiteStarted = performance.now();
      progress(`${suite.name}: ${suite.description}`);
      const result = await suite.run(context, { quick: options.quick, concurrency: options.concurrency, progress });
      benchmarks.push(...result.benchmarks);
      warmUps.push(...(result.warmUps ?? []));
      omitted.push(...(result.omitted ?? []));
      progress(`${suite.name}: done in ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    // Stop everything, but report the failure that ended the run, not a later one from stopping.
    await context.close().catch(() => undefined);
    throw error;
  } finally {
    clearInterval(sampleLoad);
  }
  await context.close();
  loadAverageMax = Math.max(loadAverageMax, os.loadavg()[0]!);
  return {
    schema: REPORT_SCHEMA,
    environment,
    run: {
      suites: options.suites.map((s) => s.name),
      quick: options.quick,
      durationMs: Math.round(performance.now() - started),
      loadAverageMax: Math.round(loadAverageMax * 100) / 100,
      warmUps,
      ...(options.activitiesShown ? { activities: options.activitiesShown } : {}),
    },
    benchmarks,
    ...(omitted.length > 0 ? { omitted } : {}),
  };
}
