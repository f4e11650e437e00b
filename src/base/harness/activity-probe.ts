/**
 * The activity probe, inside a worker process: an activity interceptor that reports each attempt's start and end to
 * the harness (progress-wire.ts) and, at a point the harness armed, holds the attempt there until the harness
 * releases it. That is how a fault lands exactly at a point of the system's progress: "kill -9 the worker right after
 * deposit returned, before its completion reached Temporal" is a kill while the completion is held here.
 * A lost harness connection releases every hold, and a hold past HOLD_LIMIT_MS is released with a line on stderr:
 * a worker is never left waiting for a harness that is gone.
 */
import net from 'node:net';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import {
  type ActivityPointAt,
  type ActivityPointError,
  type ActivityPointPattern,
  type HarnessToWorker,
  jsonLines,
  matchesPattern,
  type Release,
  type WorkerToHarness,
} from './progress-wire.ts';

const HOLD_LIMIT_MS = 30_000;

export interface ActivityProbe {
  interceptor: ActivityInterceptorsFactory;
  close(): void;
}

/** Connect to the harness's progress channel at `address` (host:port) as worker `worker`. */
export async function connectActivityProbe(address: string, worker: string): Promise<ActivityProbe> {
  const colon = address.lastIndexOf(':');
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  let armed: ActivityPointPattern[] = [];
  const holds = new Map<number, (then: Release) => void>();
  let nextId = 1;
  let connected = true;
  const releaseAll = (): void => {
    connected = false;
    for (const release of holds.values()) release('continue');
    holds.clear();
  };
  socket.on(
    'data',
    jsonLines<HarnessToWorker>((message) => {
      if (message.type === 'arm') armed = message.patterns;
      else if (message.type === 'release') {
        holds.get(message.id)?.(message.then);
        holds.delete(message.id);
      }
    }),
  );
  socket.on('close', releaseAll);
  socket.on('error', releaseAll);
  const send = (message: WorkerToHarness): void => {
    if (connected) socket.write(`${JSON.stringify(message)}\n`);
  };
  send({ type: 'hello', worker, pid: process.pid });

  const point = (
    info: { activityType: string; attempt: number; workflowType?: string; workflowExecution?: { workflowId: string } },
    at: ActivityPointAt,
    error?: ActivityPointError,
  ): Promise<Release> => {
    const id = nextId++;
    const held = connected && armed.some((pattern) => matchesPattern(pattern, at, info.activityType));
    send({
      type: 'point',
      id,
      at,
      activityType: info.activityType,
      workflowId: info.workflowExecution?.workflowId ?? '',
      workflowType: info.workflowType ?? '',
      attempt: info.attempt,
      held,
      ...(error ? { error } : {}),
    });
    if (!held) return Promise.resolve('continue');
    return new Promise((resolve) => {
      const limit = setTimeout(() => {
        process.stderr.write(`activity probe: ${info.activityType} ${at} held past ${HOLD_LIMIT_MS} ms by the harness; released\n`);
        holds.delete(id);
        resolve('continue');
      }, HOLD_LIMIT_MS);
      holds.set(id, (then) => {
        clearTimeout(limit);
        resolve(then);
      });
    });
  };
  const interceptor: ActivityInterceptorsFactory = (context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = context;
        // A dropped attempt never reports: only its cancellation (the worker shutting down) ends it.
        const never = (): Promise<never> => context.cancelled;
        if ((await point(info, 'started')) === 'drop') return never();
        let result: unknown;
        try {
          result = await next(input);
        } catch (error) {
          if ((await point(info, 'failed', describeError(error))) === 'drop') return never();
          throw error;
        }
        // Held here, the result has not reached the SDK: it reports the completion only once this returns.
        if ((await point(info, 'returned')) === 'drop') return never();
        return result;
      },
    },
  });
  return { interceptor, close: () => socket.end() };
}

/** An error as a point carries it: its name, first message line, and the first frame of the code that threw it. */
export function describeError(error: unknown): ActivityPointError {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const frame = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/^at /, ''))
    .find((line) => line !== '' && !line.includes('node_modules/@temporalio') && !line.includes('node:internal'));
  return { name: error.name, message: error.message.split('\n')[0]!, ...(frame ? { frame } : {}) };
}
