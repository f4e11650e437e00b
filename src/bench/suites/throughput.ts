/**
 * End-to-end throughput: the project's workloads on the dev server with the system's real parts, driven by the
 * closed-loop driver at several concurrency levels. Per workflow and concurrency: workflows closed
 * per second and start-to-close latency p50/p95/p99, one value per repeated run (the samples), after a warm-up.
 * Repeated runs go round-robin over every workflow and concurrency, so slow drift of the machine (or of the
 * services' growing databases) spreads over all of them instead of biasing the last.
 */
import { type ClosedLoopResult, runClosedLoop } from '../driver.ts';
import { harnessWorkers, loopBenchmarks, prepareWorkloads } from '../end-to-end.ts';
import { quantile } from '../stats.ts';
import type { BenchSuite } from '../suite.ts';

interface Plan {
  concurrency: number[];
  samples: number;
  /** Each sample starts max(minCount, perCaller * concurrency) workflows, or stops at maxDurationMs. */
  minCount: number;
  perCaller: number;
  maxDurationMs: number;
  warmupCount: number;
}

const FULL: Plan = { concurrency: [1, 4, 16], samples: 6, minCount: 20, perCaller: 6, maxDurationMs: 6_000, warmupCount: 48 };
const QUICK: Plan = { concurrency: [1, 4], samples: 3, minCount: 4, perCaller: 2, maxDurationMs: 2_000, warmupCount: 4 };

export const throughputSuite: BenchSuite = {
  name: 'throughput',
  description: "the project's workloads on the dev server with the system's real parts: workflows/s and latency p50/p95/p99 per concurrency",
  async run(context, { quick, progress }) {
    const plan = quick ? QUICK : FULL;
    const workloads = context.workloadsFor('throughput');
    if (workloads.length === 0) return [];
    const [execute, calls] = await Promise.all([harnessWorkers(context, 'throughput'), prepareWorkloads(context, workloads, 'tp')]);
    try {
      for (const workload of workloads) {
        progress(`throughput: warming up ${workload.name}`);
        await runClosedLoop(
          { concurrency: Math.max(...plan.concurrency), maxCount: plan.warmupCount, maxDurationMs: plan.maxDurationMs * 2, signal: context.signal },
          (i) => execute.run(workload, calls.get(workload.name)!('warmup', i)),
        );
      }
      const results = new Map<string, ClosedLoopResult[]>();
      for (let sample = 0; sample < plan.samples; sample++) {
        for (const workload of workloads) {
          for (const concurrency of plan.concurrency) {
            const maxCount = Math.max(plan.minCount, plan.perCaller * concurrency);
            const call = calls.get(workload.name)!;
            const result = await runClosedLoop(
              { concurrency, maxCount, maxDurationMs: plan.maxDurationMs, signal: context.signal },
              (i) => execute.run(workload, call(`s${sample}c${concurrency}`, i)),
            );
            const key = `${workload.name}/c${concurrency}`;
            results.set(key, [...(results.get(key) ?? []), result]);
            progress(
              `throughput: ${key} sample ${sample + 1}/${plan.samples}: ${result.throughputPerSec.toFixed(1)} workflows/s, p50 ${quantile(result.latenciesMs, 0.5).toFixed(0)} ms (${result.completed} workflows)`,
            );
          }
        }
      }
      return workloads.flatMap((workload) =>
        plan.concurrency.flatMap((concurrency) => {
          const maxCount = Math.max(plan.minCount, plan.perCaller * concurrency);
          return loopBenchmarks('throughput', workload.name, concurrency, results.get(`${workload.name}/c${concurrency}`)!, {
            maxCount,
            maxDurationMs: plan.maxDurationMs,
          });
        }),
      );
    } finally {
      await execute.stop();
    }
  },
};
