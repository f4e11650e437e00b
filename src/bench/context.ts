/**
 * The real parts a benchmark run needs, each started at most once per run (never per sample) and only when a
 * suite asks for it: the bank and store services, the dev server, the time-skipping server, the workflow bundle.
 * Everything is started through the harness, the one way tests and the CLI start them too.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { ServiceClients } from '../../activities/index.ts';
import { type RunningService, startService } from '../harness/services.ts';
import { createTimeSkippingEnvironment, type DevServer, startDevServer } from '../harness/temporal.ts';
import { bundleWorkflows, installQuietRuntime, NativeConnection } from '../harness/worker.ts';
import { BankClient } from '../../services/bank/client.ts';
import { StoreClient } from '../../services/store/client.ts';

export interface Services {
  bank: RunningService;
  store: RunningService;
  clients: ServiceClients;
  urls: { bankUrl: string; storeUrl: string };
}

export interface DevServerConnections {
  server: DevServer;
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

  private constructor(
    /** Holds the services' databases and the servers' logs. */
    readonly dataDir: string,
    readonly signal: AbortSignal,
  ) {}

  static create(options: { dataDir: string; signal?: AbortSignal }): BenchContext {
    installQuietRuntime();
    mkdirSync(path.join(options.dataDir, 'logs'), { recursive: true });
    return new BenchContext(options.dataDir, options.signal ?? new AbortController().signal);
  }

  /** The bank and store, each its own process. */
  services(): Promise<Services> {
    return this.once('services', async () => {
      const logs = path.join(this.dataDir, 'logs');
      const started = await Promise.allSettled([
        startService('bank', { dataDir: path.join(this.dataDir, 'bank'), logFile: path.join(logs, 'bank.log') }),
        startService('store', { dataDir: path.join(this.dataDir, 'store'), logFile: path.join(logs, 'store.log') }),
      ]);
      for (const s of started) if (s.status === 'fulfilled') this.defer(() => s.value.stop());
      const [bank, store] = started;
      if (bank.status === 'rejected') throw bank.reason;
      if (store.status === 'rejected') throw store.reason;
      const urls = { bankUrl: bank.value.url, storeUrl: store.value.url };
      return {
        bank: bank.value,
        store: store.value,
        urls,
        clients: { bank: new BankClient({ baseUrl: urls.bankUrl }), store: new StoreClient({ baseUrl: urls.storeUrl }) },
      };
    });
  }

  /** The Temporal dev server. */
  devServer(): Promise<DevServer> {
    return this.once('devServer', async () => {
      const server = await startDevServer({ logFile: path.join(this.dataDir, 'logs', 'temporal.log') });
      this.defer(() => server.stop());
      return server;
    });
  }

  /**
   * New client and worker connections to the dev server, for one suite: suites share the server, never
   * connections, so what one suite leaves behind on a connection cannot slow the next. `close` them when done
   * (they are also closed with the run).
   */
  async connectToDevServer(): Promise<DevServerConnections> {
    const server = await this.devServer();
    const connection = await Connection.connect({ address: server.address });
    const closeConnection = this.defer(() => connection.close());
    const nativeConnection = await NativeConnection.connect({ address: server.address }).catch(async (error: unknown) => {
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
      return env;
    });
  }

  /** The packaged workflows, bundled once per run. */
  workflowBundle(): Promise<WorkflowBundle> {
    return this.once('workflowBundle', () => bundleWorkflows());
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
