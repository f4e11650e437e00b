/**
 * The `docker` provider: the same parts as `local`, each in its own container (testcontainers-node): the Temporal
 * dev server (Web UI, state in <dataDir>/temporal.db), Toxiproxy with every link, the system's parts and N workers.
 * A part whose command is Node (`nodeCommand`, or this machine's node) runs in tempest's Node image; any other
 * part names its image (`docker: { image }`), whose entrypoint takes the part's command and arguments.
 * A process fault hits the container: kill -9 is `docker kill -s KILL`, a restart `docker start` of the same
 * container (same command, ports and bind-mounted state), a pause `docker pause`. A deploy replaces the worker
 * containers. `stop` removes every container; each is labelled with its run (run-registry.ts), so a later run
 * removes those of a run whose harness was killed.
 *
 * The engine: the running one, or one this call starts when TEMPEST_START_DOCKER=1 (harness/docker-engine.ts).
 * The images: built here FROM scratch with the pinned binaries and this machine's node, or the official ones with
 * TEMPEST_DOCKER_IMAGES=official (docker-images.ts). Networking (ClusterOptions.docker.network, else
 * TEMPEST_DOCKER_NETWORK, else chosen from the engine): host, every part on 127.0.0.1 as with `local`; or bridge,
 * a network of the run's own where the parts reach each other by name (temporal, toxiproxy, and each part's name)
 * and every port the harness needs is published on the same port of the host's 127.0.0.1. The Node parts run the
 * project (and tempest, when it is installed elsewhere) bind-mounted read-only at its own path, with the run's data
 * directory writable.
 */
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ensureDockerEngine } from '../../../base/harness/docker-engine.ts';
import { freePort, waitUntil } from '../../../base/harness/process.ts';
import { partAddress, partCommand, readinessCheck, readyTimeoutMs, TSX_LOADER } from '../../../base/harness/parts.ts';
import { devServerArgs, isServing } from '../../../base/harness/temporal.ts';
import { answersVersion } from '../../../base/harness/toxiproxy.ts';
import { parseWorkerReadyLine, WORKER_API_KEY_ENV, workerArgs } from '../../../base/harness/worker-flags.ts';
import { ownModule, PACKAGE_ROOT } from '../../../base/package-root.ts';
import { ContainerSlot, type ContainerSpec } from './container-part.ts';
import { ControlledProcess } from './controlled-process.ts';
import { clusterImages, type ClusterImages } from './docker-images.ts';
import { portOf } from './links.ts';
import {
  ClusterStartError,
  type PartContext,
  type PartLaunchers,
  PROCESS_CLUSTER_CAPABILITIES,
  startProcessCluster,
  type TemporalFrontend,
} from './process-cluster.ts';
import { RUN_LABEL } from '../../../base/harness/run-registry.ts';
import type { ClusterProvider, DockerNetworkMode } from './types.ts';

export const NETWORK_ENV = 'TEMPEST_DOCKER_NETWORK';

const WORKER_ENTRY = ownModule(import.meta.url, '../../../base/harness/worker-process');

/** A network mode given by name (the option, or TEMPEST_DOCKER_NETWORK); undefined when neither says. */
export function networkModeFrom(value: string | undefined, source: string): DockerNetworkMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'host' || value === 'bridge') return value;
  throw new ClusterStartError('docker', `${source} must be host or bridge, got '${value}'`);
}

/** Bridge where the engine has its default bridge network (a usual Docker), host where it has none (an engine started with --bridge=none, as here). */
async function engineDefaultNetwork(): Promise<DockerNetworkMode> {
  const client = await getContainerRuntimeClient();
  const hasBridge = await client.network
    .getById('bridge')
    .inspect()
    .then(() => true)
    .catch(() => false);
  return hasBridge ? 'bridge' : 'host';
}

const isInside = (dir: string, file: string): boolean => !path.relative(dir, file).startsWith('..');

/** The containers of one cluster, how each part's container is specified, and how the parts reach each other. */
class DockerParts {
  private readonly slots = new Map<string, ContainerSlot>();
  /** Extra read-only directories the Node parts need (tempest installed outside the project, an activities module elsewhere). */
  private readonly extraMounts = new Set<string>();
  /** bridge: the run's network, created with the first container. */
  private network: Promise<string> | undefined;
  /** bridge: which part listens on each published port (the same port inside as on the host). */
  private readonly partByPort = new Map<number, string>();

  constructor(
    private readonly images: ClusterImages,
    readonly mode: DockerNetworkMode,
    private readonly projectRoot: string,
  ) {
    if (!isInside(projectRoot, PACKAGE_ROOT)) this.extraMounts.add(PACKAGE_ROOT);
  }

  /** The interface a part listens on inside its container. */
  get bindIp(): string {
    return this.mode === 'host' ? '127.0.0.1' : '0.0.0.0';
  }

  slot(name: string): ContainerSlot {
    let slot = this.slots.get(name);
    if (!slot) this.slots.set(name, (slot = new ContainerSlot(name)));
    return slot;
  }

  /**
   * The container of part `name`, which listens on `ports` (for bridge networking: each is published on the same
   * port of the host's 127.0.0.1, so the harness reaches it at 127.0.0.1:<port>, and the other parts at <name>:<port>).
   */
  async spec(
    context: PartContext,
    name: string,
    ports: number[],
    rest: Pick<ContainerSpec, 'image' | 'args' | 'readyWhen' | 'readyTimeoutMs'> & Partial<ContainerSpec>,
  ): Promise<ContainerSpec> {
    for (const port of ports) this.partByPort.set(port, name);
    const network: ContainerSpec['network'] =
      this.mode === 'host' ? { mode: 'host' } : { mode: 'bridge', name: await this.bridge(context), alias: name, ports };
    const labels = context.containerLabels();
    return {
      name,
      containerName: `tempest-${labels[RUN_LABEL]}-${name}`,
      labels: { ...labels, 'tempest.part': name },
      network,
      logFile: context.logFile(name),
      mounts: [{ path: context.dataDir, writable: true }],
      ...rest,
    };
  }

  /** A program run from the project (a Node part, a worker, or a part with an image of its own), in `workingDir`. */
  programSpec(
    context: PartContext,
    name: string,
    ports: number[],
    run: { image?: ClusterImages['node']; args: string[]; env?: Record<string, string>; workingDir: string; readyTimeoutMs?: number },
    readyWhen: ContainerSpec['readyWhen'],
  ): Promise<ContainerSpec> {
    return this.spec(context, name, ports, {
      image: run.image ?? this.images.node,
      args: run.args,
      env: { HOME: '/tmp', ...run.env },
      workingDir: run.workingDir,
      hostPid: true, // a worker's identity is pid@host, as for a local worker process
      mounts: [
        { path: this.projectRoot },
        ...[...this.extraMounts].map((dir) => ({ path: dir })),
        { path: context.dataDir, writable: true },
      ],
      readyWhen,
      readyTimeoutMs: run.readyTimeoutMs ?? 60_000,
    });
  }

  announce(part: string, port: number): void {
    this.partByPort.set(port, part);
  }

  /** How the parts reach what the harness reaches at 127.0.0.1:<port>: the same with host networking, <part>:<port> on a bridge. */
  inside(address: string): string {
    if (this.mode === 'host') return address;
    const port = portOf(address);
    const part = this.partByPort.get(port);
    if (!part) throw new ClusterStartError('docker', `no part of the cluster publishes ${address}`);
    return `${part}:${port}`;
  }

  mountForFile(file: string, dataDir: string): void {
    if (!isInside(this.projectRoot, file) && !isInside(dataDir, file)) this.extraMounts.add(path.dirname(file));
  }

  /** The run's bridge network, labelled as its containers are (so a later run removes it if this harness is killed). */
  private bridge(context: PartContext): Promise<string> {
    this.network ??= (async () => {
      const labels = context.containerLabels();
      const name = `tempest-${labels[RUN_LABEL]}`;
      const client = await getContainerRuntimeClient();
      await client.network.create({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
      return name;
    })();
    return this.network;
  }

  launchers(): PartLaunchers {
    const images = this.images;
    return {
      toxiproxy: async (context, links) => {
        const port = await freePort();
        // Every link's port is fixed before the container is created: a bridge network publishes them there.
        const linkPorts = new Map<string, number>();
        for (const link of links) linkPorts.set(link, await freePort());
        const apiUrl = `http://127.0.0.1:${port}`;
        const spec = await this.spec(context, 'toxiproxy', [port, ...linkPorts.values()], {
          image: images.toxiproxy,
          args: ['-host', this.bindIp, '-port', String(port)],
          env: { LOG_LEVEL: 'warn' },
          mounts: [],
          readyTimeoutMs: 15_000,
          readyWhen: (probe) =>
            waitUntil(`Toxiproxy API at ${apiUrl} answering`, () => answersVersion(apiUrl), 15_000, {
              intervalMs: 50,
              abandon: probe.exited,
            }),
        });
        const part = new ControlledProcess('toxiproxy', () => this.slot('toxiproxy').launch(spec));
        await part.start();
        return { client: new Toxiproxy(apiUrl), stop: () => part.stop(), proxyListen: (link) => `${this.bindIp}:${linkPorts.get(link)}` };
      },
      part: async ({ name, spec, port, dependencies }, context) => {
        // The port is fixed from the start: `docker start` reruns the same command.
        const command = partCommand(name, spec, {
          port,
          host: this.bindIp,
          dataDir: context.partDir(name),
          dependencies,
          projectRoot: this.projectRoot,
        });
        const isNode = command.command === process.execPath || command.command === 'node';
        if (!isNode && !spec.docker) {
          throw new ClusterStartError(
            'docker',
            `part ${name} runs ${command.command}: the docker provider runs Node parts in its own image; give parts.${name}.docker.image for anything else`,
          );
        }
        const image = spec.docker ? { image: spec.docker.image, entrypoint: [command.command] } : undefined;
        const timeoutMs = readyTimeoutMs(name, spec);
        const containerSpec = await this.programSpec(
          context,
          name,
          [port],
          {
            image,
            args: command.args ?? [],
            env: command.env,
            workingDir: command.cwd ? path.resolve(this.projectRoot, command.cwd) : this.projectRoot,
            readyTimeoutMs: timeoutMs,
          },
          readinessCheck(name, spec.ready, partAddress('127.0.0.1', port), timeoutMs),
        );
        return this.slot(name).launch(containerSpec);
      },
      announce: (part, port) => this.announce(part, port),
      worker: async (options, context) => {
        const { name, cwd, apiKey, logFile: _logFile, onSpawn: _onSpawn, ...flags } = options;
        this.mountForFile(path.resolve(flags.activities), context.dataDir);
        const env: Record<string, string> = apiKey ? { [WORKER_API_KEY_ENV]: apiKey } : {};
        const args = ['--import', TSX_LOADER, WORKER_ENTRY, ...workerArgs(flags)];
        const spec = await this.programSpec(context, name, [], { args, env, workingDir: cwd }, (probe) => probe.line(parseWorkerReadyLine));
        // New code (a deploy) is a new container; a restart after a kill is the same one.
        return this.slot(name).launch(spec, `${flags.bundle}\0${flags.activities}`);
      },
      inside: (address) => this.inside(address),
      reachesHarness: this.mode === 'host',
      dispose: async () => {
        const failures: unknown[] = [];
        await Promise.all([...this.slots.values()].map((slot) => slot.remove().catch((error: unknown) => void failures.push(error))));
        const network = await this.network?.catch(() => undefined);
        if (network) {
          const client = await getContainerRuntimeClient();
          await client.network.remove(client.network.getById(network)).catch((error: unknown) => void failures.push(error));
        }
        if (failures.length > 0) throw failures[0];
      },
    };
  }

  /** The Temporal dev server, with its Web UI and its state in <dataDir>/temporal.db. */
  async temporal(context: PartContext): Promise<TemporalFrontend> {
    // Every port fixed up front: a restart (`docker start`) reruns the same command, and the CLI would pick the
    // ones it is not given from the ephemeral range (see freePort).
    const [port, uiPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const address = `127.0.0.1:${port}`;
    const dbFile = path.join(context.dataDir, 'temporal.db');
    const spec = await this.spec(context, 'temporal', [port, uiPort], {
      image: this.images.temporal,
      args: devServerArgs({ ip: this.bindIp, port, namespace: context.namespace, uiPort, dbFile, httpPort, metricsPort }),
      // Without cgo, Go finds the current user only through $USER (the server's telemetry resource needs it).
      env: { USER: 'temporal', HOME: '/tmp' },
      readyTimeoutMs: 30_000,
      readyWhen: (probe) =>
        waitUntil(`Temporal dev server at ${address} answering`, () => isServing(address), 30_000, { abandon: probe.exited }),
    });
    const temporal = new ControlledProcess('temporal', () => this.slot('temporal').launch(spec));
    await temporal.start();
    return { address, webUiUrl: `http://127.0.0.1:${uiPort}`, process: temporal };
  }
}

export const dockerProvider: ClusterProvider = {
  name: 'docker',
  // On a bridge network the workers cannot reach the harness: such a cluster offers no probe and no gates.
  capabilities: [...PROCESS_CLUSTER_CAPABILITIES, 'temporal-process'],
  start: async (options) => {
    const log = options.log ?? (() => undefined);
    let images: ClusterImages;
    let mode: DockerNetworkMode;
    try {
      const chosen =
        networkModeFrom(options.docker?.network, 'the docker network option') ?? networkModeFrom(process.env[NETWORK_ENV], NETWORK_ENV);
      const engine = await ensureDockerEngine();
      if (engine.started) log(`started a Docker engine ${engine.serverVersion} (storage ${engine.storageDriver})`);
      mode = chosen ?? (await engineDefaultNetwork());
      images = await clusterImages();
    } catch (error) {
      if (error instanceof ClusterStartError) throw error;
      throw new ClusterStartError('docker', (error as Error).message.split('\n')[0]!, { cause: error });
    }
    if (images.buildMs > 0) log(`built the cluster's images in ${(images.buildMs / 1000).toFixed(1)} s`);
    log(
      `docker networking: ${mode === 'host' ? 'host (every part on 127.0.0.1)' : "bridge (the run's own network, ports published on 127.0.0.1)"}`,
    );
    const parts = new DockerParts(images, mode, options.projectRoot);
    return startProcessCluster('docker', options, (context) => parts.temporal(context), parts.launchers());
  },
};
