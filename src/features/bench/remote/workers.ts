/**
 * The `tempest bench worker` processes of a run, seen from its driver: found among the pollers of the run's task
 * queues, their meters read through the cluster (summed per side), and what each used of its CPU while the driver
 * measured, with the host it ran on.
 */
import type { Client } from '@temporalio/client';
import { HarnessError } from '../../../base/errors.ts';
import type { MeterReading, WorkflowMeter } from '../../../base/harness/worker-meter.ts';
import type { SideWorker } from '../ab.ts';
import type { ProcessInfo } from '../report.ts';
import type { Side } from '../rounds.ts';
import { pollingWorkers, readRemoteMeter, type RemoteReading, runTaskQueue } from './channel.ts';

/** How many workers the driver waits for on each queue: the run's (no side), or each side's in an A/B run. */
export type ExpectedWorkers = { side?: Side; count: number }[];

export class RemoteWorkers {
  private sequence = 0;
  private readonly last = new Map<string, RemoteReading>();
  /** CPU (µs) each worker used during measured intervals. */
  private readonly measuredCpuUs = new Map<string, number>();

  private constructor(
    private readonly client: Client,
    readonly run: string,
    /** Worker id -> its side (undefined in a single run). */
    readonly sides: ReadonlyMap<string, Side | undefined>,
  ) {}

  /**
   * Wait until the expected workers poll the run's queues, then read each one's meter once (so each has answered,
   * and the first interval starts there). A worker that lingers in the pollers list after it left does not answer:
   * the read fails, naming it.
   */
  static async await(
    client: Client,
    run: string,
    expected: ExpectedWorkers,
    options: { waitMs: number; signal: AbortSignal; progress: (line: string) => void },
  ): Promise<RemoteWorkers> {
    const deadline = Date.now() + options.waitMs;
    const sides = new Map<string, Side | undefined>();
    for (const { side, count } of expected) {
      const queue = runTaskQueue(run, side);
      for (;;) {
        options.signal.throwIfAborted();
        const ids = await pollingWorkers(client, queue);
        if (ids.length >= count) {
          for (const id of ids.slice(0, count)) sides.set(id, side);
          options.progress(`drive: ${ids.length} worker${ids.length === 1 ? '' : 's'} poll ${queue}: ${ids.join(', ')}`);
          break;
        }
        if (Date.now() > deadline)
          throw new HarnessError(
            `${ids.length} of ${count} workers poll ${queue} after ${options.waitMs / 1000} s: start them with \`tempest bench worker --run ${run}${side ? ` --side ${side}` : ''}\``,
          );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    const workers = new RemoteWorkers(client, run, sides);
    await workers.readAll([...sides.keys()], false);
    return workers;
  }

  /** The side's workers as one (their meters summed), for the A/B rounds. */
  side(side: Side | undefined, taskQueue: string): SideWorker {
    const ids = [...this.sides].filter(([, s]) => s === side).map(([id]) => id);
    return { taskQueue, readMeter: () => this.readAll(ids, true), meters: new Map<string, WorkflowMeter>() };
  }

  /**
   * Read these workers' meters (at once) and sum them: CPU so far, and per workflow what happened since the last
   * read. `measured`: the interval since the previous read counts toward each worker's CPU in the report.
   */
  async readAll(ids: readonly string[], measured: boolean): Promise<MeterReading> {
    const readings = await Promise.all(
      ids.map((id) =>
        readRemoteMeter(this.client, this.run, id, this.sequence++).catch((error: unknown) => {
          throw new HarnessError(`bench worker ${id} did not answer a meter read: ${(error as Error).message.split('\n')[0]}`);
        }),
      ),
    );
    const perWorkflow: Record<string, WorkflowMeter> = {};
    let cpuUs = 0;
    for (const reading of readings) {
      const previous = this.last.get(reading.workerId);
      if (measured && previous)
        this.measuredCpuUs.set(reading.workerId, (this.measuredCpuUs.get(reading.workerId) ?? 0) + reading.cpuUs - previous.cpuUs);
      this.last.set(reading.workerId, reading);
      cpuUs += reading.cpuUs;
      Object.assign(perWorkflow, reading.perWorkflow);
    }
    return { host: readings[0]?.host ?? '', pid: 0, cpuUs, perWorkflow };
  }

  /** Each worker's process for the report: its host and machine, and the CPU it used while measured. */
  processes(): ProcessInfo[] {
    // By name, not by which polled first: the report reads the same from run to run.
    return [...this.sides]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, side]) => {
        const reading = this.last.get(id)!;
        return {
          id: `worker-${id}`,
          role: 'worker',
          ...(side ? { side } : {}),
          host: reading.host,
          pid: reading.pid,
          cpuMs: Math.round((this.measuredCpuUs.get(id) ?? 0) / 1000),
          environment: reading.environment,
        };
      });
  }

  /** The pids of the workers on this host (their CPU is the run's, not other work). */
  localPids(host: string): number[] {
    return [...this.last.values()].filter((reading) => reading.host === host).map((reading) => reading.pid);
  }
}
