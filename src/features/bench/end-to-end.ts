/**
 * What the end-to-end suites (throughput, baseline) share: the harness's way of running the workloads on the dev
 * server, seeding them, and turning repeated closed-loop runs into benchmark entries.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NeverWorkedError } from '../../base/errors.ts';
import { describeNeverWorked, neverWorked, type NeverWorkedModules } from '../../base/history/never-worked.ts';
import { WorkflowProgress } from '../../base/history/progress.ts';
import { shownPath } from '../../base/modules/user-module.ts';
import { WorkerGroup } from '../../base/harness/worker.ts';
import { createWorkerMeter, type WorkflowMeter } from '../../base/harness/worker-meter.ts';
import type { BenchContext, BenchServer } from './context.ts';
import { type ClosedLoopResult, warmUpUntilSteady } from './driver.ts';
import { type Benchmark, benchmark, type Omission, type WarmUp } from './report.ts';
import { minSamplesForPercentile, quantile } from './stats.ts';
import type { CallFactory, WorkflowCall, Workload } from './workload.ts';

/** The latency percentiles a run reports, each only when every run has the workflows to support it. */
const LATENCY_PERCENTILES = [50, 95, 99] as const;

/**
 * Throughput and latency percentile benchmarks of repeated closed-loop runs (one sample per run). A percentile is
 * reported only when every run closed enough workflows to support it (minSamplesForPercentile: 40 for p95, 200 for
 * p99); otherwise it is omitted, with the reason.
 */
export function loopBenchmarks(
  runs: ClosedLoopResult[],
  loop: {
    suite: string;
    workflow: string;
    concurrency: number;
    bounds: { maxCount: number; maxDurationMs: number };
    /** Parameters beside the loop's own (the baseline's driver). */
    extraParams?: Benchmark['params'];
    /** Put before each metric's name ("raw/" for the baseline's bare-SDK driver). */
    namePrefix?: string;
  },
): { benchmarks: Benchmark[]; omitted: Omission[] } {
  const { suite, workflow, concurrency, bounds, extraParams = {}, namePrefix = '' } = loop;
  const params = { workflow, concurrency, ...bounds, ...extraParams };
  const name = (metric: string): string => `${workflow}/c${concurrency}/${namePrefix}${metric}`;
  const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
  const fewest = Math.min(...runs.map((run) => run.completed));
  const most = Math.max(...runs.map((run) => run.completed));
  const supported = LATENCY_PERCENTILES.filter((p) => fewest >= minSamplesForPercentile(p));
  const omitted = LATENCY_PERCENTILES.filter((p) => !supported.includes(p)).map((p) => ({
    id: `${suite}/${name(`latency-p${p}`)}`,
    reason: `a run's p${p} needs at least ${minSamplesForPercentile(p)} workflows, and these runs closed ${fewest === most ? fewest : `${fewest} to ${most}`}`,
  }));
  const latency = (p: number): Benchmark =>
    benchmark({
      suite,
      name: name(`latency-p${p}`),
      unit: 'ms',
      direction: 'lower-is-better',
      samples: runs.map((run) => quantile(run.latenciesMs, p / 100)),
      params: { ...params, metric: `latency-p${p}` },
    });
  const benchmarks = [
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
    ...supported.map(latency),
  ];
  return { benchmarks, omitted };
}

/** How long warm-ups run: windows until three agree within 10% (full) or two within 20% (quick), bounded. */
const WARM_UP = {
  full: { windowMs: 1_000, windows: 3, tolerance: 0.1, maxMs: 30_000 },
  quick: { windowMs: 400, windows: 2, tolerance: 0.2, maxMs: 2_000 },
} as const;

/** Warm `subject` up at `concurrency` until its rate is steady (warmUpUntilSteady), and say how it went. */
export async function warmUp(
  context: BenchContext,
  subject: string,
  options: { concurrency: number; quick: boolean; progress: (line: string) => void },
  execute: (index: number) => Promise<unknown>,
): Promise<WarmUp> {
  const result = await warmUpUntilSteady(
    { ...(options.quick ? WARM_UP.quick : WARM_UP.full), concurrency: options.concurrency, signal: context.signal },
    execute,
  );
  const rates = result.rates.map((rate) => Math.round(rate * 100) / 100);
  options.progress(
    `${subject}: warm-up ${result.steady ? 'steady' : 'NOT steady'} after ${(result.durationMs / 1000).toFixed(1)} s (${rates.map((r) => r.toFixed(1)).join(', ')} workflows/s)`,
  );
  return { subject, steady: result.steady, durationMs: Math.round(result.durationMs), rates };
}

export interface HarnessExecutor {
  /** The harness's client, on the dev server. */
  client: Client;
  /** Start the workload's workflow through the harness's client and wait for its result (checked by the workload's `expect`). */
  run(workload: Workload, call: WorkflowCall): Promise<unknown>;
  /** With `meter`: what the workers' meter counted of each workflow so far, by workflow id. */
  meters(): ReadonlyMap<string, WorkflowMeter>;
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
  on: BenchServer = 'dev',
  options: { meter?: boolean } = {},
): Promise<HarnessExecutor> {
  const [connections, systemActivities, workflowBundle, parts] = await Promise.all([
    context.connectToDevServer(on),
    context.activities(),
    context.workflowBundle(),
    context.parts(),
  ]);
  const { client, nativeConnection } = connections;
  const taskQueue = context.taskQueue(purpose);
  const meter = options.meter
    ? createWorkerMeter(Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.address])))
    : undefined;
  const workers = await WorkerGroup.create({
    connection: nativeConnection,
    namespace: connections.server.namespace,
    workflowBundle,
    activities: activities(systemActivities),
    taskQueues: [taskQueue],
    ...(meter ? { interceptors: meter.interceptors } : {}),
  });
  const stopWorkers = context.defer(() => workers.shutdown());
  void workers.start();
  const modules = modulesOf(context, parts);
  // Each workload's first workflow runs alone and watched: the rest wait until it proved the system serves it.
  const proven = new Map<string, Promise<unknown>>();
  const counted = new Map<string, WorkflowMeter>();
  return {
    client,
    run: async (workload, call) => {
      const start = (): Promise<WorkflowHandle> =>
        client.workflow.start(workload.workflowType, { taskQueue, workflowId: call.workflowId, args: call.args });
      const first = proven.get(workload.name);
      let result: unknown;
      if (first) {
        await first;
        result = await client.workflow.execute(workload.workflowType, { taskQueue, workflowId: call.workflowId, args: call.args });
      } else {
        const watched = start().then((handle) => resultUnlessNeverWorked(handle, modules, context.signal));
        proven.set(workload.name, watched);
        result = await watched;
      }
      workload.expect?.(result);
      return result;
    },
    meters: () => {
      for (const [id, workflow] of Object.entries(meter?.read().perWorkflow ?? {})) counted.set(id, workflow);
      return counted;
    },
    stop: async () => {
      meter?.close();
      await stopWorkers();
      await connections.close();
    },
  };
}

/** How long a watched workflow waits between two looks at its history. */
const WATCH_EVERY_MS = 250;

/**
 * A workflow's result, watched while it runs: a system that never worked (neverWorked: a TypeError on every attempt,
 * an activity the workers do not register, a first workflow task that fails, a part never reached) is a
 * HarnessError naming the module, the activity, the error and its first frame, as soon as it shows, instead of a
 * benchmark that waits out retries or measures failures.
 */
async function resultUnlessNeverWorked(handle: WorkflowHandle, modules: NeverWorkedModules, signal: AbortSignal): Promise<unknown> {
  const result = handle.result();
  result.catch(() => undefined); // judged below, once the watch is over
  let settled = false;
  void result.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    signal.throwIfAborted();
    const history = await handle.fetchHistory();
    const running = !WorkflowProgress.of(history).closed;
    const pendingActivities = running ? ((await handle.describe()).raw.pendingActivities ?? undefined) : undefined;
    const finding = neverWorked(
      [
        {
          workflowId: handle.workflowId,
          workflowType: '',
          events: history.events ?? [],
          ...(pendingActivities ? { pendingActivities } : {}),
        },
      ],
      { faultFree: true },
    );
    if (finding) {
      await handle.terminate('tempest: the system never worked').catch(() => undefined);
      throw new NeverWorkedError(describeNeverWorked(finding, modules));
    }
    if (!running) break;
    await new Promise((resolve) => setTimeout(resolve, WATCH_EVERY_MS));
  }
  return result;
}

/** The modules and part addresses a never-worked line names. */
function modulesOf(context: BenchContext, parts: Record<string, { address: string }>): NeverWorkedModules {
  return {
    activities: shownPath(context.system.activitiesPath),
    workflows: shownPath(context.system.workflowsPath),
    parts: Object.fromEntries(Object.entries(parts).map(([name, part]) => [part.address, name])),
  };
}

/** Prepare every workload of a suite once (seeding the parts); returns each workload's call factory, by name. */
export async function prepareWorkloads(
  context: BenchContext,
  workloads: readonly Workload[],
  purpose: string,
): Promise<Map<string, CallFactory>> {
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
