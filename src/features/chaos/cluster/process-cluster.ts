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
import { StopStack } from '../../../base/harness/stop-stack.ts';
import { TEMPORAL_LINKS } from '../system.ts';
import { type PartAddress, type PartSpec, startOrder } from '../../../base/system-spec.ts';
import { ControlledProcess, type LaunchedPart } from './controlled-process.ts';
import { createLinks } from './links.ts';
import { cleanupStaleRuns, RunRegistry } from '../../../base/harness/run-registry.ts';
import { ProgressServer } from './progress.ts';
import { type RequestGate, startRequestGate } from './request-gate.ts';
import type { Capability, Cluster, ClusterOptions, ClusterProcess, Link, ProcessName, WorkerCode } from './types.ts';
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
  /**
   * Whether the workers reach what listens on the harness's 127.0.0.1 (its progress channel, the request gates):
   * true for child processes and containers on the host's network (the default), false on a bridge network.
   */
  reachesHarness?: boolean;
}

/** What every cluster of the shared part offers: its links, its parts and workers as processes, deploys, and (when the workers reach the harness) the probe and the gates. */
export const PROCESS_CLUSTER_CAPABILITIES: readonly Capability[] = ['links', 'processes', 'deploy', 'activity-probe', 'request-gates'];

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
  /** The progress channel and the gates in front of the worker-<part> links, when the workers reach the harness. */
  progress?: ProgressServer;
  gates: RequestGate[];
  dispose?: () => Promise<void>;
}

class ProcessCluster implements Cluster {
  readonly provider: Cluster['provider'];
  readonly capabilities: readonly Capability[];
  readonly progress?: ProgressServer;
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
    this.progress = cluster.progress;
    // What it offers, from what it has: Temporal as one process or as services, persistence faults, the probe and gates.
    this.capabilities = [
      'links',
      'processes',
      'deploy',
      ...(frontend.process ? (['temporal-process'] as const) : []),
      ...(frontend.processes ? (['temporal-services'] as const) : []),
      ...(frontend.injectPersistenceFaults ? (['persistence-faults'] as const) : []),
      ...(cluster.progress ? (['activity-probe', 'request-gates'] as const) : []),
    ];
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
      () => attemptAll(this.cluster.gates.map((gate) => () => gate.up())),
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
      () =>
        attemptAll([...this.cluster.gates.map((gate) => () => gate.close()), () => this.cluster.progress?.close() ?? Promise.resolve()]),
      () => stopAll([...this.servers.map((part) => () => part.stop()), () => this.cluster.toxiproxy.stop()]),
      () => this.cluster.dispose?.() ?? Promise.resolve(),
      () => this.cluster.frontend.dispose?.() ?? Promise.resolve(),
    ]);
    this.cluster.registry.close(); // only once every process is gone: otherwise a later run must still find them
  }
}

/** Where everything of a cluster goes, decided before anything starts (pure, given the parts' ports). */
export interface ClusterLayout {
  /** The parts in start order: every part after the parts it depends on. */
  order: string[];
  /** Parts that depend on no other part: they start in parallel with Temporal and Toxiproxy. */
  independent: string[];
  /** The other parts, in start order, each once its links exist. */
  dependent: string[];
  partAddresses: Record<string, PartAddress>;
  /** Every link: the two Temporal links, then worker-<part> and <part>-<dependency>. */
  linkNames: string[];
  workerNames: string[];
  /** The parts the workers reach, each through its worker-<part> link. */
  workerParts: string[];
}

/** Lay out a cluster of `system` with `workers` on the given ports; a ClusterStartError for an impossible one. */
export function layOutCluster(
  provider: Cluster['provider'],
  system: ClusterOptions['system'],
  workers: Pick<ClusterOptions['workers'], 'count' | 'taskQueues'>,
  ports: Record<string, number>,
): ClusterLayout {
  if (!Number.isInteger(workers.count) || workers.count < 1)
    throw new ClusterStartError(provider, `workers.count must be a positive integer, got ${workers.count}`);
  if (workers.taskQueues.length === 0) throw new ClusterStartError(provider, 'workers.taskQueues is empty: give at least one task queue');
  const order = startOrder(system.parts);
  const independent = order.filter((name) => (system.parts[name]!.dependsOn ?? []).length === 0);
  return {
    order,
    independent,
    dependent: order.filter((name) => !independent.includes(name)),
    partAddresses: Object.fromEntries(order.map((name) => [name, partAddress('127.0.0.1', ports[name]!)])),
    linkNames: [...TEMPORAL_LINKS, ...system.partLinks.map((link) => link.name)],
    workerNames: Array.from({ length: workers.count }, (_, index) => `worker-${index + 1}`),
    workerParts: system.partLinks.filter((link) => link.from === 'worker').map((link) => link.to),
  };
}

/**
 * Lay the cluster out, then start it: bundle the workflows (or find them in the bundle cache); start the
 * provider's Temporal (`startTemporal`) in parallel with Toxiproxy and the parts that depend on nothing; then the
 * links, the parts that depend on others (through their links), and the workers. Everything started is on a stop
 * stack: on any failure it is stopped, last first, before a ClusterStartError naming what failed is thrown.
 */
export async function startProcessCluster(
  provider: Cluster['provider'],
  options: ClusterOptions,
  startTemporal: (context: PartContext) => Promise<TemporalFrontend>,
  launchers: PartLaunchers = processLaunchers,
): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const { system } = options;
  // Every part's port is fixed before anything starts: links forward to it, and a restart comes back on it.
  const ports: Record<string, number> = {};
  for (const name of startOrder(system.parts)) ports[name] = await freePort();
  const layout = layOutCluster(provider, system, options.workers, ports);
  for (const name of layout.order) launchers.announce?.(name, ports[name]!);
  // Workflow code that does not bundle is said (file, line, cause) before anything starts or is written.
  const firstCode = await workflowBundleFile(options.workers.workflowsPath);
  const run = await openRun(options, log);
  const started = new StopStack();
  started.defer(async () => {
    await launchers.dispose?.();
    run.registry.close();
  });
  try {
    return await startCluster({ provider, options, layout, run, startTemporal, launchers, started, firstBundle: run.place(firstCode) });
  } catch (error) {
    await started.stopAll().catch(() => undefined); // the start failure is the error worth reporting
    throw error instanceof ClusterStartError ? error : new ClusterStartError(provider, errorLine(error), { cause: error });
  }
}

/** A run's directories, its registry (after cleaning up runs whose harness was killed), and the context parts start in. */
interface OpenRun {
  dataDir: string;
  registry: RunRegistry;
  context: PartContext;
  /** The run's Toxiproxy, once started (a provider's Temporal may need links before it starts). */
  toxiproxy: Promise<LaunchedToxiproxy> | undefined;
  /** A copy of a bundle in the run's data directory, where a worker in a container can read it too. */
  place(codePath: string): string;
}

async function openRun(options: ClusterOptions, log: (line: string) => void): Promise<OpenRun> {
  const dataDir = path.resolve(options.dataDir);
  const stateDir = path.resolve(options.stateDir);
  const logsDir = path.join(dataDir, 'logs');
  const bundlesDir = path.join(dataDir, 'bundles');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(bundlesDir, { recursive: true });
  for (const stale of await cleanupStaleRuns(stateDir)) {
    const left = [
      ...stale.killed.map((p) => `${p.name} (pid ${p.pid})`),
      ...stale.removedContainers.map((id) => `container ${id.slice(0, 12)}`),
    ];
    log(`cleaned up a run whose harness was killed (${stale.dataDir}): ${left.join(', ') || 'nothing was left running'}`);
  }
  const registry = RunRegistry.open(stateDir, dataDir);
  let bundles = 0;
  const run: OpenRun = {
    dataDir,
    registry,
    toxiproxy: undefined,
    place: (codePath) => {
      const bundlePath = path.join(bundlesDir, `workflows-${bundles++}.js`);
      copyFileSync(codePath, bundlePath);
      return bundlePath;
    },
    context: {
      dataDir,
      projectRoot: options.projectRoot,
      namespace: options.namespace ?? 'default',
      logFile: (part) => path.join(logsDir, `${part}.log`),
      partDir: (part) => {
        const dir = path.join(dataDir, 'parts', part);
        mkdirSync(dir, { recursive: true });
        return dir;
      },
      recorder: (part) => registry.recorder(part),
      containerLabels: () => registry.containerLabels(),
      createLinks: async (upstreams) => {
        const toxiproxy = await run.toxiproxy!;
        return createLinks(toxiproxy.client, upstreams, toxiproxy.proxyListen?.bind(toxiproxy));
      },
    },
  };
  return run;
}

/** `promise`, its failure a ClusterStartError naming `what` failed to start. */
async function starting<T>(provider: Cluster['provider'], what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const message = errorLine(error);
    throw new ClusterStartError(provider, message.startsWith(`${what}: `) ? message : `${what}: ${message}`, { cause: error });
  }
}

/** What starting a laid-out cluster takes: everything it starts goes on `started`. */
interface ClusterStart {
  provider: Cluster['provider'];
  options: ClusterOptions;
  layout: ClusterLayout;
  run: OpenRun;
  startTemporal: (context: PartContext) => Promise<TemporalFrontend>;
  launchers: PartLaunchers;
  started: StopStack;
  /** The workflow bundle the first workers load. */
  firstBundle: string;
}

async function startCluster(start: ClusterStart): Promise<Cluster> {
  const { provider, options, layout, run, startTemporal, launchers, started, firstBundle } = start;
  const { context } = run;
  const { parts: partSpecs, partLinks } = options.system;
  const inside = launchers.inside ?? ((address: string) => address);
  const log = options.log ?? (() => undefined);
  let links: Record<string, Link> = {};
  const parts = new Map(
    layout.order.map((name) => {
      const spec = partSpecs[name]!;
      // Its dependencies through their links, as the part reaches them (a container may reach them by another name).
      const dependencies = (): Record<string, PartAddress> =>
        Object.fromEntries(
          (spec.dependsOn ?? []).map((dependency) => [dependency, parseAddress(inside(links[`${name}-${dependency}`]!.listen))]),
        );
      const port = layout.partAddresses[name]!.port;
      return [name, new ControlledProcess(name, () => launchers.part({ name, spec, port, dependencies: dependencies() }, context))];
    }),
  );
  const startPart = (name: string): Promise<void> =>
    starting(
      provider,
      name,
      started.adopt(parts.get(name)!.start(), () => parts.get(name)!.stop()),
    );

  const startedAt = Date.now();
  log(`starting the ${provider} cluster (state and logs in ${run.dataDir}) ...`);
  run.toxiproxy = launchers.toxiproxy(context, layout.linkNames);
  const temporalStart = starting(
    provider,
    'Temporal',
    started.adopt(startTemporal(context), async ({ process, processes = process ? [process] : [], dispose }) => {
      await stopAll(processes.map((part) => () => part.stop()));
      await dispose?.();
    }),
  );
  const toxiproxyStart = starting(
    provider,
    'Toxiproxy',
    started.adopt(run.toxiproxy, (toxiproxy) => toxiproxy.stop()),
  );
  const foundations = await Promise.allSettled([temporalStart, toxiproxyStart, ...layout.independent.map(startPart)]);
  const failed = foundations.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  const [frontend, toxiproxy] = [await temporalStart, await toxiproxyStart];

  const upstreams: Record<string, string> = {
    'worker-temporal': inside(frontend.address),
    'client-temporal': inside(frontend.address),
    ...Object.fromEntries(partLinks.map((link) => [link.name, inside(layout.partAddresses[link.to]!.address)])),
  };
  links = {
    ...frontend.links,
    ...(await starting(provider, 'links', createLinks(toxiproxy.client, upstreams, toxiproxy.proxyListen?.bind(toxiproxy)))),
  };
  for (const name of layout.dependent) await startPart(name); // in start order: each after the parts it depends on

  // Where the system is, when the workers can tell the harness: the probes' channel, and a gate in front of each
  // worker-<part> link (worker -> gate -> Toxiproxy -> part), which a link's down and up take down and up too.
  let progress: ProgressServer | undefined;
  const gates: Record<string, RequestGate> = {};
  if (launchers.reachesHarness ?? true) {
    progress = await starting(provider, 'progress channel', ProgressServer.start());
    started.defer(() => progress!.close());
    for (const part of layout.workerParts) {
      const name = `worker-${part}`;
      const gate = await starting(provider, `request gate of ${name}`, startRequestGate(name, links[name]!.listen));
      started.defer(() => gate.close());
      progress.attach(gate);
      gates[name] = gate;
      links[name] = gatedLink(links[name]!, gate);
    }
  }

  const workers = workerProcesses({
    options,
    layout,
    context,
    launchers,
    frontend,
    links: () => links,
    gates,
    progress,
    firstBundle,
    place: run.place,
  });
  started.defer(() => stopAll(workers.processes.map((worker) => () => worker.stop())));
  await starting(provider, 'workers', attemptAll(workers.processes.map((worker) => () => worker.start())));
  const cluster = new ProcessCluster({
    provider,
    namespace: context.namespace,
    frontend,
    parts: [...parts.values()],
    partAddresses: layout.partAddresses,
    toxiproxy,
    links,
    workers: workers.processes,
    deploy: workers.deploy,
    registry: run.registry,
    progress,
    gates: Object.values(gates),
    dispose: launchers.dispose,
  });
  const partList = layout.order.map((name) => `${name} ${layout.partAddresses[name]!.address}`).join(', ');
  log(
    `${provider} cluster up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Temporal ${frontend.address}` +
      `${frontend.webUiUrl ? ` (Web UI ${frontend.webUiUrl})` : ''}${partList ? `, ${partList}` : ''}, ${workers.processes.length} worker(s)`,
  );
  return cluster;
}

/**
 * The cluster's worker processes, each reaching Temporal and the parts through its links, and how new code is
 * deployed to them (every worker restarted on the new bundle and activities).
 */
function workerProcesses(options: {
  options: ClusterOptions;
  layout: ClusterLayout;
  context: PartContext;
  launchers: PartLaunchers;
  frontend: TemporalFrontend;
  links: () => Record<string, Link>;
  gates: Record<string, RequestGate>;
  progress?: ProgressServer;
  firstBundle: string;
  place: (codePath: string) => string;
}): { processes: ControlledProcess[]; deploy: (code: WorkerCode) => Promise<void> } {
  const { layout, context, launchers, frontend } = options;
  const inside = launchers.inside ?? ((address: string) => address);
  let deployment: Deployment = { bundlePath: options.firstBundle, activitiesPath: path.resolve(options.options.workers.activitiesPath) };
  const processes = layout.workerNames.map(
    (name) =>
      new ControlledProcess(name, () => {
        const links = options.links();
        return launchers.worker(
          {
            name,
            cwd: options.options.projectRoot,
            address: inside(links['worker-temporal']!.listen),
            namespace: context.namespace,
            taskQueues: options.options.workers.taskQueues,
            bundle: deployment.bundlePath,
            activities: deployment.activitiesPath,
            // Through the link's gate when it has one (the gate relays to the link's proxy).
            parts: Object.fromEntries(
              layout.workerParts.map((part) => [part, inside((options.gates[`worker-${part}`] ?? links[`worker-${part}`]!).listen)]),
            ),
            ...(options.progress ? { progress: { address: options.progress.address, name } } : {}),
            tls: frontend.workerTls,
            apiKey: frontend.connectionOptions?.apiKey,
            logFile: context.logFile(name),
            onSpawn: context.recorder(name),
          },
          context,
        );
      }),
  );
  const deploy = async (code: WorkerCode): Promise<void> => {
    // A code that does not bundle leaves the old workers running.
    const bundlePath = options.place(await workflowBundleFile(code.workflowsPath));
    await stopAll(processes.map((worker) => () => worker.stop()));
    deployment = { bundlePath, activitiesPath: path.resolve(code.activitiesPath) };
    await attemptAll(processes.map((worker) => () => worker.start()));
  };
  return { processes, deploy };
}

/** A link with a request gate in front of it: taking it down takes the gate down too, so new connections are refused as before. */
function gatedLink(link: Link, gate: RequestGate): Link {
  return {
    name: link.name,
    get listen() {
      return link.listen;
    },
    upstream: link.upstream,
    addToxic: (spec) => link.addToxic(spec),
    removeToxic: (name) => link.removeToxic(name),
    down: async () => {
      await gate.down();
      await link.down();
    },
    up: async () => {
      await link.up();
      await gate.up();
    },
    heal: async () => {
      await link.heal();
      await gate.up();
    },
  };
}
