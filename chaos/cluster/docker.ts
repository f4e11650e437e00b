/**
 * The `docker` provider: the same parts as `local`, each in its own container (testcontainers-node): the Temporal
 * dev server (Web UI, state in <dataDir>/temporal.db), Toxiproxy with the four links, bank, store and N workers.
 * A process fault hits the container: kill -9 is `docker kill -s KILL`, a restart `docker start` of the same
 * container (same command, ports and bind-mounted state), a pause `docker pause`. A deploy replaces the worker
 * containers. `stop` removes every container; each is labelled with its run (run-registry.ts), so a later run
 * removes those of a run whose harness was killed.
 *
 * The engine: the running one, or one this call starts when TEMPEST_START_DOCKER=1 (harness/docker-engine.ts).
 * The images: built here FROM scratch with the pinned binaries and this machine's node, or the official ones with
 * TEMPEST_DOCKER_IMAGES=official (docker-images.ts). Networking: host (every part on 127.0.0.1, as `local`).
 * The Node parts run the project bind-mounted read-only at its own path, with the run's data directory writable.
 */
import path from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ensureDockerEngine } from '../../harness/docker-engine';
import { freePort, waitUntil } from '../../harness/process';
import { parseReadyLine } from '../../harness/services';
import { devServerArgs, isServing } from '../../harness/temporal';
import { answersVersion } from '../../harness/toxiproxy';
import { parseWorkerReadyLine, WORKER_API_KEY_ENV, workerArgs } from '../../harness/worker-flags';
import { PROJECT_ROOT } from '../../toolchain/tools';
import { ContainerSlot, type ContainerSpec } from './container-part';
import { ControlledProcess } from './controlled-process';
import { clusterImages, type ClusterImages } from './docker-images';
import { ClusterStartError, type PartContext, type PartLaunchers, startProcessCluster } from './process-cluster';
import type { ClusterProvider } from './types';

export const NETWORK_ENV = 'TEMPEST_DOCKER_NETWORK';

const WORKER_ENTRY = path.join(PROJECT_ROOT, 'harness', 'worker-process.ts');

/** Only host networking is built: every part listens on 127.0.0.1 of the host, as the local provider's do. */
function networkMode(env: NodeJS.ProcessEnv = process.env): 'host' {
  const value = env[NETWORK_ENV];
  if (value === undefined || value === '' || value === 'host') return 'host';
  throw new ClusterStartError('docker', `${NETWORK_ENV}=${value} is not supported: the docker provider runs its containers with host networking (${NETWORK_ENV}=host)`);
}

const isInside = (dir: string, file: string): boolean => !path.relative(dir, file).startsWith('..');

/** The containers of one cluster, and how each part's container is specified. */
class DockerParts {
  private readonly slots = new Map<string, ContainerSlot>();
  /** Extra read-only directories the workers need (an activities module outside the project). */
  private readonly extraMounts = new Set<string>();

  constructor(
    private readonly images: ClusterImages,
    private readonly network: 'host',
  ) {}

  slot(name: string): ContainerSlot {
    let slot = this.slots.get(name);
    if (!slot) this.slots.set(name, (slot = new ContainerSlot(name)));
    return slot;
  }

  spec(context: PartContext, name: string, rest: Pick<ContainerSpec, 'image' | 'args' | 'readyWhen' | 'readyTimeoutMs'> & Partial<ContainerSpec>): ContainerSpec {
    return {
      name,
      labels: { ...context.containerLabels(), 'tempest.part': name },
      networkMode: this.network,
      logFile: context.logFile(name),
      mounts: [{ path: context.dataDir, writable: true }],
      ...rest,
    };
  }

  /** A Node program of this project (a service or a worker). */
  nodeSpec(context: PartContext, name: string, args: string[], readyWhen: ContainerSpec['readyWhen'], env: Record<string, string> = {}): ContainerSpec {
    return this.spec(context, name, {
      image: this.images.node,
      args: ['--import', 'tsx', ...args],
      env: { HOME: '/tmp', ...env },
      workingDir: PROJECT_ROOT,
      hostPid: true, // a worker's identity is pid@host, as for a local worker process
      mounts: [
        { path: PROJECT_ROOT },
        ...[...this.extraMounts].map((dir) => ({ path: dir })),
        { path: context.dataDir, writable: true },
      ],
      readyWhen,
      readyTimeoutMs: 60_000,
    });
  }

  mountForFile(file: string, dataDir: string): void {
    if (!isInside(PROJECT_ROOT, file) && !isInside(dataDir, file)) this.extraMounts.add(path.dirname(file));
  }

  launchers(): PartLaunchers {
    const images = this.images;
    return {
      toxiproxy: async (context) => {
        const port = await freePort();
        const apiUrl = `http://127.0.0.1:${port}`;
        const part = new ControlledProcess('toxiproxy', () =>
          this.slot('toxiproxy').launch(
            this.spec(context, 'toxiproxy', {
              image: images.toxiproxy,
              args: ['-host', '127.0.0.1', '-port', String(port)],
              env: { LOG_LEVEL: 'warn' },
              mounts: [],
              readyTimeoutMs: 15_000,
              readyWhen: (probe) => waitUntil(`Toxiproxy API at ${apiUrl} answering`, () => answersVersion(apiUrl), 15_000, { intervalMs: 50, abandon: probe.exited }),
            }),
          ),
        );
        await part.start();
        return { client: new Toxiproxy(apiUrl), stop: () => part.stop() };
      },
      service: async (name, context, port) => {
        const servicePort = port ?? (await freePort()); // fixed from the start: `docker start` reruns the same command
        const entry = path.join(PROJECT_ROOT, 'services', name, 'main.ts');
        const args = [entry, '--port', String(servicePort), '--data-dir', path.join(context.dataDir, name)];
        const launched = await this.slot(name).launch(this.nodeSpec(context, name, args, (probe) => probe.line((line) => parseReadyLine(line, name))));
        return { ...launched, port: servicePort };
      },
      worker: (options, context) => {
        const { name, apiKey, logFile: _logFile, onSpawn: _onSpawn, ...flags } = options;
        this.mountForFile(path.resolve(flags.activities), context.dataDir);
        const env: Record<string, string> = apiKey ? { [WORKER_API_KEY_ENV]: apiKey } : {};
        const spec = this.nodeSpec(context, name, [WORKER_ENTRY, ...workerArgs(flags)], (probe) => probe.line(parseWorkerReadyLine), env);
        // New code (a deploy) is a new container; a restart after a kill is the same one.
        return this.slot(name).launch(spec, `${flags.bundle}\0${flags.activities}`);
      },
      dispose: async () => {
        const failures: unknown[] = [];
        await Promise.all([...this.slots.values()].map((slot) => slot.remove().catch((error: unknown) => void failures.push(error))));
        if (failures.length > 0) throw failures[0];
      },
    };
  }
}

export const dockerProvider: ClusterProvider = {
  name: 'docker',
  start: async (options) => {
    const log = options.log ?? (() => undefined);
    const network = networkMode();
    let images: ClusterImages;
    try {
      const engine = await ensureDockerEngine();
      if (engine.started) log(`started a Docker engine ${engine.serverVersion} (storage ${engine.storageDriver})`);
      images = await clusterImages();
    } catch (error) {
      throw new ClusterStartError('docker', (error as Error).message.split('\n')[0]!, { cause: error });
    }
    if (images.buildMs > 0) log(`built the cluster's images in ${(images.buildMs / 1000).toFixed(1)} s`);
    const parts = new DockerParts(images, network);
    return startProcessCluster(
      'docker',
      options,
      async (context) => {
        const [port, uiPort] = [await freePort(), await freePort()];
        const address = `127.0.0.1:${port}`;
        const args = devServerArgs({ ip: '127.0.0.1', port, namespace: context.namespace, uiPort, dbFile: path.join(context.dataDir, 'temporal.db') });
        const temporal = new ControlledProcess('temporal', () =>
          parts.slot('temporal').launch(
            parts.spec(context, 'temporal', {
              image: images.temporal,
              args,
              // Without cgo, Go finds the current user only through $USER (the server's telemetry resource needs it).
              env: { USER: 'temporal', HOME: '/tmp' },
              readyTimeoutMs: 30_000,
              readyWhen: (probe) => waitUntil(`Temporal dev server at ${address} answering`, () => isServing(address), 30_000, { abandon: probe.exited }),
            }),
          ),
        );
        await temporal.start();
        return { address, webUiUrl: `http://127.0.0.1:${uiPort}`, process: temporal };
      },
      parts.launchers(),
    );
  },
};
