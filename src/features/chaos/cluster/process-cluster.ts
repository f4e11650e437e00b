/**
 * What the local, docker and external providers share: around a Temporal frontend (a dev server they run, or an
 * existing cluster), the system's parts, Toxiproxy with a proxy for every link (worker-temporal, client-temporal,
 * worker-<part>, <part>-<dependency>), and N worker processes, with their state and logs under the run's data
 * directory:
 *
 *   <dataDir>/parts/<part>/     each part's own state directory (it survives a kill -9 and a restart)
 *   <dataDir>/bundles/          the workflow bundle of each deploy (bundled once, shared by every worker)
 *   <dataDir>/logs/<part>.log   each part's output, appended across restarts
 *
 * Every process is recorded in the run registry as it spawns, so a run killed with -9 leaves nothing that the
 * next run cannot clean up.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort, type SpawnedProcess, stopAll } from '../../../base/harness/process.ts';
import { parseAddress, partAddress, startPart } from '../../../base/harness/parts.ts';
import { startToxiproxy, type ToxiproxyServer } from '../../../base/harness/toxiproxy.ts';
import { workflowBundleFile } from '../../../base/harness/bundle.ts';
import type { WorkerTls } from '../../../base/harness/worker-flags.ts';
import { startWorkerProcess, type WorkerProcessOptions } from '../../../base/harness/workers.ts';
import { TEMPORAL_LINKS } from '../system.ts';
import { type PartAddress, type PartSpec, startOrder } from '../../../base/system-spec.ts';
import { ControlledProcess, type LaunchedPart } from './controlled-process.ts';
import { createLinks } from './links.ts';
import { cleanupStaleRuns, RunRegistry } from '../../../base/harness/run-registry.ts';
import type { Cluster, ClusterOptions, ClusterProcess, Link, ProcessName, WorkerCode } from './types.ts';
import { HarnessError } from '../../../base/errors.ts';

export class ClusterStartError extends HarnessError {
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
  /**
   * Or the processes of a Temporal cluster the provider runs (its database, then its services), in start order:
   * each restarts after those before it.
   */
  processes?: ControlledProcess[];
  /** Links inside the Temporal cluster the provider made (context.createLinks), added to the cluster's links. */
  links?: Record<string, Link>;
  /** Called once everything has stopped: remove what the provider keeps outside the run's directory. */
  dispose?: () => Promise<void>;
  /** Undo the faults only the provider knows of (healAll, after every process is back). */
  heal?: () => Promise<void>;
  /** See Cluster.injectPersistenceFaults. */
  injectPersistenceFaults?: Cluster['injectPersistenceFaults'];
  /** For the cluster's clients (Cluster.connectionOptions). */
  connectionOptions?: Cluster['connectionOptions'];
  /** TLS for the worker processes, which connect through the worker-temporal link. */
  workerTls?: WorkerTls;
}

/** A started Toxiproxy, and where each link's proxy is to listen (a free port of 127.0.0.1 when it does not say). */
export interface LaunchedToxiproxy extends Pick<ToxiproxyServer, 'client' | 'stop'> {
  proxyListen?(link: string): string;
}

/** What a part launcher is given: the part, its fixed port, and where its dependencies are (through their links). */
export interface PartLaunch {
  name: string;
  spec: PartSpec;
  port: number;
  dependencies: Record<string, PartAddress>;
}

/** How the parts start: as child processes (the default), or otherwise (the docker provider's containers). */
export interface PartLaunchers {
  /** Called with every link's name before Toxiproxy starts (the docker provider publishes each link's port). */
  toxiproxy(context: PartContext, links: readonly string[]): Promise<LaunchedToxiproxy>;
  /** A part on its port with its data in <dataDir>/parts/<name>; every restart passes the same port. */
  part(launch: PartLaunch, context: PartContext): Promise<LaunchedPart>;
  worker(options: WorkerProcessOptions, context: PartContext): Promise<LaunchedPart>;
  /** Told each part's port before anything starts (the docker provider names the part that publishes it). */
  announce?(part: string, port: number): void;
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
  part: ({ name, spec, port, dependencies }, context) =>
    startPart({
      name,
      spec,
      port,
      dependencies,
      dataDir: context.partDir(name),
      projectRoot: context.projectRoot,
      logFile: context.logFile(name),
      onSpawn: context.recorder(name),
    }),
  worker: (options) => startWorkerProcess(options),
};

/** Helpers a provider gets to start its Temporal the way every other part starts. */
export interface PartContext {
  dataDir: string;
  projectRoot: string;
  namespace: string;
  logFile(part: string): string;
  /** A part's own state directory (created), kept across its restarts. */
  partDir(part: string): string;
  /** Records the process in the run registry as soon as it spawns. */
  recorder(part: string): (spawned: SpawnedProcess) => void;
  /** Labels for a container of this run, so that a later run can remove it if this harness is killed. */
  containerLabels(): Record<string, string>;
  /** Proxies of the run's Toxiproxy for links the provider needs before its Temporal starts (each upstream is host:port). */
  createLinks(upstreams: Record<string, string>): Promise<Record<string, Link>>;
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
  /** In start order: every part after the parts it depends on. */
  parts: ControlledProcess[];
  partAddresses: Record<string, PartAddress>;
  toxiproxy: LaunchedToxiproxy;
  links: Record<string, Link>;
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
  readonly parts: Record<string, PartAddress>;
  readonly links: Record<string, Link>;
  readonly processes: ReadonlyMap<ProcessName, ClusterProcess>;
  /** Temporal (when the provider runs it), then the parts in start order: what workers need to start. */
  private readonly servers: ControlledProcess[];
  private readonly workers: ControlledProcess[];
  private stopping: Promise<void> | undefined;

  constructor(private readonly cluster: ClusterParts) {
    const { frontend } = cluster;
    this.provider = cluster.provider;
    this.namespace = cluster.namespace;
    this.clientAddress = cluster.links['client-temporal']!.listen;
    this.directAddress = frontend.address;
    this.connectionOptions = frontend.connectionOptions;
    this.webUiUrl = frontend.webUiUrl;
    this.parts = cluster.partAddresses;
    this.links = cluster.links;
    this.servers = [...(frontend.processes ?? (frontend.process ? [frontend.process] : [])), ...cluster.parts];
    this.workers = cluster.workers;
    this.processes = new Map([...this.servers, ...this.workers].map((part) => [part.name, part]));
    this.injectPersistenceFaults = frontend.injectPersistenceFaults;
  }

  readonly injectPersistenceFaults?: Cluster['injectPersistenceFaults'];

  link(name: string): Link {
    const link = this.links[name];
    if (!link) throw new Error(`the cluster has no link ${name} (it has ${Object.keys(this.links).join(', ')})`);
    return link;
  }

  deployWorkers(code: WorkerCode): Promise<void> {
    return this.cluster.deploy(code);
  }

  async healAll(): Promise<void> {
    await attemptInOrder([
      () => this.cluster.toxiproxy.client.reset(), // every proxy enabled, every toxic removed
      () => attemptAll([...this.servers, ...this.workers].map((part) => () => part.resume())),
      // Servers first, each after what it depends on: a worker cannot start without its Temporal.
      ...this.servers.map((part) => () => (part.needsRestart ? part.start() : Promise.resolve())),
      () => attemptAll(this.workers.filter((part) => part.needsRestart).map((part) => () => part.start())),
      () => this.cluster.frontend.heal?.() ?? Promise.resolve(),
    ]);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  private async stopEverything(): Promise<void> {
    await attemptInOrder([
      // Healed links and running servers let the workers shut down gracefully instead of waiting out their grace period.
      () => this.cluster.toxiproxy.client.reset(),
      () => attemptAll(this.servers.map((part) => () => part.resume())),
      () => stopAll(this.workers.map((worker) => () => worker.stop())),
      () => stopAll([...this.servers.map((part) => () => part.stop()), () => this.cluster.toxiproxy.stop()]),
      () => this.cluster.dispose?.() ?? Promise.resolve(),
      () => this.cluster.frontend.dispose?.() ?? Promise.resolve(),
    ]);
    this.cluster.registry.close(); // only once every process is gone: otherwise a later run must still find them
  }
}

/**
 * Bundle the workflows (or find them in the bundle cache); start the shared parts and the provider's Temporal
 * (`startTemporal`, run in parallel with Toxiproxy and the parts that depend on nothing); then the links, the parts that depend on others (through their
 * links), and the workers. On any failure everything already started is stopped before the error is thrown.
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
  const stateDir = path.resolve(options.stateDir);
  const { count, taskQueues } = options.workers;
  const { parts: partSpecs, partLinks } = options.system;
  if (!Number.isInteger(count) || count < 1)
    throw new ClusterStartError(provider, `workers.count must be a positive integer, got ${count}`);
  if (taskQueues.length === 0) throw new ClusterStartError(provider, 'workers.taskQueues is empty: give at least one task queue');
  // Workflow code that does not bundle is said (file, line, cause) before anything starts or is written.
  const firstCode = await workflowBundleFile(options.workers.workflowsPath);
  const logsDir = path.join(dataDir, 'logs');
  const bundlesDir = path.join(dataDir, 'bundles');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(bundlesDir, { recursive: true });

  for (const stale of await cleanupStaleRuns(stateDir)) {
    const left = [
      ...stale.killed.map((p) => `${p.name} (pid ${p.pid})`),
      ...stale.removedContainers.map((id) => `container ${id.slice(0, 12)}`),
    ];
    const killed = left.join(', ') || 'nothing was left running';
    log(`cleaned up a run whose harness was killed (${stale.dataDir}): ${killed}`);
  }
  const registry = RunRegistry.open(stateDir, dataDir);
  const linkNames = [...TEMPORAL_LINKS, ...partLinks.map((link) => link.name)];
  // Started first thing below; a provider's Temporal may need links before it starts (createLinks waits for it).
  let toxiproxyStart: Promise<LaunchedToxiproxy> | undefined;
  const context: PartContext = {
    dataDir,
    projectRoot: options.projectRoot,
    namespace,
    logFile: (part) => path.join(logsDir, `${part}.log`),
    partDir: (part) => {
      const dir = path.join(dataDir, 'parts', part);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    recorder: (part) => registry.recorder(part),
    containerLabels: () => registry.containerLabels(),
    createLinks: async (upstreams) => {
      const started = await toxiproxyStart!;
      return createLinks(started.client, upstreams, started.proxyListen?.bind(started));
    },
  };

  // Each deploy's bundle is copied into the run's data directory, where a worker in a container can read it too.
  let bundles = 0;
  const place = (codePath: string): string => {
    const bundlePath = path.join(bundlesDir, `workflows-${bundles++}.js`);
    copyFileSync(codePath, bundlePath);
    return bundlePath;
  };
  const bundle = async (workflowsPath: string): Promise<string> => place(await workflowBundleFile(workflowsPath));
  const firstBundle = place(firstCode);

  // Every part's port is fixed before anything starts: links forward to it, and a restart comes back on it.
  const order = startOrder(partSpecs);
  const ports = new Map<string, number>();
  for (const name of order) {
    const port = await freePort();
    ports.set(name, port);
    launchers.announce?.(name, port);
  }
  const partAddresses = Object.fromEntries(order.map((name) => [name, partAddress('127.0.0.1', ports.get(name)!)]));
  const inside = launchers.inside ?? ((address: string) => address);
  let links: Record<string, Link> = {};
  const parts = order.map((name) => {
    const spec = partSpecs[name]!;
    // Its dependencies through their links, as the part reaches them (a container may reach them by another name).
    const dependencies = (): Record<string, PartAddress> =>
      Object.fromEntries(
        (spec.dependsOn ?? []).map((dependency) => [dependency, parseAddress(inside(links[`${name}-${dependency}`]!.listen))]),
      );
    return new ControlledProcess(name, () => launchers.part({ name, spec, port: ports.get(name)!, dependencies: dependencies() }, context));
  });
  const independent = parts.filter((part) => (partSpecs[part.name]!.dependsOn ?? []).length === 0);
  const dependent = parts.filter((part) => !independent.includes(part));

  const startedAt = Date.now();
  const stoppers: (() => Promise<unknown>)[] = [];
  let disposeTemporal: (() => Promise<void>) | undefined;
  const fail = async (part: string, error: unknown): Promise<never> => {
    await stopAll(stoppers).catch(() => undefined); // the start failure is the error worth reporting
    await launchers.dispose?.().catch(() => undefined);
    await disposeTemporal?.().catch(() => undefined);
    registry.close();
    const message = errorLine(error);
    throw new ClusterStartError(provider, message.startsWith(`${part}: `) ? message : `${part}: ${message}`, { cause: error });
  };

  log(`starting the ${provider} cluster (state and logs in ${dataDir}) ...`);
  toxiproxyStart = launchers.toxiproxy(context, linkNames);
  const [temporal, toxiproxy, ...independentStarts] = await Promise.allSettled([
    startTemporal(context),
    toxiproxyStart,
    ...independent.map((part) => part.start()),
  ]);
  if (temporal.status === 'fulfilled') {
    const { process, processes = process ? [process] : [], dispose } = temporal.value;
    stoppers.push(...processes.map((part) => () => part.stop()));
    disposeTemporal = dispose;
  }
  if (toxiproxy.status === 'fulfilled') stoppers.push(() => toxiproxy.value.stop());
  independent.forEach((part, i) => {
    if (independentStarts[i]!.status === 'fulfilled') stoppers.push(() => part.stop());
  });
  if (temporal.status === 'rejected') return fail('Temporal', temporal.reason);
  if (toxiproxy.status === 'rejected') return fail('Toxiproxy', toxiproxy.reason);
  const failedPart = independentStarts.findIndex((result) => result.status === 'rejected');
  if (failedPart >= 0) return fail(independent[failedPart]!.name, (independentStarts[failedPart] as PromiseRejectedResult).reason);
  const frontend = temporal.value;

  try {
    const upstreams: Record<string, string> = {
      'worker-temporal': inside(frontend.address),
      'client-temporal': inside(frontend.address),
      ...Object.fromEntries(partLinks.map((link) => [link.name, inside(partAddresses[link.to]!.address)])),
    };
    links = {
      ...frontend.links,
      ...(await createLinks(toxiproxy.value.client, upstreams, toxiproxy.value.proxyListen?.bind(toxiproxy.value))),
    };
  } catch (error) {
    return fail('links', error);
  }
  for (const part of dependent) {
    try {
      await part.start(); // in start order: each after the parts it depends on
      stoppers.push(() => part.stop());
    } catch (error) {
      return fail(part.name, error);
    }
  }

  let deployment: Deployment = { bundlePath: firstBundle, activitiesPath: path.resolve(options.workers.activitiesPath) };
  const workerParts = partLinks.filter((link) => link.from === 'worker').map((link) => link.to);
  const workers = Array.from({ length: count }, (_, index) => {
    const name = `worker-${index + 1}`;
    return new ControlledProcess(name, () =>
      launchers.worker(
        {
          name,
          cwd: options.projectRoot,
          address: inside(links['worker-temporal']!.listen),
          namespace,
          taskQueues,
          bundle: deployment.bundlePath,
          activities: deployment.activitiesPath,
          parts: Object.fromEntries(workerParts.map((part) => [part, inside(links[`worker-${part}`]!.listen)])),
          tls: frontend.workerTls,
          apiKey: frontend.connectionOptions?.apiKey,
          logFile: context.logFile(name),
          onSpawn: context.recorder(name),
        },
        context,
      ),
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
    parts,
    partAddresses,
    toxiproxy: toxiproxy.value,
    links,
    workers,
    deploy,
    registry,
    dispose: launchers.dispose,
  });
  const partList = order.map((name) => `${name} ${partAddresses[name]!.address}`).join(', ');
  log(
    `${provider} cluster up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Temporal ${frontend.address}` +
      `${frontend.webUiUrl ? ` (Web UI ${frontend.webUiUrl})` : ''}${partList ? `, ${partList}` : ''}, ${count} worker(s)`,
  );
  return cluster;
}
