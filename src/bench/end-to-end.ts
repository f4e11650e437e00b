/**
 * What the end-to-end suites (throughput, baseline) share: the harness's way of running the workloads on the dev
 * server, seeding them, and turning repeated closed-loop runs into benchmark entries.
 */
import type { Activities } from '../../activities/index.ts';
import { packagedActivities, WorkerGroup } from '../harness/worker.ts';
import type { BenchContext } from './context.ts';
import type { ClosedLoopResult } from './driver.ts';
import { type Benchmark, benchmark } from './report.ts';
import { quantile } from './stats.ts';
import { type CallFactory, WORKLOADS, type WorkflowCall, type WorkloadName } from './workload.ts';

/** Throughput and latency p50/p95/p99 benchmarks of repeated closed-loop runs (one sample per run). */
export function loopBenchmarks(
  suite: string,
  workflow: WorkloadName,
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
  /** Start the workflow through the harness's client and wait for its result. */
  run(call: WorkflowCall): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The harness way: a WorkerGroup with the packaged activities (or `activities` made from them) on a task queue of
 * this run and purpose, with connections of its own; `stop` shuts the workers down and closes the connections.
 */
export async function harnessWorkers(
  context: BenchContext,
  purpose: string,
  activities: (packaged: Activities) => object = (packaged) => packaged,
): Promise<HarnessExecutor> {
  const [connections, services, workflowBundle] = await Promise.all([context.connectToDevServer(), context.services(), context.workflowBundle()]);
  const { client, nativeConnection } = connections;
  const taskQueue = context.taskQueue(purpose);
  const workers = await WorkerGroup.create({
    connection: nativeConnection,
    namespace: connections.server.namespace,
    workflowBundle,
    activities: activities(packagedActivities(services.urls)),
    taskQueues: [taskQueue],
  });
  const stopWorkers = context.defer(() => workers.shutdown());
  void workers.start();
  return {
    run: (call) => client.workflow.execute(call.workflowType, { taskQueue, workflowId: call.workflowId, args: call.args }),
    stop: async () => {
      await stopWorkers();
      await connections.close();
    },
  };
}

/** Seed every workload once for this suite; returns each workload's call factory. */
export async function prepareWorkloads(context: BenchContext, purpose: string): Promise<Map<WorkloadName, CallFactory>> {
  const { clients } = await context.services();
  const prepared = await Promise.all(WORKLOADS.map(async (w) => [w.name, await w.prepare(clients, `bench-${context.runId}-${purpose}-${w.name}`)] as const));
  return new Map(prepared);
}
