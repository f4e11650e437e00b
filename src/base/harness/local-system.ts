/**
 * A system running locally, without faults: the pinned dev server (optionally with its Web UI), the system's parts
 * as processes, and in-process workers with the system's workflows and activities on its task queues. For
 * `tempest up`, demos, recording a corpus, and a team's own end-to-end tests. Stopping stops every part, each
 * attempted; with a state directory, the run is recorded (run-registry.ts), so a run killed with -9 is cleaned up
 * by the next one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Interrupted, UsageError } from '../errors.ts';
import { shownPath } from '../modules/user-module.ts';
import type { PartAddress, RunnableSystem } from '../system-spec.ts';
import { workflowBundleFile } from './bundle.ts';
import { cleanupStaleRuns, RunRegistry } from './run-registry.ts';
import { StopStack } from './stop-stack.ts';
import { createSystemActivities, type StartedParts, startParts } from './system-parts.ts';
import { type DevServer, startDevServer } from './temporal.ts';
import { installQuietRuntime, NativeConnection, WorkerGroup } from './worker.ts';

export interface LocalSystemOptions {
  system: RunnableSystem;
  projectRoot: string;
  /** Holds the parts' state and every log (<dataDir>/logs); by default a temporary directory, removed when the system stops. */
  dataDir?: string;
  /** Serve the Temporal Web UI. */
  ui?: boolean;
  /** The dev server's gRPC port and the Web UI's (free ones when absent). */
  port?: number;
  uiPort?: number;
  /**
   * Record the run's processes under <stateDir>/runs (the project's `.tempest/up`, say): a later start with the same
   * state directory ends what a run killed with -9 left running, and removes its temporary data directory.
   */
  stateDir?: string;
  /** Told what a cleanup of a killed run did. */
  log?: (line: string) => void;
}

export interface LocalSystem {
  temporal: DevServer;
  /** Each part's address. */
  parts: Record<string, PartAddress>;
  /** A client on the dev server's namespace. */
  client: Client;
  /** Where the parts' state and the logs are. */
  dataDir: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  installQuietRuntime();
  const { system } = options;
  // Workflow code that does not bundle is said (file, line, cause) before any server starts.
  const workflowBundle = { codePath: await workflowBundleFile(system.workflowsPath) };
  // Stopped in reverse: the workers, then the connections, then the servers, the record, the data directory. Each
  // is attempted; the first failure is thrown once all were.
  const started = new StopStack();
  const stop = (): Promise<void> => started.stopAll();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tempest-local-'));
  if (ownsDataDir) started.defer(async () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    let registry: RunRegistry | undefined;
    if (options.stateDir) {
      for (const stale of await cleanupStaleRuns(options.stateDir)) {
        const killed = stale.killed.map((p) => `${p.name} (pid ${p.pid})`).join(', ') || 'nothing was left running';
        options.log?.(`cleaned up a run whose harness was killed (${stale.dataDir}): ${killed}`);
      }
      registry = RunRegistry.open(options.stateDir, dataDir, { ownsDataDir });
      const opened = registry;
      started.defer(async () => opened.close());
    }
    // Both settle before anything is judged, so that what one started is on the stack when the other failed.
    const starts = await Promise.allSettled([
      started.adopt(
        startDevServer({
          ui: options.ui,
          port: options.port,
          uiPort: options.uiPort,
          logFile: path.join(dataDir, 'logs', 'temporal.log'),
          onSpawn: registry?.recorder('temporal'),
        }),
        (dev) => dev.stop(),
      ),
      started.adopt(
        startParts(system.parts, { dataDir, projectRoot: options.projectRoot, recorder: registry && ((part) => registry.recorder(part)) }),
        (running) => running.stop(),
      ),
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
      dataDir,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop().catch(() => undefined); // the start failure is the error worth reporting
    throw error;
  }
}

/** The lines that say where a running system is: Temporal and its Web UI, each part, the workers. */
export function describeLocalSystem(local: LocalSystem, system: RunnableSystem): string[] {
  const width = Math.max('Temporal'.length, ...Object.keys(local.parts).map((name) => name.length));
  return [
    `  ${'Temporal'.padEnd(width)}  ${local.temporal.address} (namespace ${local.temporal.namespace})${local.temporal.uiUrl ? `, Web UI ${local.temporal.uiUrl}` : ''}`,
    ...Object.entries(local.parts).map(([name, part]) => `  ${name.padEnd(width)}  ${part.url}`),
    `  ${'workers'.padEnd(width)}  task queue${system.workers.taskQueues.length === 1 ? '' : 's'} ${system.workers.taskQueues.join(', ')}: ${shownPath(system.workflowsPath)}, ${shownPath(system.activitiesPath)}`,
  ];
}

/** A UsageError naming `flag` when something already listens on 127.0.0.1:`port` (another dev server, say). */
export async function checkPortFree(port: number, flag: string): Promise<void> {
  const server = net.createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    server.once('error', resolve);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(undefined));
  });
  await new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined)));
  if (error?.code === 'EADDRINUSE')
    throw new UsageError(
      `${flag} ${port}: something already listens there (another tempest up or Temporal dev server?); stop it, or pass ${flag} <another port>`,
    );
  if (error) throw new UsageError(`${flag} ${port}: cannot listen there (${error.code ?? error.message})`);
}

export interface RunLocalSystemOptions extends LocalSystemOptions {
  /** Each line a person needs: where the system is, then that it stopped. */
  log: (line: string) => void;
  /** Aborting it (Ctrl-C) stops the system. */
  signal: AbortSignal;
  /** What to do once the system is up (drive its workload, a demo's own calls); its result is the exit code. */
  use?: (local: LocalSystem) => Promise<number>;
  /** After `use`, stay up until the signal aborts; without `use`, the system always stays up until then. */
  keepRunning?: boolean;
}

/**
 * `tempest up`, and whatever else runs a system locally for a person (the packaged demo): start it, say where each
 * part is, use it, keep it up until Ctrl-C when asked, and stop it, leaving nothing behind. Returns `use`'s exit code
 * (0 without one); throws Interrupted when the signal aborts while it starts or while `use` runs.
 */
export async function runLocalSystem(options: RunLocalSystemOptions): Promise<number> {
  const { log, signal, system } = options;
  const aborted = new Promise<never>((_, reject) => {
    const stop = (): void => reject(new Interrupted('interrupted; stopped the servers'));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  aborted.catch(() => undefined);
  const starting = startLocalSystem(options);
  let local: LocalSystem;
  try {
    local = await Promise.race([starting, aborted]);
  } catch (error) {
    // A start the signal cut short stops what it had started, and says so once it has.
    await starting.then((late) => late.stop()).catch(() => undefined);
    throw error;
  }
  try {
    log(`${system.name} is up locally (state in ${local.dataDir}):`);
    for (const line of describeLocalSystem(local, system)) log(line);
    const running = options.use ? local.client.connection.withAbortSignal(signal, () => options.use!(local)) : Promise.resolve(0);
    const code = await Promise.race([running, aborted]);
    if (!options.use || options.keepRunning) {
      log(`Up until Ctrl-C${local.temporal.uiUrl ? `: open ${local.temporal.uiUrl}` : ''}.`);
      await aborted.catch(() => undefined);
    }
    return code;
  } finally {
    await local.stop();
    const ui = local.temporal.uiUrl ? ` (the Web UI at ${local.temporal.uiUrl} with them)` : '';
    log(`Stopped: every server of ${system.name} ended${ui}${options.dataDir === undefined ? ', its state removed' : ''}.`);
  }
}
