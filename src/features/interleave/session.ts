/**
 * The parts one exploration runs on, started once for all its runs: the pinned time-skipping server, one bundle
 * of the workflows, one worker whose activities are the explorer's doubles, and one replay worker that replays
 * each run's history against the same bundle as soon as the run ends.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import { createTimeSkippingEnvironment } from '../../base/harness/temporal.ts';
import { installQuietRuntime, WorkerGroup } from '../../base/harness/worker.ts';
import type { History } from '../../base/history/history-file.ts';
import type { ActivityDoubleSpec } from './definition.ts';
import { ActivityDoubles } from './doubles.ts';

export const INTERLEAVE_TASK_QUEUE = 'tempest-interleave';

const silent = { fn: (): void => undefined };
/** Workflow code's logs (`log.error(...)` in a saga's compensation), hundreds of runs of them: not for the terminal (the SDK takes its deprecated sink name for its logger sink). */
const QUIET_WORKFLOW_LOGS = { defaultWorkerLogger: { trace: silent, debug: silent, info: silent, warn: silent, error: silent } };

export interface SessionOptions {
  workflowsPath: string;
  activities: Record<string, ActivityDoubleSpec>;
}

export interface InterleaveSession extends AsyncDisposable {
  /** The explored workflows module, as the session bundled it. */
  workflowsPath: string;
  /** Some run's first workflow task completed: the workflow code works, whatever a later ordering does to it. */
  served: boolean;
  env: TestWorkflowEnvironment;
  workflow: WorkflowClient;
  doubles: ActivityDoubles;
  taskQueue: string;
  /**
   * The test server holds time still while any activity it scheduled is unanswered, and forgets to let go of an
   * activity that was still unanswered when its workflow closed: time would never move again. Let go of them.
   */
  releaseTimeLocks(count: number): Promise<void>;
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
  return {
    replay: (history, workflowId) => {
      const answer = new Promise<string | undefined>((resolve) => answers.push(resolve));
      queue.push({ history, workflowId });
      wake?.();
      return Promise.race([answer, failed.then((reason) => Promise.reject(new Error(reason)))]);
    },
    close: async () => {
      closed = true;
      wake?.();
      await done.catch(() => undefined);
    },
  };
}

export async function openSession(options: SessionOptions): Promise<InterleaveSession> {
  installQuietRuntime();
  const codePath = await workflowBundleFile(options.workflowsPath);
  const env = await createTimeSkippingEnvironment();
  const doubles = new ActivityDoubles(options.activities);
  let workers: WorkerGroup | undefined;
  try {
    workers = await WorkerGroup.create({
      connection: env.nativeConnection,
      workflowBundle: { codePath },
      activities: doubles.activities(),
      taskQueues: [INTERLEAVE_TASK_QUEUE],
      sinks: QUIET_WORKFLOW_LOGS,
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  const running = workers.start();
  const replays = replayChannel(codePath);
  const close = async (): Promise<void> => {
    await replays.close();
    await workers.shutdown().catch(() => undefined);
    await running.catch(() => undefined);
    await env.teardown();
  };
  const releaseTimeLocks = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await env.connection.testService?.unlockTimeSkipping({});
  };
  return {
    workflowsPath: options.workflowsPath,
    served: false,
    env,
    workflow: env.client.workflow,
    doubles,
    taskQueue: INTERLEAVE_TASK_QUEUE,
    releaseTimeLocks,
    replay: replays.replay,
    close,
    [Symbol.asyncDispose]: close,
  };
}
