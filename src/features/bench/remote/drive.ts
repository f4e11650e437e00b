/**
 * `tempest bench drive`: the load generator of a run spread over hosts. It publishes the run on the cluster (where
 * the parts are), waits for the run's `tempest bench worker` processes to poll, and measures through them:
 *
 * - closed loop (`--concurrency`): the throughput suite's samples, with each worker's CPU per workflow;
 * - open loop (`--rates`, `--hold`): each rate held for the hold, rising until the system no longer keeps up;
 * - A/B (`--ab`): workers of both sides (`bench worker --side base|head`), the A/B rounds and their statistics.
 *
 * Every sampled workflow's history is counted afterwards. The report names every process that measured (each
 * worker with its host's machine) and says that the cluster was not the run's alone.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { RunRegistry } from '../../../base/harness/run-registry.ts';
import type { PartAddress } from '../../../base/system-spec.ts';
import type { ClusterOptions } from '../../replay/record.ts';
import { type AbPlan, countAbSides, HOST, measureAb } from '../ab.ts';
import { pairedBenchmarks, primaryMetric, roundsOtherWork } from '../ab-benchmarks.ts';
import { BenchContext, type BenchTarget } from '../context.ts';
import { countedBenchmarks, countWorkflows, sampleIds } from '../costs.ts';
import { cpuAccountingAvailable, OtherWork } from '../cpu.ts';
import { type ClosedLoopResult, runClosedLoop } from '../driver.ts';
import { loopBenchmarks, prepareWorkloads, warmUp } from '../end-to-end.ts';
import { captureEnvironment } from '../environment.ts';
import { kneeOf, runOpenLoop, summarizeLevel, windows } from '../open-loop.ts';
import {
  type Benchmark,
  benchmark,
  type BenchReport,
  type CountedBenchmark,
  type OpenLoopLevel,
  type OpenLoopSummary,
  type ProcessInfo,
  REPORT_SCHEMA,
  type RunInfo,
  type WarmUp,
} from '../report.ts';
import { quantile } from '../stats.ts';
import { THROUGHPUT_PLANS } from '../suites/throughput.ts';
import type { CallFactory, Workload } from '../workload.ts';
import { publishRun, runTaskQueue } from './channel.ts';
import type { Side } from '../rounds.ts';
import { type ExpectedWorkers, RemoteWorkers } from './workers.ts';
import type { WorkflowMeter } from '../../../base/harness/worker-meter.ts';

export type DriveLoad =
  | { kind: 'closed'; concurrency: readonly number[] }
  | { kind: 'open'; rates: readonly number[]; holdMs: number; maxInFlight: number }
  | { kind: 'ab'; concurrency: readonly number[]; plan: AbPlan; seed: number };

export interface DriveOptions {
  target: BenchTarget;
  run: string;
  external: ClusterOptions;
  /** The parts already running; otherwise the driver starts the system's (reachable from this host only). */
  parts?: Record<string, PartAddress>;
  /** Workers to wait for: of the run (closed, open), or of each side (A/B). */
  workers: number;
  load: DriveLoad;
  quick: boolean;
  waitMs: number;
  dataDir: string;
  signal: AbortSignal;
  registry?: RunRegistry;
  progress: (line: string) => void;
}

/** What one kind of load measured. */
interface Measured {
  benchmarks: Benchmark[];
  counted: CountedBenchmark[];
  warmUps: WarmUp[];
  otherWorkCores: number[];
  openLoop?: RunInfo['openLoop'];
}

interface DriveRun {
  context: BenchContext;
  client: Client;
  remote: RemoteWorkers;
  workloads: readonly Workload[];
  calls: Map<string, CallFactory>;
  parts: string[];
  otherWork: OtherWork;
  options: DriveOptions;
}

export async function driveBenchmarks(options: DriveOptions): Promise<BenchReport> {
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
  try {
    const { client, remote } = await joinWorkers(context, options);
    const workloads = context.workloadsFor('throughput');
    const driverBefore = process.cpuUsage();
    const run: DriveRun = {
      context,
      client,
      remote,
      workloads,
      calls: options.load.kind === 'ab' ? new Map() : await prepareWorkloads(context, workloads, 'drive'),
      parts: Object.keys(context.system.parts),
      otherWork: new OtherWork(() => remote.localPids(HOST)),
      options,
    };
    const measured =
      options.load.kind === 'closed'
        ? await closedLoop(run, options.load)
        : options.load.kind === 'open'
          ? await openLoop(run, options.load)
          : await abLoop(run, options.load);
    const driverCpu = process.cpuUsage(driverBefore);
    const processes: ProcessInfo[] = [
      { id: 'driver', role: 'driver', host: HOST, pid: process.pid, cpuMs: Math.round((driverCpu.user + driverCpu.system) / 1000) },
      ...remote.processes(),
      ...Object.entries(context.partPids()).map(([part, pid]) => ({ id: `part-${part}`, role: 'part' as const, host: HOST, pid })),
    ];
    const cluster = context.clusterInfo('dev');
    await context.close();
    return {
      schema: REPORT_SCHEMA,
      environment,
      run: driveRunInfo(options, measured, { cluster, processes, durationMs: Math.round(performance.now() - started) }),
      benchmarks: measured.benchmarks,
      ...(measured.counted.length > 0 ? { counted: measured.counted } : {}),
    };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Publish the run on the cluster (where the parts are: given, or started here) and wait for its workers; the run's
 * workflow is terminated when the context closes, which stops the workers.
 */
async function joinWorkers(context: BenchContext, options: DriveOptions): Promise<{ client: Client; remote: RemoteWorkers }> {
  const { client } = await context.connectToDevServer('dev');
  const parts = Object.fromEntries(Object.entries(await context.parts()).map(([name, part]) => [name, part.address]));
  const record = await publishRun(client, options.run, { parts, driver: { host: HOST, pid: process.pid } }, 6 * 3600_000);
  context.defer(() => record.end());
  options.progress(`drive: run ${options.run} published on ${options.external.address}; waiting for its workers`);
  const sides: (Side | undefined)[] = options.load.kind === 'ab' ? ['base', 'head'] : [undefined];
  const expected: ExpectedWorkers = sides.map((side) => ({ ...(side ? { side } : {}), count: options.workers }));
  return { client, remote: await RemoteWorkers.await(client, options.run, expected, options) };
}

function driveRunInfo(options: DriveOptions, measured: Measured, run: Pick<RunInfo, 'cluster' | 'processes' | 'durationMs'>): RunInfo {
  return {
    suites: [options.load.kind === 'open' ? 'open-loop' : 'throughput'],
    quick: options.quick,
    durationMs: run.durationMs,
    warmUps: measured.warmUps,
    mode: options.load.kind === 'ab' ? 'ab' : 'single',
    ...(options.load.kind === 'ab' ? { seed: options.load.seed, sides: remoteSides(options.workers) } : {}),
    ...(measured.otherWorkCores.length > 0 ? { otherWorkCores: summary(measured.otherWorkCores) } : {}),
    cpuAccounting: cpuAccountingAvailable() ? 'linux-proc' : 'unavailable',
    ...(run.cluster ? { cluster: run.cluster } : {}),
    ...(run.processes ? { processes: run.processes } : {}),
    ...(measured.openLoop ? { openLoop: measured.openLoop } : {}),
  };
}

function remoteSides(workers: number): NonNullable<RunInfo['sides']> {
  const side = (role: string) => ({
    label: `${workers} bench worker${workers === 1 ? '' : 's'} --side ${role}`,
    gitSha: 'unknown',
    gitDirty: null,
    workflows: 'the workers’',
    activities: 'the workers’',
  });
  return { base: side('base'), head: side('head') };
}

function summary(cores: readonly number[]): { median: number; max: number } {
  return { median: Math.round(quantile(cores, 0.5) * 100) / 100, max: Math.round(Math.max(...cores) * 100) / 100 };
}

const execute = (run: DriveRun, workload: Workload, taskQueue: string) => async (call: { workflowId: string; args: unknown[] }) => {
  const result = await run.client.workflow.execute(workload.workflowType, { taskQueue, workflowId: call.workflowId, args: call.args });
  workload.expect?.(result);
};

/** One closed-loop sample through the remote workers: its loop, the workers' CPU, its workflow ids, other work. */
interface ClosedSample {
  loop: ClosedLoopResult;
  cpuMs: number;
  ids: string[];
  other?: number;
}

/** The throughput suite's plan through the remote workers: warm-up, samples round-robin, CPU per workflow of the workers. */
async function closedLoop(run: DriveRun, load: { concurrency: readonly number[] }): Promise<Measured> {
  const plan = { ...(run.options.quick ? THROUGHPUT_PLANS.quick : THROUGHPUT_PLANS.full), concurrency: load.concurrency };
  const meters = new Map<string, WorkflowMeter>();
  const warmUps: WarmUp[] = [];
  const highest = Math.max(...plan.concurrency);
  for (const workload of run.workloads) {
    const go = execute(run, workload, runTaskQueue(run.options.run));
    const call = run.calls.get(workload.name)!;
    const options = { concurrency: highest, quick: run.options.quick, progress: run.options.progress };
    warmUps.push(await warmUp(run.context, `throughput/${workload.name} c${highest}`, options, (i) => go(call('warmup', i))));
  }
  const samples = new Map<string, ClosedSample[]>();
  for (let sample = 0; sample < plan.samples; sample++) {
    for (const workload of run.workloads) {
      for (const level of plan.concurrency) {
        const key = `${workload.name}/c${level}`;
        const measured = await closedSample(run, workload, level, `s${sample}c${level}`, plan, meters);
        samples.set(key, [...(samples.get(key) ?? []), measured]);
        run.options.progress(
          `drive: ${key} sample ${sample + 1}/${plan.samples}: ${measured.loop.throughputPerSec.toFixed(1)} workflows/s, p50 ${quantile(measured.loop.latenciesMs, 0.5).toFixed(0)} ms, workers ${(measured.cpuMs / measured.loop.completed).toFixed(1)} ms CPU/workflow`,
        );
      }
    }
  }
  const benchmarks = run.workloads.flatMap((workload) =>
    plan.concurrency.flatMap((level) =>
      closedBenchmarks(workload.name, level, samples.get(`${workload.name}/c${level}`)!, plan, run.remote.sides.size),
    ),
  );
  const idsOf = (workload: string): string[] =>
    [...samples].filter(([key]) => key.startsWith(`${workload}/`)).flatMap(([, list]) => list.flatMap((s) => s.ids));
  const otherWorkCores = [...samples.values()].flatMap((list) => list.flatMap((s) => (s.other === undefined ? [] : [s.other])));
  return { benchmarks, counted: await countAll(run, idsOf, meters), warmUps, otherWorkCores };
}

async function closedSample(
  run: DriveRun,
  workload: Workload,
  level: number,
  tag: string,
  plan: { minCount: number; perCaller: number; maxDurationMs: number },
  meters: Map<string, WorkflowMeter>,
): Promise<ClosedSample> {
  const ids = [...run.remote.sides.keys()];
  const call = run.calls.get(workload.name)!;
  const go = execute(run, workload, runTaskQueue(run.options.run));
  const workflowIds: string[] = [];
  const before = await run.remote.readAll(ids, false);
  const mark = run.otherWork.mark();
  const maxCount = Math.max(plan.minCount, plan.perCaller * level);
  const loop = await runClosedLoop({ concurrency: level, maxCount, maxDurationMs: plan.maxDurationMs, signal: run.options.signal }, (i) => {
    const next = call(tag, i);
    workflowIds.push(next.workflowId);
    return go(next);
  });
  const other = OtherWork.between(mark, run.otherWork.mark());
  const after = await run.remote.readAll(ids, true);
  for (const [id, meter] of Object.entries({ ...before.perWorkflow, ...after.perWorkflow })) meters.set(id, meter);
  return { loop, cpuMs: (after.cpuUs - before.cpuUs) / 1000, ids: workflowIds, ...(other === undefined ? {} : { other }) };
}

/** A level's throughput and latency rows (as the local suite's) and the workers' CPU per workflow. */
function closedBenchmarks(
  workload: string,
  level: number,
  samples: readonly ClosedSample[],
  plan: { minCount: number; perCaller: number; maxDurationMs: number },
  workers: number,
): Benchmark[] {
  const maxCount = Math.max(plan.minCount, plan.perCaller * level);
  const loops = samples.map((s) => s.loop);
  return [
    ...loopBenchmarks(loops, {
      suite: 'throughput',
      workflow: workload,
      concurrency: level,
      bounds: { maxCount, maxDurationMs: plan.maxDurationMs },
    }).benchmarks,
    benchmark({
      suite: 'costs',
      name: `${workload}/c${level}/worker-cpu`,
      unit: 'ms CPU/workflow',
      direction: 'lower-is-better',
      samples: samples.map((s) => s.cpuMs / s.loop.completed),
      params: { workflow: workload, concurrency: level, workers, metric: 'worker-cpu' },
      role: 'supporting',
    }),
  ];
}

async function countAll(
  run: DriveRun,
  idsOf: (workload: string) => string[],
  meters: ReadonlyMap<string, WorkflowMeter>,
): Promise<CountedBenchmark[]> {
  const counted: CountedBenchmark[] = [];
  for (const workload of run.workloads) {
    const costs = await countWorkflows(run.client, sampleIds(idsOf(workload.name)), meters);
    counted.push(...countedBenchmarks(workload.name, { head: costs }, run.parts));
  }
  return counted;
}

/** Workflows of a window whose p95 the window supports. */
const WINDOW = 40;

/**
 * Each workload at each rate, ascending, held for the hold; stops at the first rate not kept up with (going higher
 * only piles up more open workflows). Per rate: p50 and p95 of each window of 40 workflows (the samples), and the
 * level's summary; the run's openLoop says, per workload, the highest rate kept up with and the knee.
 */
async function openLoop(run: DriveRun, load: { rates: readonly number[]; holdMs: number; maxInFlight: number }): Promise<Measured> {
  const meters = new Map<string, WorkflowMeter>();
  const benchmarks: Benchmark[] = [];
  const summaries: OpenLoopSummary[] = [];
  const workflowIds = new Map<string, string[]>();
  const otherWorkCores: number[] = [];
  for (const workload of run.workloads) {
    const ids: string[] = [];
    workflowIds.set(workload.name, ids);
    const levels: OpenLoopLevel[] = [];
    const go = execute(run, workload, runTaskQueue(run.options.run));
    const call = run.calls.get(workload.name)!;
    const options = { concurrency: 4, quick: run.options.quick, progress: run.options.progress };
    await warmUp(run.context, `open-loop/${workload.name}`, options, (i) => go(call('warmup', i)));
    for (const rate of [...load.rates].sort((a, b) => a - b)) {
      const measured = await openLevel(run, workload, rate, load, meters, ids);
      if (measured.otherWorkCores !== undefined) otherWorkCores.push(measured.otherWorkCores);
      levels.push(measured.level);
      benchmarks.push(...openLoopBenchmarks(workload.name, rate, measured.windows));
      if (!measured.level.keptUp) break;
    }
    summaries.push({ workload: workload.name, levels, ...kneeOf(levels) });
  }
  const counted = await countAll(run, (name) => workflowIds.get(name) ?? [], meters);
  return { benchmarks, counted, warmUps: [], otherWorkCores, openLoop: summaries };
}

/** One rate held: its summary, its windows' latencies, the workers' meters, other work. */
async function openLevel(
  run: DriveRun,
  workload: Workload,
  rate: number,
  load: { holdMs: number; maxInFlight: number },
  meters: Map<string, WorkflowMeter>,
  ids: string[],
): Promise<{ level: OpenLoopLevel; windows: number[][]; otherWorkCores?: number }> {
  const workers = [...run.remote.sides.keys()];
  const go = execute(run, workload, runTaskQueue(run.options.run));
  const call = run.calls.get(workload.name)!;
  const before = await run.remote.readAll(workers, false);
  const mark = run.otherWork.mark();
  const options = { rate, durationMs: load.holdMs, maxInFlight: load.maxInFlight, drainMs: 30_000, signal: run.options.signal };
  const result = await runOpenLoop(options, (i) => {
    const next = call(`r${rate}`, i);
    ids.push(next.workflowId);
    return go(next);
  });
  const other = OtherWork.between(mark, run.otherWork.mark());
  const after = await run.remote.readAll(workers, true);
  for (const [id, meter] of Object.entries({ ...before.perWorkflow, ...after.perWorkflow })) meters.set(id, meter);
  const level = summarizeLevel(result);
  const cpu = (after.cpuUs - before.cpuUs) / 1000 / Math.max(1, level.completed);
  run.options.progress(
    `drive: ${workload.name} at ${rate}/s for ${load.holdMs / 1000} s: started ${level.startRate}/s, closed ${level.completionRate}/s, p50 ${level.p50} ms, p95 ${level.p95} ms (x${level.growth} over the hold), workers ${cpu.toFixed(1)} ms CPU/workflow: ${level.keptUp ? 'kept up' : `NOT kept up (${level.reason})`}`,
  );
  return { level, windows: windows(result, WINDOW), ...(other === undefined ? {} : { otherWorkCores: other }) };
}

function openLoopBenchmarks(workload: string, rate: number, windowed: number[][]): Benchmark[] {
  if (windowed.length === 0) return [];
  return ([50, 95] as const).map((p) =>
    benchmark({
      suite: 'open-loop',
      name: `${workload}/r${rate}/latency-p${p}`,
      unit: 'ms',
      direction: 'lower-is-better',
      samples: windowed.map((latencies) => quantile(latencies, p / 100)),
      params: { workflow: workload, rate, window: WINDOW, metric: `latency-p${p}` },
      role: p === 95 ? 'primary' : 'supporting',
    }),
  );
}

/** The A/B rounds through the remote workers of both sides. */
async function abLoop(run: DriveRun, load: { concurrency: readonly number[]; plan: AbPlan; seed: number }): Promise<Measured> {
  const workers = {
    base: run.remote.side('base', runTaskQueue(run.options.run, 'base')),
    head: run.remote.side('head', runTaskQueue(run.options.run, 'head')),
  };
  const rounds = {
    client: run.client,
    workers,
    serverPids: [],
    partPids: run.context.partPids(),
    otherWork: run.otherWork,
    signal: run.options.signal,
  };
  const measured = await measureAb(run.context, rounds, run.workloads, { ...load, progress: run.options.progress, primary: primaryMetric });
  return {
    benchmarks: measured.flatMap((level) => pairedBenchmarks(level, run.parts)),
    counted: await countAbSides(run.client, measured, run.workloads, workers, run.parts),
    warmUps: measured.flatMap((level) => level.warmUps),
    otherWorkCores: roundsOtherWork(measured),
  };
}
