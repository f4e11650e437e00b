/**
 * A worker that meters itself, for benchmarks: its process's CPU time, and per workflow the activities it executed
 * and the requests those activities sent to each part. Requests are counted where Node makes them (its diagnostics
 * channels for fetch and node:http), and each is charged to the workflow whose activity was running (an activity
 * interceptor keeps the workflow id in an AsyncLocalStorage), so no part needs a counter of its own. Clients that
 * use neither (gRPC, database drivers, raw sockets) are not counted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import os from 'node:os';
import type { WorkerOptions } from '@temporalio/worker';

export interface WorkflowMeter {
  /** Activity executions (every attempt that reached this worker). */
  activities: number;
  /** Requests by part name (`other:<host:port>` for an address that is no part). */
  requests: Record<string, number>;
}

export interface MeterReading {
  host: string;
  pid: number;
  /** User and system CPU time of every thread of the process since it started, in microseconds. */
  cpuUs: number;
  /** Per workflow id, what happened since the previous read (each read takes and clears it). */
  perWorkflow: Record<string, WorkflowMeter>;
}

export interface WorkerMeter {
  /** Give these to the worker (WorkerGroupOptions.interceptors). */
  interceptors: NonNullable<WorkerOptions['interceptors']>;
  read(): MeterReading;
  /** Stop counting (unsubscribes from the channels). */
  close(): void;
}

interface UndiciRequestMessage {
  request: { origin: string };
}
interface HttpRequestMessage {
  request: { getHeader(name: string): unknown };
}

/** `parts`: each part's host:port, by name, as the worker's activities reach it. */
export function createWorkerMeter(parts: Record<string, string>): WorkerMeter {
  const current = new AsyncLocalStorage<string>();
  let perWorkflow = new Map<string, WorkflowMeter>();
  const meterOf = (workflowId: string): WorkflowMeter => {
    let meter = perWorkflow.get(workflowId);
    if (!meter) perWorkflow.set(workflowId, (meter = { activities: 0, requests: {} }));
    return meter;
  };
  const partByAddress = new Map(Object.entries(parts).map(([name, address]) => [address, name]));
  const count = (address: string): void => {
    const workflowId = current.getStore();
    if (workflowId === undefined) return; // not sent by an activity
    const part = partByAddress.get(address) ?? `other:${address}`;
    const requests = meterOf(workflowId).requests;
    requests[part] = (requests[part] ?? 0) + 1;
  };
  const onFetch = (message: unknown): void => count(hostOf((message as UndiciRequestMessage).request.origin));
  const onHttp = (message: unknown): void => count(String((message as HttpRequestMessage).request.getHeader('host')));
  dc.subscribe('undici:request:create', onFetch);
  dc.subscribe('http.client.request.start', onHttp);
  return {
    interceptors: {
      activity: [
        (context) => ({
          inbound: {
            execute: (input, next) => {
              const workflowId = context.info.workflowExecution?.workflowId ?? '(no workflow)';
              meterOf(workflowId).activities++;
              return current.run(workflowId, () => next(input));
            },
          },
        }),
      ],
    },
    read: () => {
      const cpu = process.cpuUsage();
      const taken = Object.fromEntries(perWorkflow);
      perWorkflow = new Map();
      return { host: os.hostname(), pid: process.pid, cpuUs: cpu.user + cpu.system, perWorkflow: taken };
    },
    close: () => {
      dc.unsubscribe('undici:request:create', onFetch);
      dc.unsubscribe('http.client.request.start', onHttp);
    },
  };
}

/** `http://127.0.0.1:4000` -> `127.0.0.1:4000`. */
function hostOf(origin: string): string {
  return origin.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}
