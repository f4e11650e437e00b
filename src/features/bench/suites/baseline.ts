/**
 * The raw baseline: the same workloads (same workflows, same inputs, same dev server and parts) driven two
 * ways in alternation: through the harness (WorkerGroup and the closed-loop driver, as the throughput suite
 * does) and through a bare @temporalio/client Client and @temporalio/worker Worker.create loop with no harness
 * code in between. The difference is the harness's own overhead (bench/overhead.ts reads it from the report).
 * The two drivers run on separate task queues, each with its own worker, and take turns in pairs of samples run
 * back to back (harness then raw, then raw then harness: ABBA), so drift of the machine hits both alike and each
 * pair's ratio cancels it; overhead.ts tests those ratios (signed-rank) and says the smallest overhead the run could
 * have detected. 24 pairs detect 5% when the logarithms of the pairs' ratios vary by up to 8.3% (their sd).
 */
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BenchContext } from '../context.ts';
import { type ClosedLoopResult, runClosedLoop } from '../driver.ts';
import { harnessWorkers, loopBenchmarks, prepareWorkloads, warmUp } from '../end-to-end.ts';
import type { Omission, WarmUp } from '../report.ts';
import { quantile } from '../stats.ts';
import type { BenchSuite } from '../suite.ts';
import type { CallFactory, Workload } from '../workload.ts';

interface Plan {
  concurrency: number;
  /** Pairs of samples: one harness run and one raw run each. */
  pairs: number;
  maxCount: number;
  maxDurationMs: number;
}

const FULL: Plan = { concurrency: 4, pairs: 24, maxCount: 32, maxDurationMs: 6_000 };
const QUICK: Plan = { concurrency: 4, pairs: 3, maxCount: 8, maxDurationMs: 2_000 };

type Driver = 'harness' | 'raw';

export const baselineSuite: BenchSuite = {
  name: 'baseline',
  description: 'the same workloads through the harness and through a bare SDK client + worker loop, in alternation: the harness overhead',
  async run(context, { quick, progress }) {
    const plan = quick ? QUICK : FULL;
    const workloads = context.workloadsFor('baseline');
    if (workloads.length === 0) return { benchmarks: [] };
    const [harness, raw, calls] = await Promise.all([
      harnessWorkers(context, 'baseline-harness'),
      startRawSdk(context),
      prepareWorkloads(context, workloads, 'bl'),
    ]);
    try {
      const bounds = { maxCount: plan.maxCount, maxDurationMs: plan.maxDurationMs };
      const loop = (driver: Driver, workload: Workload, run: string): Promise<ClosedLoopResult> => {
        const call = calls.get(workload.name)!;
        return driver === 'harness'
          ? runClosedLoop({ concurrency: plan.concurrency, ...bounds, signal: context.signal }, (i) =>
              harness.run(workload, call(`h-${run}`, i)),
            )
          : raw.closedLoop(workload, call, `r-${run}`, plan.concurrency, bounds);
      };
      const results = new Map<string, ClosedLoopResult[]>();
      const warmUps: WarmUp[] = [];
      for (const workload of workloads) {
        const call = calls.get(workload.name)!;
        for (const driver of ['harness', 'raw'] as const) {
          const execute =
            driver === 'harness'
              ? (i: number) => harness.run(workload, call('h-warmup', i))
              : (i: number) => raw.execute(workload, call('r-warmup', i));
          warmUps.push(
            await warmUp(
              context,
              `baseline/${workload.name} c${plan.concurrency} ${driver}`,
              { concurrency: plan.concurrency, quick, progress },
              execute,
            ),
          );
        }
      }
      for (let pair = 0; pair < plan.pairs; pair++) {
        for (const workload of workloads) {
          const order: Driver[] = pair % 2 === 0 ? ['harness', 'raw'] : ['raw', 'harness'];
          for (const driver of order) {
            const result = await loop(driver, workload, `s${pair}`);
            const key = `${workload.name}/${driver}`;
            results.set(key, [...(results.get(key) ?? []), result]);
            progress(
              `baseline: ${workload.name} c${plan.concurrency} ${driver} sample ${pair + 1}/${plan.pairs}: ${result.throughputPerSec.toFixed(1)} workflows/s, p50 ${quantile(result.latenciesMs, 0.5).toFixed(0)} ms`,
            );
          }
        }
      }
      const omitted: Omission[] = [];
      const benchmarks = workloads.flatMap((workload) =>
        (['harness', 'raw'] as const).flatMap((driver) => {
          const measured = loopBenchmarks(results.get(`${workload.name}/${driver}`)!, {
            suite: 'baseline',
            workflow: workload.name,
            concurrency: plan.concurrency,
            bounds,
            extraParams: { driver },
            namePrefix: `${driver}/`,
          });
          omitted.push(...measured.omitted);
          return measured.benchmarks;
        }),
      );
      return { benchmarks, warmUps, omitted };
    } finally {
      await Promise.all([harness.stop(), raw.stop()]);
    }
  },
};

interface RawSdk {
  /** One workflow through the bare client (for the warm-up). */
  execute(workload: Workload, call: { workflowId: string; args: unknown[] }): Promise<unknown>;
  closedLoop(
    workload: Workload,
    call: CallFactory,
    run: string,
    concurrency: number,
    bounds: { maxCount: number; maxDurationMs: number },
  ): Promise<ClosedLoopResult>;
  stop(): Promise<void>;
}

/**
 * The bare SDK: its own client connection, its own worker connection, one Worker.create with the system's
 * activities, and a closed loop written out here on purpose instead of the harness's driver. Only the dev server,
 * the parts, the activities module and the bundled workflow code are shared.
 */
async function startRawSdk(context: BenchContext): Promise<RawSdk> {
  const [server, activities, workflowBundle] = await Promise.all([context.devServer(), context.activities(), context.workflowBundle()]);
  const connection = await Connection.connect({ address: server.address });
  context.defer(() => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  context.defer(() => nativeConnection.close());
  const taskQueue = context.taskQueue('baseline-raw');
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: server.namespace,
    taskQueue,
    workflowBundle,
    activities,
  });
  const running = worker.run();
  const stop = context.defer(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  return {
    async execute(workload, { workflowId, args }) {
      const result = await client.workflow.execute(workload.workflowType, { taskQueue, workflowId, args });
      workload.expect?.(result);
      return result;
    },
    async closedLoop(workload, call, run, concurrency, { maxCount, maxDurationMs }) {
      const latenciesMs: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < maxCount && performance.now() - started < maxDurationMs && !context.signal.aborted) {
            const { workflowId, args } = call(run, next++);
            const t0 = performance.now();
            const result = await client.workflow.execute(workload.workflowType, { taskQueue, workflowId, args });
            workload.expect?.(result);
            latenciesMs.push(performance.now() - t0);
          }
        }),
      );
      const elapsedMs = performance.now() - started;
      context.signal.throwIfAborted();
      return { latenciesMs, completed: latenciesMs.length, elapsedMs, throughputPerSec: latenciesMs.length / (elapsedMs / 1000) };
    },
    stop,
  };
}
