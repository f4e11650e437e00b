/**
 * The parts one exploration runs on, started once for all its runs and kept hot: the pinned time-skipping server
 * (its clock frozen, so virtual time moves only when a run moves it), one bundle of the workflows, one worker whose
 * activities are the explorer's doubles, and one replay worker that replays each run's histories against the same bundle as soon as the run
 * ends (a history whose shape was replayed before is not replayed again).
 */
import { createHash } from 'node:crypto';
import { WorkflowClient } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { HarnessError } from '../../base/errors.ts';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import { createTimeSkippingEnvironment, type TestServerClock } from '../../base/harness/temporal.ts';
import { VirtualClock } from '../../base/harness/virtual-clock.ts';
import { installQuietRuntime } from '../../base/harness/worker.ts';
import type { History } from '../../base/history/history-file.ts';
import { protoMs } from '../../base/history/time.ts';
import type { ActivityDoubleSpec } from './definition.ts';
import { ActivityDoubles } from './doubles.ts';
import { ObservedWorker } from './worker.ts';

export const INTERLEAVE_TASK_QUEUE = 'tempest-interleave';

const silent = { fn: (): void => undefined };
/** Workflow code's logs (`log.error(...)` in a saga's compensation), hundreds of runs of them: not for the terminal (the SDK takes its deprecated sink name for its logger sink). */
const QUIET_WORKFLOW_LOGS = { defaultWorkerLogger: { trace: silent, debug: silent, info: silent, warn: silent, error: silent } };

export interface SessionOptions {
  workflowsPath: string;
  activities: Record<string, ActivityDoubleSpec>;
  /** The test server's clock (default frozen; real where the frozen clock cannot run). */
  clock?: TestServerClock;
}

export interface InterleaveSession extends AsyncDisposable {
  /** The explored workflows module, as the session bundled it. */
  workflowsPath: string;
  /** Some run's first workflow task completed: the workflow code works, whatever a later ordering does to it. */
  served: boolean;
  env: TestWorkflowEnvironment;
  /** A plain client: the time-skipping one lets time run while it waits for a result. */
  workflow: WorkflowClient;
  clock: VirtualClock;
  worker: ObservedWorker;
  doubles: ActivityDoubles;
  taskQueue: string;
  /** Replay a history against the explored code: undefined when it replays clean, else why not. */
  replay(history: History, workflowId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Replays histories one after another on one long-lived replay worker (starting one per run costs more than the run). */
function replayChannel(codePath: string): {
  replay(history: History, workflowId: string): Promise<string | undefined>;
  close(): Promise<void>;
} {
  const queue: { history: History; workflowId: string }[] = [];
  const answers: ((error: string | undefined) => void)[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  async function* histories(): AsyncGenerator<{ history: History; workflowId: string }> {
    for (;;) {
      while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      const next = queue.shift();
      if (!next) return;
      yield next;
    }
  }
  const done = (async () => {
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, histories())) {
      answers.shift()?.(result.error ? result.error.message.split('\n')[0] : undefined);
    }
  })();
  const failed = done.then(
    () => 'the replay worker stopped',
    (error: unknown) => `the replay worker failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  // A history of a shape replayed before replays the same way: only its first copy is replayed.
  const known = new Map<string, Promise<string | undefined>>();
  return {
    replay: (history, workflowId) => {
      const key = replayKey(history);
      const seen = known.get(key);
      if (seen) return seen;
      const answer = new Promise<string | undefined>((resolve) => answers.push(resolve));
      queue.push({ history, workflowId });
      wake?.();
      const verdict = Promise.race([answer, failed.then((reason) => Promise.reject(new HarnessError(reason)))]);
      known.set(key, verdict);
      return verdict;
    },
    close: async () => {
      closed = true;
      wake?.();
      await done.catch(() => undefined);
    },
  };
}

/** Keys that differ between two runs of one ordering but never change how the code replays. */
const RUN_SPECIFIC =
  /^(workflowId|runId|originalExecutionRunId|firstExecutionRunId|continuedExecutionRunId|newExecutionRunId|identity|requestId|binaryChecksum|buildId|workerVersion|deploymentName|workflowTaskCompletedEventId|parentWorkflowExecution|rootWorkflowExecution|taskToken|protocolInstanceId|updateId|messageId|eagerExecutionAccepted|expirationTime)$/;

const USED_FLAGS = /^(coreUsedFlags|langUsedFlags)$/;

/**
 * A history without what differs between runs of one ordering (ids, identities, absolute times: kept relative to
 * its start; the order of the SDK's used flags) and with each payload as text with the run's workflow id taken out: two histories with one key replay alike.
 */
function replayKey(history: History): string {
  const events = history.events ?? [];
  const start = protoMs(events[0]?.eventTime);
  const ids = new Set<string>();
  for (const event of events) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started?.workflowId) ids.add(started.workflowId);
  }
  const idPattern = ids.size > 0 ? new RegExp([...ids].map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
  const json = JSON.stringify(
    events.map((event) => ({ ...event, eventTime: protoMs(event.eventTime) - start })),
    (key, value: unknown) => {
      if (RUN_SPECIFIC.test(key)) return undefined;
      // the SDK's flags are a set, written in any order
      if (USED_FLAGS.test(key) && Array.isArray(value)) return [...(value as number[])].sort((a, b) => a - b);
      if (value instanceof Uint8Array) {
        const text = Buffer.from(value).toString('utf8');
        return idPattern ? text.replace(idPattern, '<workflow>') : text;
      }
      return value;
    },
  );
  return createHash('sha256').update(json).digest('hex');
}

export async function openSession(options: SessionOptions): Promise<InterleaveSession> {
  installQuietRuntime();
  const codePath = await workflowBundleFile(options.workflowsPath);
  const env = await createTimeSkippingEnvironment({ clock: options.clock });
  const doubles = new ActivityDoubles(options.activities);
  const workflow = new WorkflowClient({ connection: env.connection });
  let worker: ObservedWorker;
  try {
    worker = (await ObservedWorker.create({
      connection: env.nativeConnection,
      taskQueue: INTERLEAVE_TASK_QUEUE,
      workflowBundle: { codePath },
      activities: doubles.activities(),
      sinks: QUIET_WORKFLOW_LOGS,
      // a worker that failed (Core refused a completion) may wait forever on the task it could not complete
      shutdownForceTime: '5s',
    })) as ObservedWorker;
  } catch (error) {
    await env.teardown();
    throw error;
  }
  const running = worker.run();
  let closing = false;
  // A worker that stops while the session is open (Core refused a completion, say) ends every wait of the run
  // under way, and of any later one, with a harness error that says why: never a hang, never a run without progress.
  running.then(
    () => closing || worker.stopped(),
    (error: unknown) => closing || worker.stopped(error),
  );
  const replays = replayChannel(codePath);
  const close = async (): Promise<void> => {
    closing = true;
    await replays.close();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
  };
  return {
    workflowsPath: options.workflowsPath,
    served: false,
    env,
    workflow,
    clock: VirtualClock.of(env),
    worker,
    doubles,
    taskQueue: INTERLEAVE_TASK_QUEUE,
    replay: replays.replay,
    close,
    [Symbol.asyncDispose]: close,
  };
}
