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
import { type AbPlan, HOST, measureAb } from '../ab.ts';
import { otherWorkOf, pairedBenchmarks, primaryMetric } from '../ab-benchmarks.ts';
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
  type ProcessInfo,
  REPORT_SCHEMA,
  type RunInfo,
  type WarmUp,
} from '../report.ts';
import { quantile } from '../stats.ts';
import { THROUGHPUT_PLANS } from '../suites/throughput.ts';
import type { CallFactory, Workload } from '../workload.ts';
import { publishRun, runTaskQueue } from './channel.ts';
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
    const connections = await context.connectToDevServer('dev');
    const parts = await context.parts();
    const record = await publishRun(
      connections.client,
      options.run,
      {
        parts: Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.address])),
        driver: { host: HOST, pid: process.pid },
      },
      6 * 3600_000,
    );
    context.defer(() => record.end());
    options.progress(`drive: run ${options.run} published on ${options.external.address}; waiting for its workers`);
    const expected: ExpectedWorkers =
      options.load.kind === 'ab'
        ? [
            { side: 'base', count: options.workers },
            { side: 'head', count: options.workers },
          ]
        : [{ count: options.workers }];
    const remote = await RemoteWorkers.await(connections.client, options.run, expected, options);
    const workloads = context.workloadsFor('throughput');
    const driverBefore = process.cpuUsage();
    const run: DriveRun = {
      context,
      client: connections.client,
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
    await context.close();
    return {
      schema: REPORT_SCHEMA,
      environment,
      run: {
        suites: [options.load.kind === 'open' ? 'open-loop' : 'throughput'],
        quick: options.quick,
        durationMs: Math.round(performance.now() - started),
        warmUps: measured.warmUps,
        mode: options.load.kind === 'ab' ? 'ab' : 'single',
        ...(options.load.kind === 'ab' ? { seed: options.load.seed, sides: remoteSides(options.workers) } : {}),
        ...(measured.otherWorkCores.length > 0 ? { otherWorkCores: summary(measured.otherWorkCores) } : {}),
        cpuAccounting: cpuAccountingAvailable() ? 'linux-proc' : 'unavailable',
        cluster: context.clusterInfo('dev'),
        processes,
        ...(measured.openLoop ? { openLoop: measured.openLoop } : {}),
      },
      benchmarks: measured.benchmarks,
      ...(measured.counted.length > 0 ? { counted: measured.counted } : {}),
    };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
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

/** The throughput suite's plan through the remote workers: warm-up, samples round-robin, CPU per workflow of the workers. */
async function closedLoop(run: DriveRun, load: { concurrency: readonly number[] }): Promise<Measured> {
  const plan = { ...(run.options.quick ? THROUGHPUT_PLANS.quick : THROUGHPUT_PLANS.full), concurrency: load.concurrency };
  const taskQueue = runTaskQueue(run.options.run);
  const ids = [...run.remote.sides.keys()];
  const meters = new Map<string, WorkflowMeter>();
  const warmUps: WarmUp[] = [];
  const results = new Map<string, { loop: ClosedLoopResult; cpuMs: number; ids: string[]; other?: number }[]>();
  for (const workload of run.workloads) {
    const call = run.calls.get(workload.name)!;
    const go = execute(run, workload, taskQueue);
    const highest = Math.max(...plan.concurrency);
    warmUps.push(
      await warmUp(
        run.context,
        `throughput/${workload.name} c${highest}`,
        { concurrency: highest, quick: run.options.quick, progress: run.options.progress },
        (i) => go(call('warmup', i)),
      ),
    );
  }
  await run.remote.readAll(ids, false);
  for (let sample = 0; sample < plan.samples; sample++) {
    for (const workload of run.workloads) {
      for (const level of plan.concurrency) {
        const call = run.calls.get(workload.name)!;
        const go = execute(run, workload, taskQueue);
        const workflowIds: string[] = [];
        const before = await run.remote.readAll(ids, false);
        const mark = run.otherWork.mark();
        const loop = await runClosedLoop(
          {
            concurrency: level,
            maxCount: Math.max(plan.minCount, plan.perCaller * level),
            maxDurationMs: plan.maxDurationMs,
            signal: run.options.signal,
          },
          (i) => {
            const next = call(`s${sample}c${level}`, i);
            workflowIds.push(next.workflowId);
            return go(next);
          },
        );
        const other = OtherWork.between(mark, run.otherWork.mark());
        const after = await run.remote.readAll(ids, true);
        for (const [id, meter] of Object.entries({ ...before.perWorkflow, ...after.perWorkflow })) meters.set(id, meter);
        const key = `${workload.name}/c${level}`;
        results.set(key, [
          ...(results.get(key) ?? []),
          { loop, cpuMs: (after.cpuUs - before.cpuUs) / 1000, ids: workflowIds, ...(other === undefined ? {} : { other }) },
        ]);
        run.options.progress(
          `drive: ${key} sample ${sample + 1}/${plan.samples}: ${loop.throughputPerSec.toFixed(1)} workflows/s, p50 ${quantile(loop.latenciesMs, 0.5).toFixed(0)} ms, workers ${((after.cpuUs - before.cpuUs) / 1000 / loop.completed).toFixed(1)} ms CPU/workflow`,
        );
      }
    }
  }
  const benchmarks: Benchmark[] = [];
  for (const workload of run.workloads) {
    for (const level of plan.concurrency) {
      const samples = results.get(`${workload.name}/c${level}`)!;
      const maxCount = Math.max(plan.minCount, plan.perCaller * level);
      benchmarks.push(
        ...loopBenchmarks(
          'throughput',
          workload.name,
          level,
          samples.map((s) => s.loop),
          { maxCount, maxDurationMs: plan.maxDurationMs },
        ).benchmarks,
      );
      benchmarks.push(
        benchmark({
          suite: 'costs',
          name: `${workload.name}/c${level}/worker-cpu`,
          unit: 'ms CPU/workflow',
          direction: 'lower-is-better',
          samples: samples.map((s) => s.cpuMs / s.loop.completed),
          params: { workflow: workload.name, concurrency: level, workers: ids.length, metric: 'worker-cpu' },
          role: 'supporting',
        }),
      );
    }
  }
  const counted = await countAll(
    run,
    (workload) => [...results].filter(([key]) => key.startsWith(`${workload}/`)).flatMap(([, s]) => s.flatMap((x) => x.ids)),
    meters,
  );
  const otherWorkCores = [...results.values()].flatMap((s) => s.flatMap((x) => (x.other === undefined ? [] : [x.other])));
  return { benchmarks, counted, warmUps, otherWorkCores };
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
 * level's summary; the run's openLoop says the highest rate kept up with and the knee.
 */
async function openLoop(run: DriveRun, load: { rates: readonly number[]; holdMs: number; maxInFlight: number }): Promise<Measured> {
  const taskQueue = runTaskQueue(run.options.run);
  const ids = [...run.remote.sides.keys()];
  const meters = new Map<string, WorkflowMeter>();
  const benchmarks: Benchmark[] = [];
  const levels: OpenLoopLevel[] = [];
  const workflowIds: Record<string, string[]> = {};
  const otherWorkCores: number[] = [];
  const workload = run.workloads[0]!;
  const call = run.calls.get(workload.name)!;
  const go = execute(run, workload, taskQueue);
  await warmUp(
    run.context,
    `open-loop/${workload.name}`,
    { concurrency: 4, quick: run.options.quick, progress: run.options.progress },
    (i) => go(call('warmup', i)),
  );
  for (const rate of [...load.rates].sort((a, b) => a - b)) {
    const before = await run.remote.readAll(ids, false);
    const mark = run.otherWork.mark();
    const result = await runOpenLoop(
      { rate, durationMs: load.holdMs, maxInFlight: load.maxInFlight, drainMs: 30_000, signal: run.options.signal },
      (i) => {
        const next = call(`r${rate}`, i);
        (workflowIds[workload.name] ??= []).push(next.workflowId);
        return go(next);
      },
    );
    const other = OtherWork.between(mark, run.otherWork.mark());
    if (other !== undefined) otherWorkCores.push(other);
    const after = await run.remote.readAll(ids, true);
    for (const [id, meter] of Object.entries({ ...before.perWorkflow, ...after.perWorkflow })) meters.set(id, meter);
    const level = summarizeLevel(result);
    levels.push(level);
    run.options.progress(
      `drive: ${workload.name} at ${rate}/s for ${load.holdMs / 1000} s: started ${level.startRate}/s, closed ${level.completionRate}/s, p50 ${level.p50} ms, p95 ${level.p95} ms (x${level.growth} over the hold), workers ${((after.cpuUs - before.cpuUs) / 1000 / Math.max(1, level.completed)).toFixed(1)} ms CPU/workflow: ${level.keptUp ? 'kept up' : `NOT kept up (${level.reason})`}`,
    );
    benchmarks.push(...openLoopBenchmarks(workload.name, rate, windows(result, WINDOW)));
    if (!level.keptUp) break;
  }
  const counted = await countAll(run, (name) => workflowIds[name] ?? [], meters);
  return { benchmarks, counted, warmUps: [], otherWorkCores, openLoop: { workload: workload.name, levels, ...kneeOf(levels) } };
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
  const measured = await measureAb(
    run.context,
    { client: run.client, workers, serverPids: [], partPids: run.context.partPids(), otherWork: run.otherWork, signal: run.options.signal },
    run.workloads,
    { plan: load.plan, concurrency: load.concurrency, seed: load.seed, progress: run.options.progress, primary: primaryMetric },
  );
  const counted: CountedBenchmark[] = [];
  for (const workload of run.workloads) {
    const ids = (side: 'base' | 'head') =>
      sampleIds(
        measured
          .filter((level) => level.workload === workload.name)
          .flatMap((level) => level.pairs.flatMap((pair) => pair[side].workflowIds)),
      );
    const [base, head] = await Promise.all(
      (['base', 'head'] as const).map((side) => countWorkflows(run.client, ids(side), workers[side].meters)),
    );
    counted.push(...countedBenchmarks(workload.name, { base: base!, head: head! }, run.parts));
  }
  const other = otherWorkOf(measured);
  return {
    benchmarks: measured.flatMap((level) => pairedBenchmarks(level, run.parts)),
    counted,
    warmUps: measured.flatMap((level) => level.warmUps),
    otherWorkCores: other ? measured.flatMap((l) => l.pairs.flatMap((p) => [p.base.otherWorkCores ?? 0, p.head.otherWorkCores ?? 0])) : [],
  };
}
