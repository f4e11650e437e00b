/**
 * How the processes of a benchmark spread over hosts find and talk to each other: through the Temporal cluster they
 * measure, by a run id, with no port of their own between hosts.
 *
 * - The driver publishes the run: a workflow `tempest-bench-<run>` that no worker runs, whose input says where the
 *   system's parts are. Workers that were not told read it there; when the driver ends the run it terminates it, and
 *   the workers see that and stop.
 * - Workers poll the run's task queue (`tempest-bench-<run>`, or `-base`/`-head` in an A/B run) with an identity that
 *   names them (`tempest-bench-worker:<id>@<host>`); the driver finds them among the queue's pollers.
 * - A worker also polls a control queue of its own, where tempest's control workflow reads its meter: the driver
 *   executes it at round boundaries (outside the rounds it measures).
 */
import os from 'node:os';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ownModule } from '../../../base/package-root.ts';
import type { MeterReading } from '../../../base/harness/worker-meter.ts';
import { HarnessError } from '../../../base/errors.ts';
import type { HostEnvironment } from '../report.ts';
import type { Side } from '../rounds.ts';

/** tempest's control workflow module, bundled by every worker. */
export const CONTROL_WORKFLOWS = ownModule(import.meta.url, './control-workflows');

const PREFIX = 'tempest-bench-';

/** A run id: letters, digits and dashes, as task queue and workflow ids take them. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/** The task queue the run's workflows go to (one per side in an A/B run). */
export function runTaskQueue(run: string, side?: Side): string {
  return `${PREFIX}${run}${side ? `-${side}` : ''}`;
}

export function controlQueue(run: string, workerId: string): string {
  return `${PREFIX}${run}-ctl-${workerId}`;
}

const runRecordId = (run: string): string => `${PREFIX}${run}`;

/** What the driver publishes of a run. */
export interface RunRecord {
  /** host:port of each of the system's parts, by name: where the workers' activities reach them. */
  parts: Record<string, string>;
  driver: { host: string; pid: number };
}

/** A worker's meter, as the control workflow returns it: with who and where it is. */
export interface RemoteReading extends MeterReading {
  workerId: string;
  side?: Side;
  environment: HostEnvironment;
}

/**
 * Publish the run (a workflow no worker runs, bounded by `maxMs` so a killed driver leaves nothing for long);
 * `end` terminates it, which tells the workers to stop.
 */
export async function publishRun(client: Client, run: string, record: RunRecord, maxMs: number): Promise<{ end(): Promise<void> }> {
  const handle = await client.workflow.start('tempestBenchRun', {
    workflowId: runRecordId(run),
    taskQueue: `${PREFIX}${run}-record`,
    args: [record],
    workflowExecutionTimeout: maxMs,
  });
  return {
    end: async () => {
      await handle.terminate('the benchmark run ended').catch(() => undefined);
    },
  };
}

/** The run as its driver published it; waits up to `waitMs` for it to appear. */
export async function readRun(client: Client, run: string, options: { waitMs: number; signal: AbortSignal }): Promise<RunRecord> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const history = await client.workflow.getHandle(runRecordId(run)).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const payload = started?.input?.payloads?.[0];
      if (payload) return defaultPayloadConverter.fromPayload<RunRecord>(payload);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    if (Date.now() > deadline)
      throw new HarnessError(
        `no benchmark run ${run} on the cluster after ${options.waitMs / 1000} s: start \`tempest bench drive --run ${run}\` (or give --part)`,
      );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Whether the run was published and has ended (terminated by its driver, or timed out). */
export async function runEnded(client: Client, run: string): Promise<boolean> {
  try {
    const { status } = await client.workflow.getHandle(runRecordId(run)).describe();
    return status.name !== 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export function workerIdentity(workerId: string): string {
  return `${PREFIX}worker:${workerId}@${os.hostname()}`;
}

/** The ids of the workers polling a run's task queue (by their identities; a worker that left may linger a minute). */
export async function pollingWorkers(client: Client, taskQueue: string): Promise<string[]> {
  const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const ids = (response.pollers ?? []).flatMap((poller) => {
    const match = new RegExp(`^${PREFIX}worker:([^@]+)@`).exec(poller.identity ?? '');
    return match ? [match[1]!] : [];
  });
  return [...new Set(ids)].sort();
}

/** Read a worker's meter through its control queue: one short workflow of tempest's own. */
export async function readRemoteMeter(client: Client, run: string, workerId: string, sequence: number): Promise<RemoteReading> {
  return (await client.workflow.execute('tempestBenchMeter', {
    workflowId: `${PREFIX}${run}-meter-${workerId}-${sequence}`,
    taskQueue: controlQueue(run, workerId),
    workflowExecutionTimeout: 15_000,
  })) as RemoteReading;
}
