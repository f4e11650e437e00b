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
  const stoppers: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    // Workers first, then connections, then the servers: the reverse of starting. Each is attempted; the first
    // failure is thrown once all were.
    const failures: unknown[] = [];
    for (const stopper of stoppers.splice(0).reverse()) await stopper().catch((error: unknown) => void failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
  // Workflow code that does not bundle is said (file, line, cause) before any server starts.
  const workflowBundle = { codePath: await workflowBundleFile(system.workflowsPath) };
  try {
    const started = await Promise.allSettled([
      startDevServer({ ui: options.ui, logFile: path.join(options.dataDir, 'logs', 'temporal.log') }),
      startParts(system.parts, { dataDir: options.dataDir, projectRoot: options.projectRoot }),
    ] as const);
    const [temporal, parts] = started;
    if (temporal.status === 'fulfilled') stoppers.push(() => temporal.value.stop());
    if (parts.status === 'fulfilled') stoppers.push(() => parts.value.stop());
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const dev = (temporal as PromiseFulfilledResult<DevServer>).value;
    const addresses = (parts as PromiseFulfilledResult<StartedParts>).value.addresses;
    const connection = await Connection.connect({ address: dev.address });
    stoppers.push(() => connection.close());
    const nativeConnection = await NativeConnection.connect({ address: dev.address });
    stoppers.push(() => nativeConnection.close());
    const workers = await WorkerGroup.create({
      connection: nativeConnection,
      namespace: dev.namespace,
      workflowBundle,
      activities: await createSystemActivities(system.activitiesPath, addresses),
      taskQueues: system.workers.taskQueues,
    });
    void workers.start();
    stoppers.push(() => workers.shutdown());
    return {
      temporal: dev,
      parts: addresses,
      client: new Client({ connection, namespace: dev.namespace }),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop().catch(() => undefined); // the start failure is the error worth reporting
    throw error;
  }
}
