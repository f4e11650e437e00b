/**
 * `tempest bench worker`: a benchmark's workers as a process that can run on any host. It runs the system's
 * workflows and activities on the run's task queue (its side's, in an A/B run), meters itself (CPU time, and per
 * workflow activities and requests to each part), and answers the driver's meter reads on a control queue of its
 * own. It learns where the parts are from the run the driver published (or from `--part`), and stops when the
 * driver ends the run, or when told to (SIGINT, SIGTERM).
 */
import type { Client } from '@temporalio/client';
import { workflowBundleFile } from '../../../base/harness/bundle.ts';
import { parseAddress } from '../../../base/harness/parts.ts';
import { createSystemActivities } from '../../../base/harness/system-parts.ts';
import { tlsConfig } from '../../../base/harness/tls.ts';
import { installQuietRuntime, NativeConnection, WorkerGroup } from '../../../base/harness/worker.ts';
import { createWorkerMeter } from '../../../base/harness/worker-meter.ts';
import type { PartAddress } from '../../../base/system-spec.ts';
import { Client as TemporalClient } from '@temporalio/client';
import { type ClusterOptions, connectToCluster } from '../../replay/record.ts';
import { captureHost } from '../environment.ts';
import type { Side } from '../rounds.ts';
import { CONTROL_WORKFLOWS, controlQueue, readRun, type RemoteReading, runEnded, runTaskQueue, workerIdentity } from './channel.ts';

export interface BenchWorkerOptions {
  run: string;
  /** The side whose code this worker runs, in an A/B run. */
  side?: Side;
  workerId: string;
  cluster: ClusterOptions;
  workflowsPath: string;
  activitiesPath: string;
  /** The parts, when given; else read from the run the driver published. */
  parts?: Record<string, PartAddress>;
  /** How long to wait for the driver to publish the run. */
  waitMs: number;
  signal: AbortSignal;
  progress: (line: string) => void;
}

/** Run until the driver ends the run or `signal` aborts; resolves once the workers have stopped. */
export async function runBenchWorker(options: BenchWorkerOptions): Promise<void> {
  installQuietRuntime();
  const connection = await connectToCluster(options.cluster);
  const client = new TemporalClient({ connection, namespace: options.cluster.namespace });
  try {
    const parts =
      options.parts ?? addresses((await readRun(client, options.run, { waitMs: options.waitMs, signal: options.signal })).parts);
    const partAddresses = Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.address]));
    const meter = createWorkerMeter(partAddresses);
    const native = await NativeConnection.connect({
      address: options.cluster.address,
      ...workerTls(options.cluster),
      ...(options.cluster.apiKey ? { apiKey: options.cluster.apiKey } : {}),
    });
    try {
      const [bundle, controlBundle, activities] = await Promise.all([
        workflowBundleFile(options.workflowsPath),
        workflowBundleFile(CONTROL_WORKFLOWS),
        createSystemActivities(options.activitiesPath, parts, `--activities ${options.activitiesPath}`),
      ]);
      const identity = workerIdentity(options.workerId);
      const common = { connection: native, namespace: options.cluster.namespace, identity };
      const workers = await WorkerGroup.create({
        ...common,
        workflowBundle: { codePath: bundle },
        activities,
        taskQueues: [runTaskQueue(options.run, options.side)],
        interceptors: meter.interceptors,
      });
      const read = (): RemoteReading => ({
        ...meter.read(),
        workerId: options.workerId,
        ...(options.side ? { side: options.side } : {}),
        environment: captureHost(),
      });
      const control = await WorkerGroup.create({
        ...common,
        workflowBundle: { codePath: controlBundle },
        activities: { readMeter: async () => read() },
        taskQueues: [controlQueue(options.run, options.workerId)],
      });
      const running = Promise.all([workers.start(), control.start()]);
      options.progress(
        `bench worker ${options.workerId}: polling ${runTaskQueue(options.run, options.side)} on ${options.cluster.address} (run ${options.run}${options.side ? `, ${options.side}` : ''})`,
      );
      await untilStopped(client, options);
      await Promise.all([workers.shutdown(), control.shutdown()]);
      await running;
      meter.close();
    } finally {
      await native.close();
    }
  } finally {
    await connection.close();
  }
}

/** Wait until the signal aborts, or the run is published and then ended (checked every second). */
async function untilStopped(client: Client, options: BenchWorkerOptions): Promise<void> {
  while (!options.signal.aborted) {
    if (await runEnded(client, options.run).catch(() => false)) {
      options.progress(`bench worker ${options.workerId}: the run ended`);
      return;
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
    });
  }
}

function addresses(parts: Record<string, string>): Record<string, PartAddress> {
  return Object.fromEntries(Object.entries(parts).map(([name, address]) => [name, parseAddress(address)]));
}

function workerTls(cluster: ClusterOptions): { tls?: ReturnType<typeof tlsConfig> } {
  if (cluster.tls === undefined || cluster.tls === false) return cluster.apiKey ? { tls: tlsConfig({}) } : {};
  return { tls: tlsConfig(cluster.tls === true ? {} : cluster.tls) };
}
