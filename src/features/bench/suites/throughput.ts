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
import type { BenchServer } from '../context.ts';
import type { BenchSuite } from '../suite.ts';

interface Plan {
  concurrency: readonly number[];
  samples: number;
  /** Each sample starts max(minCount, perCaller * concurrency) workflows, or stops at maxDurationMs. */
  minCount: number;
  perCaller: number;
  maxDurationMs: number;
}

// 40 workflows a run at least: enough for each run's p95 (minSamplesForPercentile).
const FULL: Plan = { concurrency: [1, 4, 16], samples: 6, minCount: 40, perCaller: 6, maxDurationMs: 6_000 };
const QUICK: Plan = { concurrency: [1, 4], samples: 3, minCount: 4, perCaller: 2, maxDurationMs: 2_000 };

/** The throughput suite on one Temporal: `name` is the suite's, and its benchmarks' prefix. */
function throughputOn(name: string, on: BenchServer, description: string): BenchSuite {
  return {
    name,
    description,
    // The services cluster is five more processes and a PostgreSQL: measured when asked for, next to the dev server.
    optIn: on === 'services',
    async run(context, { quick, concurrency, progress }) {
      const plan: Plan = { ...(quick ? QUICK : FULL), ...(concurrency ? { concurrency } : {}) };
      const workloads = context.workloadsFor('throughput');
      if (workloads.length === 0) return { benchmarks: [] };
      const [execute, calls] = await Promise.all([
        harnessWorkers(context, name, undefined, on),
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
        for (let sample = 0; sample < plan.samples; sample++) {
          for (const workload of workloads) {
            for (const level of plan.concurrency) {
              const maxCount = Math.max(plan.minCount, plan.perCaller * level);
              const call = calls.get(workload.name)!;
              const result = await runClosedLoop(
                { concurrency: level, maxCount, maxDurationMs: plan.maxDurationMs, signal: context.signal },
                (i) => execute.run(workload, call(`s${sample}c${level}`, i)),
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
        return { benchmarks, warmUps, omitted };
      } finally {
        await execute.stop();
      }
    },
  };
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
