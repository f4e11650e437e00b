/**
 * What the local and external providers share: around a Temporal frontend (a dev server they run, or an existing
 * cluster), the bank and store services, Toxiproxy with the four links, and N worker processes, all child
 * processes of this harness with their state and logs under the run's data directory:
 *
 *   <dataDir>/bank/, store/     the services' databases (they survive a kill -9 and a restart)
 *   <dataDir>/bundles/          the workflow bundle of each deploy (bundled once, shared by every worker)
 *   <dataDir>/logs/<part>.log   each part's output, appended across restarts
 *
 * Every process is recorded in the run registry as it spawns, so a run killed with -9 leaves nothing that the
 * next run cannot clean up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SpawnedProcess, stopAll } from '../../harness/process.ts';
import { startService } from '../../harness/services.ts';
import { startToxiproxy, type ToxiproxyServer } from '../../harness/toxiproxy.ts';
import { bundleWorkflows } from '../../harness/worker.ts';
import type { WorkerTls } from '../../harness/worker-flags.ts';
import { startWorkerProcess, type WorkerProcessOptions } from '../../harness/workers.ts';
import { ControlledProcess, type LaunchedPart } from './controlled-process.ts';
import { createLinks } from './links.ts';
import { cleanupStaleRuns, defaultStateDir, RunRegistry } from './run-registry.ts';
import type { Cluster, ClusterOptions, ClusterProcess, Link, LinkName, ProcessName, WorkerCode } from './types.ts';

export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
  constructor(
    readonly provider: Cluster['provider'],
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${provider} cluster: ${message}`, options);
  }
}

/** What a provider tells the shared part about its Temporal. */
export interface TemporalFrontend {
  /** host:port that the two temporal links forward to; also the cluster's directAddress. */
  address: string;
  webUiUrl?: string;
  /** The Temporal server process, when the provider runs it. */
  process?: ControlledProcess;
  /** For the cluster's clients (Cluster.connectionOptions). */
  connectionOptions?: Cluster['connectionOptions'];
  /** TLS for the worker processes, which connect through the worker-temporal link. */
  workerTls?: WorkerTls;
}

/** A started Toxiproxy, and where each link's proxy is to listen (a free port of 127.0.0.1 when it does not say). */
export interface LaunchedToxiproxy extends Pick<ToxiproxyServer, 'client' | 'stop'> {
  proxyListen?(link: LinkName): string;
}

/** How the shared parts start: as child processes (the default), or otherwise (the docker provider's containers). */
export interface PartLaunchers {
  toxiproxy(context: PartContext): Promise<LaunchedToxiproxy>;
  /** A service on `port` (one of its choice when absent) with its data in <dataDir>/<name>; every restart passes the port of the first start. */
  service(name: 'bank' | 'store', context: PartContext, port: number | undefined): Promise<LaunchedPart & { port: number }>;
  worker(options: WorkerProcessOptions, context: PartContext): Promise<LaunchedPart>;
  /**
   * The address by which the parts (Toxiproxy, the workers) reach what the harness reaches at `address`
   * (host:port): the same address unless they live on a network of their own.
   */
  inside?(address: string): string;
  /** Called once every part has stopped (cluster stop, or a failed start): remove what the launchers keep. */
  dispose?(): Promise<void>;
}

/** The parts as child processes of this harness. */
export const processLaunchers: PartLaunchers = {
  toxiproxy: (context) => startToxiproxy({ logFile: context.logFile('toxiproxy'), onSpawn: context.recorder('toxiproxy') }),
  service: (name, context, port) =>
    startService(name, { dataDir: path.join(context.dataDir, name), port, logFile: context.logFile(name), onSpawn: context.recorder(name) }),
  worker: (options) => startWorkerProcess(options),
};

/** Helpers a provider gets to start its Temporal the way every other part starts. */
export interface PartContext {
  dataDir: string;
  namespace: string;
  logFile(part: string): string;
  /** Records the process in the run registry as soon as it spawns. */
  recorder(part: string): (spawned: SpawnedProcess) => void;
  /** Labels for a container of this run, so that a later run can remove it if this harness is killed. */
  containerLabels(): Record<string, string>;
}

interface Deployment {
  bundlePath: string;
  activitiesPath: string;
}

const errorLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Attempt every action at once; rethrow the first failure once all have settled. */
async function attemptAll(actions: (() => Promise<unknown>)[]): Promise<void> {
  await stopAll(actions);
}

/** Run the steps one after the other, each even when an earlier one failed; rethrow the first failure at the end. */
async function attemptInOrder(steps: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => void failures.push(error));
  if (failures.length > 0) throw failures[0];
}

interface ClusterParts {
  provider: Cluster['provider'];
  namespace: string;
  frontend: TemporalFrontend;
  bank: ControlledProcess;
  store: ControlledProcess;
  bankUrl: string;
  storeUrl: string;
  toxiproxy: LaunchedToxiproxy;
  links: Record<LinkName, Link>;
  workers: ControlledProcess[];
  deploy: (code: WorkerCode) => Promise<void>;
  registry: RunRegistry;
  dispose?: () => Promise<void>;
}

class ProcessCluster implements Cluster {
  readonly provider: Cluster['provider'];
  readonly namespace: string;
  readonly clientAddress: string;
  readonly directAddress: string;
  readonly connectionOptions?: Cluster['connectionOptions'];
  readonly webUiUrl?: string;
  readonly bankUrl: string;
  readonly storeUrl: string;
  readonly links: Record<LinkName, Link>;
  readonly processes: ReadonlyMap<ProcessName, ClusterProcess>;
  /** Temporal (when the provider runs it), bank, store: what workers need to start. */
  private readonly servers: ControlledProcess[];
  private readonly workers: ControlledProcess[];
  private stopping: Promise<void> | undefined;

  constructor(private readonly parts: ClusterParts) {
    const { frontend } = parts;
    this.provider = parts.provider;
    this.namespace = parts.namespace;
    this.clientAddress = parts.links['client-temporal'].listen;
    this.directAddress = frontend.address;
    this.connectionOptions = frontend.connectionOptions;
    this.webUiUrl = frontend.webUiUrl;
    this.bankUrl = parts.bankUrl;
    this.storeUrl = parts.storeUrl;
    this.links = parts.links;
    this.servers = [...(frontend.process ? [frontend.process] : []), parts.bank, parts.store];
    this.workers = parts.workers;
    this.processes = new Map([...this.servers, ...this.workers].map((part) => [part.name, part]));
  }

  deployWorkers(code: WorkerCode): Promise<void> {
    return this.parts.deploy(code);
  }

  async healAll(): Promise<void> {
    await attemptInOrder([
      () => this.parts.toxiproxy.client.reset(), // every proxy enabled, every toxic removed
      () => attemptAll([...this.servers, ...this.workers].map((part) => () => part.resume())),
      // Servers first: a worker cannot start without its Temporal.
      () => attemptAll(this.servers.filter((part) => part.needsRestart).map((part) => () => part.start())),
      () => attemptAll(this.workers.filter((part) => part.needsRestart).map((part) => () => part.start())),
    ]);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  private async stopEverything(): Promise<void> {
    await attemptInOrder([
      // Healed links and running servers let the workers shut down gracefully instead of waiting out their grace period.
      () => this.parts.toxiproxy.client.reset(),
      () => attemptAll(this.servers.map((part) => () => part.resume())),
      () => stopAll(this.workers.map((worker) => () => worker.stop())),
      () => stopAll([...this.servers.map((part) => () => part.stop()), () => this.parts.toxiproxy.stop()]),
      () => this.parts.dispose?.() ?? Promise.resolve(),
    ]);
    this.parts.registry.close(); // only once every process is gone: otherwise a later run must still find them
  }
}

/**
 * Start the shared parts and the provider's Temporal (`startTemporal`, run in parallel with the services,
 * Toxiproxy and the bundling). On any failure everything already started is stopped before the error is thrown.
 */
export async function startProcessCluster(
  provider: Cluster['provider'],
  options: ClusterOptions,
  startTemporal: (context: PartContext) => Promise<TemporalFrontend>,
  launchers: PartLaunchers = processLaunchers,
): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const dataDir = path.resolve(options.dataDir);
  const stateDir = options.stateDir ? path.resolve(options.stateDir) : defaultStateDir();
  const { count, taskQueues } = options.workers;
  if (!Number.isInteger(count) || count < 1) throw new ClusterStartError(provider, `workers.count must be a positive integer, got ${count}`);
  if (taskQueues.length === 0) throw new ClusterStartError(provider, 'workers.taskQueues is empty: give at least one task queue');
  const logsDir = path.join(dataDir, 'logs');
  const bundlesDir = path.join(dataDir, 'bundles');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(bundlesDir, { recursive: true });

  for (const stale of await cleanupStaleRuns(stateDir)) {
    const left = [...stale.killed.map((p) => `${p.name} (pid ${p.pid})`), ...stale.removedContainers.map((id) => `container ${id.slice(0, 12)}`)];
    const killed = left.join(', ') || 'nothing was left running';
    log(`cleaned up a run whose harness was killed (${stale.dataDir}): ${killed}`);
  }
  const registry = RunRegistry.open(stateDir, dataDir);
  const context: PartContext = {
    dataDir,
    namespace,
    logFile: (part) => path.join(logsDir, `${part}.log`),
    recorder: (part) => registry.recorder(part),
    containerLabels: () => registry.containerLabels(),
  };

  let bundles = 0;
  const bundle = async (workflowsPath: string): Promise<string> => {
    const bundlePath = path.join(bundlesDir, `workflows-${bundles++}.js`);
    writeFileSync(bundlePath, (await bundleWorkflows(path.resolve(workflowsPath))).code);
    return bundlePath;
  };
  const bank = controlledService('bank', context, launchers);
  const store = controlledService('store', context, launchers);

  const startedAt = Date.now();
  const stoppers: (() => Promise<unknown>)[] = [];
  const fail = async (part: string, error: unknown): Promise<never> => {
    await stopAll(stoppers).catch(() => undefined); // the start failure is the error worth reporting
    await launchers.dispose?.().catch(() => undefined);
    registry.close();
    throw new ClusterStartError(provider, `${part}: ${errorLine(error)}`, { cause: error });
  };

  log(`starting the ${provider} cluster (state and logs in ${dataDir}) ...`);
  const [temporal, toxiproxy, bankStarted, storeStarted, firstBundle] = await Promise.allSettled([
    startTemporal(context),
    launchers.toxiproxy(context),
    bank.process.start(),
    store.process.start(),
    bundle(options.workers.workflowsPath),
  ]);
  const temporalProcess = temporal.status === 'fulfilled' ? temporal.value.process : undefined;
  if (temporalProcess) stoppers.push(() => temporalProcess.stop());
  if (toxiproxy.status === 'fulfilled') stoppers.push(() => toxiproxy.value.stop());
  if (bankStarted.status === 'fulfilled') stoppers.push(() => bank.process.stop());
  if (storeStarted.status === 'fulfilled') stoppers.push(() => store.process.stop());
  if (temporal.status === 'rejected') return fail('Temporal', temporal.reason);
  if (toxiproxy.status === 'rejected') return fail('Toxiproxy', toxiproxy.reason);
  if (bankStarted.status === 'rejected') return fail('bank', bankStarted.reason);
  if (storeStarted.status === 'rejected') return fail('store', storeStarted.reason);
  if (firstBundle.status === 'rejected') return fail(`bundling ${options.workers.workflowsPath}`, firstBundle.reason);
  const frontend = temporal.value;

  const inside = launchers.inside ?? ((address: string) => address);
  let links: Record<LinkName, Link>;
  try {
    const upstreams: Record<LinkName, string> = {
      'worker-temporal': inside(frontend.address),
      'client-temporal': inside(frontend.address),
      'worker-bank': inside(new URL(bank.url()).host),
      'worker-store': inside(new URL(store.url()).host),
    };
    links = await createLinks(toxiproxy.value.client, upstreams, toxiproxy.value.proxyListen?.bind(toxiproxy.value));
  } catch (error) {
    return fail('links', error);
  }

  let deployment: Deployment = { bundlePath: firstBundle.value, activitiesPath: path.resolve(options.workers.activitiesPath) };
  const workers = Array.from({ length: count }, (_, index) => {
    const name = `worker-${index + 1}`;
    return new ControlledProcess(name, () =>
      launchers.worker({
        name,
        address: inside(links['worker-temporal'].listen),
        namespace,
        taskQueues,
        bundle: deployment.bundlePath,
        activities: deployment.activitiesPath,
        bankUrl: `http://${inside(links['worker-bank'].listen)}`,
        storeUrl: `http://${inside(links['worker-store'].listen)}`,
        tls: frontend.workerTls,
        apiKey: frontend.connectionOptions?.apiKey,
        logFile: context.logFile(name),
        onSpawn: context.recorder(name),
      }, context),
    );
  });
  stoppers.push(...workers.map((worker) => () => worker.stop()));
  try {
    await attemptAll(workers.map((worker) => () => worker.start()));
  } catch (error) {
    return fail('workers', error);
  }

  const deploy = async (code: WorkerCode): Promise<void> => {
    const bundlePath = await bundle(code.workflowsPath); // a code that does not bundle leaves the old workers running
    await stopAll(workers.map((worker) => () => worker.stop()));
    deployment = { bundlePath, activitiesPath: path.resolve(code.activitiesPath) };
    await attemptAll(workers.map((worker) => () => worker.start()));
  };
  const cluster = new ProcessCluster({
    provider,
    namespace,
    frontend,
    bank: bank.process,
    store: store.process,
    bankUrl: bank.url(),
    storeUrl: store.url(),
    toxiproxy: toxiproxy.value,
    links,
    workers,
    deploy,
    registry,
    dispose: launchers.dispose,
  });
  log(
    `${provider} cluster up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Temporal ${frontend.address}` +
      `${frontend.webUiUrl ? ` (Web UI ${frontend.webUiUrl})` : ''}, bank ${bank.url()}, store ${store.url()}, ${count} worker(s)`,
  );
  return cluster;
}

/** A service that restarts on the port and with the data directory of its first start. */
function controlledService(
  name: 'bank' | 'store',
  context: PartContext,
  launchers: PartLaunchers,
): { process: ControlledProcess; url: () => string } {
  let port: number | undefined;
  const process = new ControlledProcess(name, async () => {
    const started = await launchers.service(name, context, port);
    port = started.port;
    return started;
  });
  return { process, url: () => `http://127.0.0.1:${port}` };
}
