/**
 * End-to-end throughput: the project's workloads on the dev server with the system's real parts, driven by the
 * closed-loop driver at several concurrency levels. Per workflow and concurrency: workflows closed per second and
 * start-to-close latency percentiles (p50, and p95 or p99 only when every run closed enough workflows to support
 * them), one value per repeated run (the samples), after a warm-up that runs until the rate is steady.
 * Repeated runs go round-robin over every workflow and concurrency, so slow drift of the machine (or of the
 * services' growing databases) spreads over all of them instead of biasing the last.
 */
import { type ClosedLoopResult, runClosedLoop } from '../driver.ts';
import { harnessWorkers, loopBenchmarks, prepareWorkloads, warmUp } from '../end-to-end.ts';
import type { Omission, WarmUp } from '../report.ts';
import { quantile } from '../stats.ts';
import type { BenchContext, BenchServer } from '../context.ts';
import type { AbSettings, BenchSuite, SuiteResult, SuiteSettings } from '../suite.ts';
import { measureAb, type LevelMeasurement, startSideWorkers, HOST } from '../ab.ts';
import { otherWorkOf, pairedBenchmarks, primaryMetric } from '../ab-benchmarks.ts';
import { countedBenchmarks, countWorkflows, sampleIds } from '../costs.ts';
import { OtherWork } from '../cpu.ts';
import type { Side } from '../rounds.ts';

export interface ThroughputPlan {
  concurrency: readonly number[];
  samples: number;
  /** Each sample starts max(minCount, perCaller * concurrency) workflows, or stops at maxDurationMs. */
  minCount: number;
  perCaller: number;
  maxDurationMs: number;
}

// 40 workflows a run at least: enough for each run's p95 (minSamplesForPercentile).
export const THROUGHPUT_PLANS: { full: ThroughputPlan; quick: ThroughputPlan } = {
  full: { concurrency: [1, 4, 16], samples: 6, minCount: 40, perCaller: 6, maxDurationMs: 6_000 },
  quick: { concurrency: [1, 4], samples: 3, minCount: 4, perCaller: 2, maxDurationMs: 2_000 },
};

/** The throughput suite on one Temporal: `name` is the suite's, and its benchmarks' prefix. */
function throughputOn(name: string, on: BenchServer, description: string): BenchSuite {
  return {
    name,
    description,
    // The services cluster is five more processes and a PostgreSQL: measured when asked for, next to the dev server.
    optIn: on === 'services',
    async run(context, { quick, concurrency, progress }) {
      const plan: ThroughputPlan = { ...(quick ? THROUGHPUT_PLANS.quick : THROUGHPUT_PLANS.full), ...(concurrency ? { concurrency } : {}) };
      const workloads = context.workloadsFor('throughput');
      if (workloads.length === 0) return { benchmarks: [] };
      const [execute, calls] = await Promise.all([
        harnessWorkers(context, name, undefined, on, { meter: true }),
        prepareWorkloads(context, workloads, on === 'dev' ? 'tp' : 'tps'),
      ]);
      try {
        const warmUps: WarmUp[] = [];
        const highest = Math.max(...plan.concurrency);
        for (const workload of workloads) {
          const call = calls.get(workload.name)!;
          warmUps.push(
            await warmUp(context, `${name}/${workload.name} c${highest}`, { concurrency: highest, quick, progress }, (i) =>
              execute.run(workload, call('warmup', i)),
            ),
          );
        }
        const results = new Map<string, ClosedLoopResult[]>();
        const measuredIds = new Map<string, string[]>();
        for (let sample = 0; sample < plan.samples; sample++) {
          for (const workload of workloads) {
            for (const level of plan.concurrency) {
              const maxCount = Math.max(plan.minCount, plan.perCaller * level);
              const call = calls.get(workload.name)!;
              const ids = measuredIds.get(workload.name) ?? [];
              measuredIds.set(workload.name, ids);
              const result = await runClosedLoop(
                { concurrency: level, maxCount, maxDurationMs: plan.maxDurationMs, signal: context.signal },
                (i) => {
                  const next = call(`s${sample}c${level}`, i);
                  ids.push(next.workflowId);
                  return execute.run(workload, next);
                },
              );
              const key = `${workload.name}/c${level}`;
              results.set(key, [...(results.get(key) ?? []), result]);
              progress(
                `${name}: ${key} sample ${sample + 1}/${plan.samples}: ${result.throughputPerSec.toFixed(1)} workflows/s, p50 ${quantile(result.latenciesMs, 0.5).toFixed(0)} ms (${result.completed} workflows)`,
              );
            }
          }
        }
        const omitted: Omission[] = [];
        const benchmarks = workloads.flatMap((workload) =>
          plan.concurrency.flatMap((level) => {
            const maxCount = Math.max(plan.minCount, plan.perCaller * level);
            const measured = loopBenchmarks(name, workload.name, level, results.get(`${workload.name}/c${level}`)!, {
              maxCount,
              maxDurationMs: plan.maxDurationMs,
            });
            omitted.push(...measured.omitted);
            return measured.benchmarks;
          }),
        );
        const parts = Object.keys(context.system.parts);
        const counted = [];
        for (const workload of workloads) {
          const costs = await countWorkflows(execute.client, sampleIds(measuredIds.get(workload.name) ?? []), execute.meters());
          counted.push(...countedBenchmarks(workload.name, { head: costs }, parts, on === 'dev' ? 'costs' : 'costs-services'));
        }
        return { benchmarks, counted, warmUps, omitted, cluster: context.clusterInfo(on) };
      } finally {
        await execute.stop();
      }
    },
    ...(on === 'dev' ? { ab: (context: BenchContext, settings: SuiteSettings & AbSettings) => throughputAb(context, settings) } : {}),
  };
}

/**
 * The suite A/B: every workload at every level (quick: the lowest only) in pairs of rounds, then each side's sampled
 * workflows counted. Processes: this driver, each side's worker, the server and the parts, with their CPU time.
 */
async function throughputAb(context: BenchContext, settings: SuiteSettings & AbSettings): Promise<SuiteResult> {
  const workloads = context.workloadsFor('throughput');
  if (workloads.length === 0) return { benchmarks: [] };
  const levels = settings.concurrency ?? THROUGHPUT_PLANS.full.concurrency;
  const concurrency = settings.quick ? [Math.min(...levels)] : levels;
  const [connections, workers] = await Promise.all([context.connectToDevServer('dev'), startSideWorkers(context, settings.sides)]);
  const parts = Object.keys(context.system.parts);
  try {
    const rounds = {
      client: connections.client,
      workers,
      serverPids: await context.serverPids('dev'),
      partPids: context.partPids(),
      otherWork: new OtherWork(),
      signal: context.signal,
    };
    const driverBefore = process.cpuUsage();
    const measured = await measureAb(context, rounds, workloads, {
      plan: settings.plan,
      concurrency,
      seed: settings.seed,
      progress: settings.progress,
      primary: primaryMetric,
    });
    const driverCpu = process.cpuUsage(driverBefore);
    settings.progress(`throughput: counting the histories of up to ${2 * 160} workflows per workload`);
    const counted = [];
    for (const workload of workloads) {
      const ids = (side: Side): string[] =>
        sampleIds(
          measured
            .filter((level) => level.workload === workload.name)
            .flatMap((level) => level.pairs.flatMap((pair) => pair[side].workflowIds)),
        );
      const [base, head] = await Promise.all(
        (['base', 'head'] as const).map((side) => countWorkflows(connections.client, ids(side), workers[side].meters)),
      );
      counted.push(...countedBenchmarks(workload.name, { base: base!, head: head! }, parts));
    }
    const all = (from: (level: LevelMeasurement) => number[]): number => measured.flatMap(from).reduce((a, v) => a + v, 0);
    const roundsOf = (level: LevelMeasurement) => level.pairs.flatMap((pair) => [pair.base, pair.head]);
    const other = otherWorkOf(measured);
    return {
      benchmarks: measured.flatMap((level) => pairedBenchmarks(level, parts)),
      counted,
      warmUps: measured.flatMap((level) => level.warmUps),
      cluster: context.clusterInfo('dev'),
      ...(other
        ? {
            otherWorkCores: measured.flatMap((level) =>
              roundsOf(level).flatMap((r) => (r.otherWorkCores === undefined ? [] : [r.otherWorkCores])),
            ),
          }
        : {}),
      processes: [
        { id: 'driver', role: 'driver', host: HOST, pid: process.pid, cpuMs: Math.round((driverCpu.user + driverCpu.system) / 1000) },
        ...(['base', 'head'] as const).map((side) => ({
          id: `worker-${side}`,
          role: 'worker' as const,
          side,
          host: HOST,
          pid: workers[side].pid ?? 0,
          cpuMs: Math.round(all((level) => level.pairs.map((pair) => pair[side].workerCpuMs))),
        })),
        ...rounds.serverPids.map((pid, i) => ({
          id: rounds.serverPids.length === 1 ? 'server' : `server-${i + 1}`,
          role: 'server' as const,
          host: HOST,
          pid,
          ...(i === 0 ? { cpuMs: Math.round(all((level) => roundsOf(level).map((r) => r.serverCpuMs ?? 0))) } : {}),
        })),
        ...Object.entries(rounds.partPids).map(([part, pid]) => ({
          id: `part-${part}`,
          role: 'part' as const,
          host: HOST,
          pid,
          cpuMs: Math.round(all((level) => roundsOf(level).map((r) => r.partCpuMs[part] ?? 0))),
        })),
      ],
    };
  } finally {
    await connections.close();
  }
}

export const throughputSuite = throughputOn(
  'throughput',
  'dev',
  "the project's workloads on the dev server with the system's real parts: workflows/s and latency percentiles per concurrency",
);

export const servicesThroughputSuite = throughputOn(
  'throughput-services',
  'services',
  "the same on the services cluster (Temporal's frontend, history, matching and worker as separate processes on PostgreSQL, 4 history shards), to set next to the dev server's",
);
