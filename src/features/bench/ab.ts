/**
 * A/B in one run: the base and the head measured side by side on the same server and parts, so both see the same
 * neighbours. Each side has a worker process of its own (its code, its task queue, its meter: CPU time and per
 * workflow activities and requests), both polling for the whole run; this process drives, alternating short rounds
 * of the two sides in pairs (rounds.ts), and reads per round the driver's wall clock, the side's worker CPU, the
 * server's and the parts' CPU and the machine's other work. After the rounds every sampled workflow's history is
 * counted (costs.ts). Pairs go on until every primary row could detect the gate's target, within bounds.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import type { MeterReading, WorkflowMeter } from '../../base/harness/worker-meter.ts';
import { startWorkerProcess } from '../../base/harness/workers.ts';
import type { BenchContext } from './context.ts';
import { OtherWork, processCpuMs } from './cpu.ts';
import { runClosedLoop } from './driver.ts';
import { prepareWorkloads } from './end-to-end.ts';
import { comparePaired, enoughPairs } from './paired.ts';
import { type PairOrder, planPairs, type Side, sidesOf } from './rounds.ts';
import type { BenchSide } from './sides.ts';
import { isSteady, quantile } from './stats.ts';
import type { CountedBenchmark, WarmUp } from './report.ts';
import { countedBenchmarks, countWorkflows, sampleIds } from './costs.ts';
import type { CallFactory, Workload } from './workload.ts';

export interface AbPlan {
  /** Pairs per workload and level: at least `min`, at most `max`, in between until every primary row detects `targetPercent`. */
  pairs: { min: number; max: number; targetPercent: number };
  /** Workflows per round at a concurrency level. */
  roundSize(concurrency: number): number;
  /** Warm-up pairs: at least `minPairs`, then until both sides' rates are steady or `maxMs` passed. */
  warmUp: { minPairs: number; maxMs: number };
  /** Stop adding pairs to a workload and level after this long (a bound reached before the target is "cannot judge"). */
  maxDurationMs: number;
}

/**
 * The plan of a run. Full: at least 20 pairs, then blocks of two until every primary row detects 0.8 times the
 * threshold (so a change of 1.4 times it is flagged about 90% of the time), at most 60 pairs or `maxDurationMs`;
 * rounds of max(8, 4 × concurrency) workflows. `--pairs n` fixes the count. Quick: 4 pairs of max(3, concurrency),
 * which can judge counted costs only.
 */
export function abPlan(options: { quick: boolean; pairs?: number; maxDurationMs?: number; thresholdPercent: number }): AbPlan {
  if (options.quick)
    return {
      pairs: { min: 4, max: 4, targetPercent: 0 },
      roundSize: (c) => Math.max(3, c),
      warmUp: { minPairs: 2, maxMs: 0 },
      maxDurationMs: options.maxDurationMs ?? 60_000,
    };
  const fixed = options.pairs;
  return {
    pairs: { min: fixed ?? 20, max: fixed ?? 60, targetPercent: 0.8 * options.thresholdPercent },
    roundSize: (c) => Math.max(8, 4 * c),
    warmUp: { minPairs: 3, maxMs: 15_000 },
    maxDurationMs: options.maxDurationMs ?? 120_000,
  };
}

/** One round of one side: what the driver, the side's worker and the machine measured. */
export interface Round {
  side: Side;
  workflowIds: string[];
  latenciesMs: number[];
  elapsedMs: number;
  workerCpuMs: number;
  /** Absent when the server is not the run's (an external cluster) or accounting is unavailable. */
  serverCpuMs?: number;
  partCpuMs: Record<string, number>;
  otherWorkCores?: number;
}

export interface Pair {
  order: PairOrder;
  base: Round;
  head: Round;
}

/** What an A/B run measured of one workload at one concurrency level. */
export interface LevelMeasurement {
  workload: string;
  concurrency: number;
  roundSize: number;
  pairs: Pair[];
  warmUps: WarmUp[];
}

/** The workers of one side: their task queue and their meter (summed over them, when the side has several). */
export interface SideWorker {
  taskQueue: string;
  /** CPU so far (summed), and per workflow what happened since the previous read. */
  readMeter(): Promise<MeterReading>;
  /** What the meters said of each workflow the side ran, by workflow id. */
  meters: Map<string, WorkflowMeter>;
  /** The worker process's pid, when it is one of this host's. */
  pid?: number;
}

/** Start one metered worker process per side, in the side's root, on a task queue of its own. */
export async function startSideWorkers(context: BenchContext, sides: Record<Side, BenchSide>): Promise<Record<Side, SideWorker>> {
  const [connection, parts] = await Promise.all([context.workerConnection('dev'), context.parts()]);
  const partAddresses = Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.address]));
  const start = async (role: Side): Promise<SideWorker> => {
    const side = sides[role];
    const taskQueue = context.taskQueue(`ab-${role}`);
    const bundle = await workflowBundleFile(side.workflowsPath);
    const worker = await startWorkerProcess({
      name: `worker-${role}`,
      cwd: side.root,
      address: connection.address,
      namespace: connection.namespace,
      ...(connection.tls ? { tls: connection.tls } : {}),
      ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
      taskQueues: [taskQueue],
      bundle,
      activities: side.activitiesPath,
      parts: partAddresses,
      meter: true,
      logFile: path.join(context.dataDir, 'logs', `worker-${role}.log`),
      onSpawn: context.recorder(`worker-${role}`),
    });
    context.defer(() => worker.stop());
    return { taskQueue, readMeter: () => worker.readMeter(), meters: new Map(), pid: worker.pid };
  };
  const [base, head] = await Promise.all([start('base'), start('head')]);
  return { base, head };
}

/** What measuring rounds needs: the driver's client, the side workers, the processes whose CPU is counted. */
export interface RoundContext {
  client: Client;
  workers: Record<Side, SideWorker>;
  serverPids: number[];
  partPids: Record<string, number>;
  otherWork: OtherWork;
  signal: AbortSignal;
}

/** Measure every workload at every level, A/B, and return what each level measured. */
export async function measureAb(
  context: BenchContext,
  rounds: RoundContext,
  workloads: readonly Workload[],
  settings: { plan: AbPlan; concurrency: readonly number[]; seed: number; progress: (line: string) => void; primary: PrimaryMetric },
): Promise<LevelMeasurement[]> {
  const calls = await prepareWorkloads(context, workloads, 'ab');
  const measured: LevelMeasurement[] = [];
  let level = 0;
  for (const workload of workloads) {
    for (const concurrency of settings.concurrency) {
      const call = calls.get(workload.name)!;
      measured.push(
        await measureLevel(rounds, workload, call, concurrency, {
          ...settings,
          seed: settings.seed + 7919 * level++,
          label: `${workload.name} c${concurrency}`,
        }),
      );
    }
  }
  return measured;
}

/** The value of a round a level's primary row judges (p25 latency at concurrency 1, throughput above). */
export type PrimaryMetric = (round: Round, concurrency: number) => { value: number; direction: 'lower-is-better' | 'higher-is-better' };

async function measureLevel(
  rounds: RoundContext,
  workload: Workload,
  call: CallFactory,
  concurrency: number,
  settings: { plan: AbPlan; seed: number; label: string; progress: (line: string) => void; primary: PrimaryMetric },
): Promise<LevelMeasurement> {
  const { plan, progress, label } = settings;
  const size = plan.roundSize(concurrency);
  const run = (side: Side, tag: string): Promise<Round> => runRound(rounds, workload, side, (i) => call(tag, i), concurrency, size);
  const warmUps = await warmUpSides(run, plan, label, progress);
  const orders = planPairs(plan.pairs.max, settings.seed);
  const pairs: Pair[] = [];
  const started = performance.now();
  for (const [index, order] of orders.entries()) {
    const measured: Partial<Record<Side, Round>> = {};
    for (const side of sidesOf(order)) measured[side] = await run(side, `${side}${String(index).padStart(3, '0')}c${concurrency}`);
    pairs.push({ order, base: measured.base!, head: measured.head! });
    const primary = (side: Side): number[] => pairs.map((pair) => settings.primary(pair[side], concurrency).value);
    const direction = settings.primary(pairs[0]!.base, concurrency).direction;
    const detectable = pairs.length >= 2 ? comparePaired(primary('base'), primary('head'), direction).detectablePercent : Infinity;
    progress(
      `${label}: pair ${pairs.length} (${order}): base ${formatRound(measured.base!, concurrency)}, head ${formatRound(measured.head!, concurrency)}` +
        (Number.isFinite(detectable) ? `; detects ${detectable.toFixed(1)}%` : ''),
    );
    if (pairs.length % 2 === 1) continue; // whole blocks only: AB BA cancels drift within the block
    if (enoughPairs(pairs.length, [detectable], plan.pairs)) break;
    if (performance.now() - started > plan.maxDurationMs) {
      progress(`${label}: --max-duration reached after ${pairs.length} pairs`);
      break;
    }
  }
  return { workload: workload.name, concurrency, roundSize: size, pairs, warmUps };
}

function formatRound(round: Round, concurrency: number): string {
  const throughput = round.latenciesMs.length / (round.elapsedMs / 1000);
  return concurrency === 1 ? `p25 ${quantile(round.latenciesMs, 0.25).toFixed(0)} ms` : `${throughput.toFixed(1)} workflows/s`;
}

/** Rounds of both sides in turn until each side's last three rates agree within 20%, after at least `minPairs` pairs. */
async function warmUpSides(
  run: (side: Side, tag: string) => Promise<Round>,
  plan: AbPlan,
  label: string,
  progress: (line: string) => void,
): Promise<WarmUp[]> {
  const started = performance.now();
  const rates: Record<Side, number[]> = { base: [], head: [] };
  for (let pair = 0; ; pair++) {
    for (const side of sidesOf(pair % 2 === 0 ? 'base-first' : 'head-first')) {
      const round = await run(side, `w${side}${pair}`);
      rates[side].push(Math.round((round.latenciesMs.length / (round.elapsedMs / 1000)) * 100) / 100);
    }
    const steady = (['base', 'head'] as const).every((side) => isSteady(rates[side], { windows: 3, tolerance: 0.2 }));
    const durationMs = performance.now() - started;
    if (pair + 1 >= plan.warmUp.minPairs && (steady || durationMs >= plan.warmUp.maxMs)) {
      progress(`${label}: warm-up ${steady ? 'steady' : 'NOT steady'} after ${(durationMs / 1000).toFixed(1)} s (${pair + 1} pairs)`);
      return (['base', 'head'] as const).map((side) => ({
        subject: `throughput/${label} ${side}`,
        steady: isSteady(rates[side], { windows: Math.min(3, rates[side].length), tolerance: 0.2 }),
        durationMs: Math.round(durationMs),
        rates: rates[side],
      }));
    }
  }
}

/** One closed-loop round of `count` workflows on one side, with its meters read before and after. */
async function runRound(
  context: RoundContext,
  workload: Workload,
  side: Side,
  call: (index: number) => { workflowId: string; args: unknown[] },
  concurrency: number,
  count: number,
): Promise<Round> {
  const worker = context.workers[side];
  const workflowIds: string[] = [];
  const before = await worker.readMeter();
  const cpu = (): { server?: number; parts: Record<string, number | undefined> } => ({
    ...(context.serverPids.length > 0 ? { server: sum(context.serverPids.map(processCpuMs)) } : {}),
    parts: Object.fromEntries(Object.entries(context.partPids).map(([part, pid]) => [part, processCpuMs(pid)])),
  });
  const cpuBefore = cpu();
  const otherBefore = context.otherWork.mark();
  const loop = await runClosedLoop({ concurrency, maxCount: count, maxDurationMs: 120_000, signal: context.signal }, async (index) => {
    const { workflowId, args } = call(index);
    workflowIds.push(workflowId);
    const result = await context.client.workflow.execute(workload.workflowType, { taskQueue: worker.taskQueue, workflowId, args });
    workload.expect?.(result);
  });
  const cpuAfter = cpu();
  const otherWorkCores = OtherWork.between(otherBefore, context.otherWork.mark());
  const after = await worker.readMeter();
  for (const [id, meter] of Object.entries({ ...before.perWorkflow, ...after.perWorkflow })) worker.meters.set(id, meter);
  const partCpuMs: Record<string, number> = {};
  for (const [part, value] of Object.entries(cpuAfter.parts))
    if (value !== undefined && cpuBefore.parts[part] !== undefined) partCpuMs[part] = value - cpuBefore.parts[part]!;
  return {
    side,
    workflowIds,
    latenciesMs: loop.latenciesMs,
    elapsedMs: loop.elapsedMs,
    workerCpuMs: (after.cpuUs - before.cpuUs) / 1000,
    ...(cpuBefore.server !== undefined && cpuAfter.server !== undefined ? { serverCpuMs: cpuAfter.server - cpuBefore.server } : {}),
    partCpuMs,
    ...(otherWorkCores === undefined ? {} : { otherWorkCores }),
  };
}

function sum(values: readonly (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined) ? undefined : values.reduce<number>((a, v) => a + v!, 0);
}

/** This host's name, for the processes of the report. */
export const HOST = os.hostname();

/** Count each workload's sampled workflows of both sides (histories and what each side's meter saw). */
export async function countAbSides(
  client: Client,
  measured: readonly LevelMeasurement[],
  workloads: readonly Workload[],
  workers: Record<Side, SideWorker>,
  parts: readonly string[],
): Promise<CountedBenchmark[]> {
  const counted: CountedBenchmark[] = [];
  for (const workload of workloads) {
    const ids = (side: Side): string[] =>
      sampleIds(
        measured
          .filter((level) => level.workload === workload.name)
          .flatMap((level) => level.pairs.flatMap((pair) => pair[side].workflowIds)),
      );
    const [base, head] = await Promise.all(
      (['base', 'head'] as const).map((side) => countWorkflows(client, ids(side), workers[side].meters)),
    );
    counted.push(...countedBenchmarks(workload.name, { base: base!, head: head! }, parts));
  }
  return counted;
}
