/**
 * Workers for a project's workflows: the workflow code is bundled once and shared by one worker per task queue.
 */
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { bundleWorkflowCodeChecked } from './bundle.ts';

let runtimeInstalled = false;

/**
 * Install the SDK runtime the harness wants (call before the first connection or worker):
 * - logging at ERROR: at WARN the worker logs every failed workflow, which in a test of failure paths is every
 *   other test;
 * - no signal handlers: by default the runtime catches SIGINT/SIGTERM, shuts its workers down and re-raises the
 *   signal, which kills this process before it can stop the servers it started. The CLI owns signals.
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    shutdownSignals: [],
    // Core (the native side) logs each non-deterministic replay as a warning on its own; replay reports it better.
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, console: {} } },
  });
}

/**
 * Bundle a workflows module (TypeScript or JavaScript) once; pass the result to every worker. Code that does not
 * bundle throws a WorkflowBundleError: the file, the line and the cause in one line.
 */
export async function bundleWorkflows(workflowsPath: string): Promise<WorkflowBundle> {
  return { code: (await bundleWorkflowCodeChecked({ workflowsPath })).code };
}

export interface WorkerGroupOptions {
  connection: NativeConnection;
  namespace?: string;
  /** A bundle from bundleWorkflows(), or `{ codePath }` of one written to a file. */
  workflowBundle: WorkflowBundleOption;
  activities: object;
  taskQueues: readonly string[];
  /** Sinks of the workers' workflow code (e.g. one that silences workflow logs); the SDK's own when absent. */
  sinks?: WorkerOptions['sinks'];
  /** Interceptors of every worker (a benchmark's meter, say). */
  interceptors?: WorkerOptions['interceptors'];
  /** How the workers name themselves to the server (its pollers list shows it). */
  identity?: string;
}

/** One worker per task queue, run and shut down together. */
export class WorkerGroup {
  private running: Promise<void> | undefined;

  private constructor(readonly workers: Worker[]) {}

  static async create(options: WorkerGroupOptions): Promise<WorkerGroup> {
    const workers = await Promise.all(
      options.taskQueues.map((taskQueue) =>
        Worker.create({
          connection: options.connection,
          namespace: options.namespace ?? 'default',
          taskQueue,
          workflowBundle: options.workflowBundle,
          activities: options.activities,
          ...(options.sinks ? { sinks: options.sinks } : {}),
          ...(options.interceptors ? { interceptors: options.interceptors } : {}),
          ...(options.identity ? { identity: options.identity } : {}),
        }),
      ),
    );
    return new WorkerGroup(workers);
  }

  /** Start polling; resolves once every worker has stopped. */
  start(): Promise<void> {
    this.running ??= Promise.all(this.workers.map((worker) => worker.run())).then(() => undefined);
    return this.running;
  }

  /** Stop polling, let in-flight tasks finish, and wait until every worker has stopped. */
  async shutdown(): Promise<void> {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
    await this.running;
  }
}

export { NativeConnection };
