/**
 * What the end-to-end suites (throughput, baseline) share: the harness's way of running the workloads on the dev
 * server, seeding them, and turning repeated closed-loop runs into benchmark entries.
 */
import type { Client } from '@temporalio/client';
import { WorkerGroup } from '../harness/worker.ts';
import type { BenchContext } from './context.ts';
import type { ClosedLoopResult } from './driver.ts';
import { type Benchmark, benchmark } from './report.ts';
import { quantile } from './stats.ts';
import type { CallFactory, WorkflowCall, Workload } from './workload.ts';

/** Throughput and latency p50/p95/p99 benchmarks of repeated closed-loop runs (one sample per run). */
export function loopBenchmarks(
  suite: string,
  workflow: string,
  concurrency: number,
  runs: ClosedLoopResult[],
  bounds: { maxCount: number; maxDurationMs: number },
  extraParams: Benchmark['params'] = {},
  namePrefix = '',
): Benchmark[] {
  const params = { workflow, concurrency, ...bounds, ...extraParams };
  const name = (metric: string): string => `${workflow}/c${concurrency}/${namePrefix}${metric}`;
  const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
  const latency = (q: number, metric: string): Benchmark =>
    benchmark({
      suite,
      name: name(metric),
      unit: 'ms',
      direction: 'lower-is-better',
      samples: runs.map((run) => quantile(run.latenciesMs, q)),
      params: { ...params, metric },
    });
  return [
    benchmark({
      suite,
      name: name('throughput'),
      unit: 'workflows/s',
      direction: 'higher-is-better',
      samples: runs.map((run) => run.throughputPerSec),
      params: { ...params, metric: 'throughput' },
      raw: {
        latencyMs: runs.flatMap((run) => run.latenciesMs.map(micro)),
        completed: runs.map((run) => run.completed),
        elapsedMs: runs.map((run) => micro(run.elapsedMs)),
      },
    }),
    latency(0.5, 'latency-p50'),
    latency(0.95, 'latency-p95'),
    latency(0.99, 'latency-p99'),
  ];
}

export interface HarnessExecutor {
  /** The harness's client, on the dev server. */
  client: Client;
  /** Start the workload's workflow through the harness's client and wait for its result (checked by the workload's `expect`). */
  run(workload: Workload, call: WorkflowCall): Promise<unknown>;
  stop(): Promise<void>;
}

type Activities = Record<string, (...args: never[]) => unknown>;

/**
 * The harness way: a WorkerGroup with the system's activities (or `activities` made from them) on a task queue of
 * this run and purpose, with connections of its own; `stop` shuts the workers down and closes the connections.
 */
export async function harnessWorkers(
  context: BenchContext,
  purpose: string,
  activities: (system: Activities) => object = (system) => system,
): Promise<HarnessExecutor> {
  const [connections, systemActivities, workflowBundle] = await Promise.all([context.connectToDevServer(), context.activities(), context.workflowBundle()]);
  const { client, nativeConnection } = connections;
  const taskQueue = context.taskQueue(purpose);
  const workers = await WorkerGroup.create({
    connection: nativeConnection,
    namespace: connections.server.namespace,
    workflowBundle,
    activities: activities(systemActivities),
    taskQueues: [taskQueue],
  });
  const stopWorkers = context.defer(() => workers.shutdown());
  void workers.start();
  return {
    client,
    run: async (workload, call) => {
      const result = await client.workflow.execute(workload.workflowType, { taskQueue, workflowId: call.workflowId, args: call.args });
      workload.expect?.(result);
      return result;
    },
    stop: async () => {
      await stopWorkers();
      await connections.close();
    },
  };
}

/** Prepare every workload of a suite once (seeding the parts); returns each workload's call factory, by name. */
export async function prepareWorkloads(context: BenchContext, workloads: readonly Workload[], purpose: string): Promise<Map<string, CallFactory>> {
  const parts = await context.parts();
  const prepared = await Promise.all(
    workloads.map(async (w) => {
      try {
        return [w.name, await w.prepare({ parts, prefix: `bench-${context.runId}-${purpose}-${w.name}` })] as const;
      } catch (error) {
        throw new Error(`workload ${w.name}: prepare threw: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
    }),
  );
  return new Map(prepared);
}
