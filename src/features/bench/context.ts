/**
 * The real parts a benchmark run needs, each started at most once per run (never per sample) and only when a
 * suite asks for it: the system's parts, the dev server, the time-skipping server, the workflow bundle. Everything
 * is started through the harness, the one way tests and the CLI start them too.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PartAddress, RunnableSystem } from '../../base/system-spec.ts';
import type { Project } from '../../base/config/config.ts';
import { createSystemActivities, type StartedParts, startParts } from '../../base/harness/system-parts.ts';
import { createTimeSkippingEnvironment, type DevServer, startDevServer } from '../../base/harness/temporal.ts';
import { startTemporalServices, type TemporalServices } from '../../base/harness/temporal-services.ts';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import { installQuietRuntime, NativeConnection } from '../../base/harness/worker.ts';
import type { RunRegistry } from '../../base/harness/run-registry.ts';
import type { SpawnedProcess } from '../../base/harness/process.ts';
import { resolveTool } from '../../base/toolchain/tools.ts';
import { tlsConfig } from '../../base/harness/tls.ts';
import type { WorkerTls } from '../../base/harness/worker-flags.ts';
import { type ClusterOptions, connectToCluster } from '../replay/record.ts';
import type { ClusterInfo } from './report.ts';
import type { Workload, WorkloadSuite } from './workload.ts';

/** What a benchmark run measures: the project, its system (when it has one) and its workloads. */
export interface BenchTarget {
  project: Project;
  system?: RunnableSystem;
  workloads: readonly Workload[];
}

/**
 * Which Temporal a suite runs on: the run's server (the dev server tempest starts, or the external cluster of
 * `--cluster external`), or the services cluster (separate services on PostgreSQL).
 */
export type BenchServer = 'dev' | 'services';

/** How a worker process reaches the run's Temporal: its flags (worker-flags.ts) and the API key, passed apart. */
export interface WorkerConnection {
  address: string;
  namespace: string;
  tls?: WorkerTls;
  apiKey?: string;
}

export interface DevServerConnections {
  server: { address: string; namespace: string };
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** A started part and how to stop it; stopped in reverse order of starting. */
type Cleanup = () => Promise<unknown>;

export class BenchContext {
  /** Unique to this run: prefixes every id and task queue so runs against long-lived services never collide. */
  readonly runId = randomUUID().slice(0, 8);
  private readonly started = new Map<string, Promise<unknown>>();
  private readonly cleanups: Cleanup[] = [];
  private closed = false;
  private startedParts: StartedParts | undefined;

  private constructor(
    readonly target: BenchTarget,
    /** Holds the parts' state and the servers' logs. */
    readonly dataDir: string,
    readonly signal: AbortSignal,
    private readonly registry: RunRegistry | undefined,
    /** An existing cluster the run measures on instead of a dev server of its own (`bench run --cluster external`). */
    readonly external: ClusterOptions | undefined,
    /** Parts that already run (their addresses), instead of starting the system's. */
    private readonly givenParts: Record<string, PartAddress> | undefined,
  ) {}

  /**
   * `registry`: where the run records every server it starts, so a later run ends them if this one is killed.
   * `external`: the cluster to measure on instead of a dev server of the run's own. `parts`: the system's parts at
   * these addresses, already running, instead of starting them.
   */
  static create(options: {
    target: BenchTarget;
    dataDir: string;
    signal?: AbortSignal;
    registry?: RunRegistry;
    external?: ClusterOptions;
    parts?: Record<string, PartAddress>;
  }): BenchContext {
    installQuietRuntime();
    mkdirSync(path.join(options.dataDir, 'logs'), { recursive: true });
    return new BenchContext(
      options.target,
      options.dataDir,
      options.signal ?? new AbortController().signal,
      options.registry,
      options.external,
      options.parts,
    );
  }

  /** The system, which every suite but replay needs. */
  get system(): RunnableSystem {
    if (!this.target.system) throw new Error("this suite runs the system's workloads: set `system` in the config");
    return this.target.system;
  }

  /** The workflows module: the config's `workflows`, else the system's. */
  get workflowsPath(): string {
    const workflows = this.target.project.workflows ?? this.target.system?.workflowsPath;
    if (!workflows) throw new Error('no workflows module: set `workflows` (or `system`) in the config');
    return workflows;
  }

  /** The workloads that run in `suite`. */
  workloadsFor(suite: WorkloadSuite): Workload[] {
    return this.target.workloads.filter((workload) => workload.suites.includes(suite));
  }

  /** The system's parts, each its own process, and their addresses. */
  parts(): Promise<Record<string, PartAddress>> {
    return this.once('parts', async () => {
      if (this.givenParts) return this.givenParts;
      const started = await startParts(this.system.parts, {
        dataDir: path.join(this.dataDir, 'parts'),
        projectRoot: this.target.project.root,
        recorder: this.registry && ((part) => this.registry!.recorder(part)),
      });
      this.startedParts = started;
      this.defer(() => started.stop());
      return started.addresses;
    });
  }

  /** The pid of each part the run started (none when the parts were given). */
  partPids(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.startedParts?.running ?? {}).map(([name, part]) => [name, part.process.pid]));
  }

  /** The pids of the Temporal server processes the run started, for CPU accounting (none on an external cluster). */
  async serverPids(on: BenchServer = 'dev'): Promise<number[]> {
    if (on === 'dev') return this.external ? [] : [(await this.devServer()).process.pid];
    return (await this.temporalServices()).pids();
  }

  /** What the run measured on, for the report. */
  clusterInfo(on: BenchServer = 'dev'): ClusterInfo {
    if (on === 'dev' && this.external)
      return { kind: 'external', address: this.external.address, namespace: this.external.namespace, shared: true };
    return { kind: on, shared: false };
  }

  /** How a worker process reaches the Temporal of `on`. */
  async workerConnection(on: BenchServer = 'dev'): Promise<WorkerConnection> {
    if (on === 'dev' && this.external) {
      const { address, namespace, tls, apiKey } = this.external;
      const workerTls: WorkerTls | undefined = tls === true || (tls === undefined && apiKey) ? {} : tls || undefined;
      return { address, namespace, ...(workerTls ? { tls: workerTls } : {}), ...(apiKey ? { apiKey } : {}) };
    }
    const server = on === 'dev' ? await this.devServer() : await this.temporalServices();
    return { address: server.address, namespace: server.namespace };
  }

  /** The system's activities, built in this process and talking to its parts. */
  async activities(): Promise<Record<string, (...args: never[]) => unknown>> {
    return createSystemActivities(this.system.activitiesPath, await this.parts());
  }

  /** The Temporal dev server. */
  devServer(): Promise<DevServer> {
    return this.once('devServer', async () => {
      const server = await startDevServer({
        logFile: path.join(this.dataDir, 'logs', 'temporal.log'),
        onSpawn: this.registry?.recorder('temporal'),
      });
      this.defer(() => server.stop());
      return server;
    });
  }

  /** Temporal as separate services on PostgreSQL, each reaching it directly (see harness/temporal-services.ts). */
  temporalServices(): Promise<TemporalServices> {
    return this.once('temporalServices', async () => {
      const server = await startTemporalServices({
        dir: path.join(this.dataDir, 'temporal-services'),
        namespace: 'default',
        logFile: (name) => path.join(this.dataDir, 'logs', `${name}.log`),
        onSpawn: (name) => this.registry?.recorder(name),
      });
      this.defer(() => server.stop());
      return server;
    });
  }

  /**
   * New client and worker connections to the dev server (or the services cluster), for one suite: suites share the
   * server, never connections, so what one suite leaves behind on a connection cannot slow the next. `close` them
   * when done (they are also closed with the run).
   */
  async connectToDevServer(on: BenchServer = 'dev'): Promise<DevServerConnections> {
    const worker = await this.workerConnection(on);
    const server = { address: worker.address, namespace: worker.namespace };
    const connection =
      on === 'dev' && this.external ? await connectToCluster(this.external) : await Connection.connect({ address: server.address });
    const closeConnection = this.defer(() => connection.close());
    const nativeConnection = await NativeConnection.connect({
      address: server.address,
      ...(worker.tls ? { tls: tlsConfig(worker.tls) } : {}),
      ...(worker.apiKey ? { apiKey: worker.apiKey } : {}),
    }).catch(async (error: unknown) => {
      await closeConnection();
      throw error;
    });
    const closeNative = this.defer(() => nativeConnection.close());
    return {
      server,
      client: new Client({ connection, namespace: server.namespace }),
      nativeConnection,
      close: async () => {
        await closeNative();
        await closeConnection();
      },
    };
  }

  /** The time-skipping test server (pinned binary) with its client and worker connection. */
  timeSkipping(): Promise<TestWorkflowEnvironment> {
    return this.once('timeSkipping', async () => {
      const env = await createTimeSkippingEnvironment();
      this.defer(() => env.teardown());
      this.registry?.recordChildren('time-skipping', resolveTool('temporal-test-server').path); // the SDK spawned it
      return env;
    });
  }

  /** The system's workflows, bundled once per run (or found in the bundle cache), as a file workers load. */
  workflowBundle(): Promise<{ codePath: string }> {
    return this.once('workflowBundle', async () => ({ codePath: await workflowBundleFile(this.system.workflowsPath) }));
  }

  /** What records a process the run starts (the run registry's recorder), so a later run ends it if this one is killed. */
  recorder(name: string): ((spawned: SpawnedProcess) => void) | undefined {
    return this.registry?.recorder(name);
  }

  /** A task queue unique to this run and purpose, so workers of different drivers never take each other's tasks. */
  taskQueue(purpose: string): string {
    return `tempest-bench-${this.runId}-${purpose}`;
  }

  /**
   * Register a cleanup to run on close (last registered, first run). Returns a function that runs it now, once,
   * for a suite that stops its workers itself before the next suite starts.
   */
  defer(cleanup: Cleanup): () => Promise<void> {
    let done = false;
    const runOnce: Cleanup = async () => {
      if (done) return;
      done = true;
      await cleanup();
    };
    this.cleanups.push(runOnce);
    return async () => void (await runOnce());
  }

  /** Stop everything that was started, in reverse order; every part is attempted and the first error rethrown. */
  async close(): Promise<void> {
    this.closed = true;
    let firstError: unknown;
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => {
        firstError ??= error;
      });
    }
    if (firstError !== undefined) throw firstError;
  }

  private once<T>(key: string, start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the benchmark run is closed; cannot start ${key}`));
    let promise = this.started.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = start();
      this.started.set(key, promise);
    }
    return promise;
  }
}
