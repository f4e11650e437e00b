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
import { countAbSides, HOST, measureAb, startSideWorkers } from '../ab.ts';
import { abProcesses, pairedBenchmarks, primaryMetric, roundsOtherWork } from '../ab-benchmarks.ts';
import { COUNTED_WORKFLOWS, countedBenchmarks, countWorkflows, sampleIds } from '../costs.ts';
import { OtherWork } from '../cpu.ts';

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
            const measured = loopBenchmarks(results.get(`${workload.name}/c${level}`)!, {
              suite: name,
              workflow: workload.name,
              concurrency: level,
              bounds: { maxCount, maxDurationMs: plan.maxDurationMs },
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
    const serverPids = await context.serverPids('dev');
    const rounds = {
      client: connections.client,
      workers,
      serverPids,
      partPids: context.partPids(),
      otherWork: new OtherWork(),
      signal: context.signal,
    };
    const driverBefore = process.cpuUsage();
    const measured = await measureAb(context, rounds, workloads, { ...settings, concurrency, primary: primaryMetric });
    const driverCpu = process.cpuUsage(driverBefore);
    settings.progress(`throughput: counting the histories of up to ${COUNTED_WORKFLOWS} workflows per side and workload`);
    const counted = await countAbSides(connections.client, measured, workloads, workers, parts);
    return {
      benchmarks: measured.flatMap((level) => pairedBenchmarks(level, parts)),
      counted,
      warmUps: measured.flatMap((level) => level.warmUps),
      cluster: context.clusterInfo('dev'),
      otherWorkCores: roundsOtherWork(measured),
      processes: abProcesses(measured, {
        host: HOST,
        driver: { pid: process.pid, cpuMs: Math.round((driverCpu.user + driverCpu.system) / 1000) },
        workers: { base: workers.base.pid ?? 0, head: workers.head.pid ?? 0 },
        server: serverPids,
        parts: rounds.partPids,
      }),
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
