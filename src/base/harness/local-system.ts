/**
 * A system running locally, without faults: the pinned dev server (optionally with its Web UI), the system's parts
 * as processes, and in-process workers with the system's workflows and activities on its task queues. For demos,
 * recording a corpus, and a team's own end-to-end tests. Stopping stops every part, each attempted.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PartAddress, RunnableSystem } from '../system-spec.ts';
import { createSystemActivities, type StartedParts, startParts } from './system-parts.ts';
import { type DevServer, startDevServer } from './temporal.ts';
import { workflowBundleFile } from './bundle.ts';
import { StopStack } from './stop-stack.ts';
import { installQuietRuntime, NativeConnection, WorkerGroup } from './worker.ts';

export interface LocalSystemOptions {
  system: RunnableSystem;
  projectRoot: string;
  /** Holds the parts' state and every log (<dataDir>/logs). */
  dataDir: string;
  /** Serve the Temporal Web UI. */
  ui?: boolean;
}

export interface LocalSystem {
  temporal: DevServer;
  /** Each part's address. */
  parts: Record<string, PartAddress>;
  /** A client on the dev server's namespace. */
  client: Client;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  installQuietRuntime();
  const { system } = options;
  // Workflow code that does not bundle is said (file, line, cause) before any server starts.
  const workflowBundle = { codePath: await workflowBundleFile(system.workflowsPath) };
  // Stopped in reverse: the workers, then the connections, then the servers. Each is attempted; the first failure is thrown once all were.
  const started = new StopStack();
  const stop = (): Promise<void> => started.stopAll();
  try {
    // Both settle before anything is judged, so that what one started is on the stack when the other failed.
    const starts = await Promise.allSettled([
      started.adopt(startDevServer({ ui: options.ui, logFile: path.join(options.dataDir, 'logs', 'temporal.log') }), (dev) => dev.stop()),
      started.adopt(startParts(system.parts, { dataDir: options.dataDir, projectRoot: options.projectRoot }), (running) => running.stop()),
    ] as const);
    const [temporal, parts] = starts.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [DevServer, StartedParts];
    const connection = await started.adopt(Connection.connect({ address: temporal.address }), (opened) => opened.close());
    const nativeConnection = await started.adopt(NativeConnection.connect({ address: temporal.address }), (opened) => opened.close());
    const workers = await WorkerGroup.create({
      connection: nativeConnection,
      namespace: temporal.namespace,
      workflowBundle,
      activities: await createSystemActivities(system.activitiesPath, parts.addresses),
      taskQueues: system.workers.taskQueues,
    });
    void workers.start();
    started.defer(() => workers.shutdown());
    return {
      temporal,
      parts: parts.addresses,
      client: new Client({ connection, namespace: temporal.namespace }),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop().catch(() => undefined); // the start failure is the error worth reporting
    throw error;
  }
}
