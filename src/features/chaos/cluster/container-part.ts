/**
 * A cluster part as a container (testcontainers-node creates it), controlled like a child process: a restart is
 * `docker start` of the same container (same command, ports and bind-mounted state), kill -9 is
 * `docker kill -s KILL`, SIGSTOP/SIGCONT are `docker pause`/`unpause`. Its output goes to the part's log file and
 * to the readiness probe, as a child process's does (harness/process.ts).
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Container } from 'dockerode';
import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { awaitReadiness, lastWords, type ReadinessProbe } from '../../../base/harness/process.ts';
import type { LaunchedPart, PartHandle } from './controlled-process.ts';
import type { PartImage } from './docker-images.ts';
import { HarnessError } from '../../../base/errors.ts';

export interface ContainerSpec {
  /** The part's name, for messages and the container's name label. */
  name: string;
  /** The container's name (unique on the engine). */
  containerName: string;
  image: PartImage;
  args: string[];
  env?: Record<string, string>;
  /** Host paths mounted at the same path inside, read-only unless `writable`. */
  mounts?: { path: string; writable?: boolean }[];
  workingDir?: string;
  labels: Record<string, string>;
  /**
   * host: the host's network. bridge: the named network, where the part answers to its alias, each of `ports`
   * published on the same port of the host's 127.0.0.1 (the same address outside as inside, but for the host).
   */
  network: { mode: 'host' } | { mode: 'bridge'; name: string; alias: string; ports: number[] };
  /** Share the host's pid namespace, so a process sees its host pid (a worker's identity is pid@host). */
  hostPid?: boolean;
  logFile: string;
  readyWhen: (probe: ReadinessProbe) => Promise<unknown>;
  readyTimeoutMs: number;
}

/** GenericContainer with the settings it has no builder method for. */
class PartContainer extends GenericContainer {
  withHostPid(): this {
    this.hostConfig.PidMode = 'host';
    return this;
  }

  /**
   * Join the network under an alias from the start (testcontainers' own aliases join the default bridge first,
   * which an engine without one refuses), with the ports published on 127.0.0.1 only (testcontainers publishes on
   * every interface) and on the same port number, so they stay put when the container is started again.
   */
  withPartNetwork(network: ContainerSpec['network']): this {
    this.withNetworkMode(network.mode === 'host' ? 'host' : network.name);
    if (network.mode === 'bridge') {
      this.createOpts.NetworkingConfig = { EndpointsConfig: { [network.name]: { Aliases: [network.alias] } } };
      const ports = network.ports.map((port) => `${port}/tcp`);
      this.createOpts.ExposedPorts = Object.fromEntries(ports.map((port) => [port, {}]));
      this.hostConfig.PortBindings = Object.fromEntries(
        ports.map((port) => [port, [{ HostIp: '127.0.0.1', HostPort: port.split('/')[0] }]]),
      );
    }
    return this;
  }
}

/** A started container, as ControlledProcess sees a process. */
class ContainerHandle implements PartHandle {
  readonly exited: Promise<unknown>;
  private isRunning = true;
  private isPaused = false;

  constructor(
    readonly container: Container,
    readonly pid: number | undefined,
  ) {
    this.exited = container
      .wait()
      .catch(() => undefined) // removed meanwhile: gone either way
      .finally(() => {
        this.isRunning = false;
      });
  }

  get running(): boolean {
    return this.isRunning;
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.isRunning) return;
    if (signal === 'SIGSTOP') {
      await this.container.pause();
      this.isPaused = true;
    } else if (signal === 'SIGCONT') {
      if (this.isPaused) await this.container.unpause();
      this.isPaused = false;
    } else {
      if (this.isPaused) await this.container.unpause().catch(() => undefined);
      this.isPaused = false;
      await this.container.kill({ signal }).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 409) throw error; // 409: not running any more
      });
    }
  }

  /** docker stop: SIGTERM, SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.isRunning) {
      if (this.isPaused) await this.container.unpause().catch(() => undefined);
      this.isPaused = false;
      await this.container.stop({ t: 5 }).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 304 && error.statusCode !== 404) throw error; // already stopped, or removed
      });
    }
    await this.exited;
  }
}

/**
 * One part's container across its starts: created on the first launch, started again (same container) on the
 * next ones, replaced when the spec's `key` changes (a deploy of new worker code), removed by `remove`.
 */
export class ContainerSlot {
  private container: Container | undefined;
  private key: string | undefined;

  constructor(readonly name: string) {}

  get id(): string | undefined {
    return this.container?.id;
  }

  async launch(spec: ContainerSpec, key = ''): Promise<LaunchedPart> {
    if (this.container && this.key !== key) await this.remove();
    const client = await getContainerRuntimeClient();
    if (this.container) {
      await this.container.start();
    } else {
      const started = await this.create(spec).start();
      this.container = client.container.getById(started.getId());
      this.key = key;
    }
    const container = this.container;
    const inspected = await container.inspect();
    const handle = new ContainerHandle(container, inspected.State.Pid || undefined);
    const lines = await followOutput(container, inspected.State.StartedAt, spec.logFile);
    const recent: string[] = [];
    lines.on('line', (line: string) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
    });
    const exited = handle.exited.then((): never => {
      throw new HarnessError(`${spec.name} exited before it was ready${lastWords(recent)}`);
    });
    try {
      await awaitReadiness({
        lines,
        exited,
        readyWhen: spec.readyWhen,
        timeoutMs: spec.readyTimeoutMs,
        timeoutError: (ms) => new HarnessError(`${spec.name} was not ready within ${ms} ms${lastWords(recent)}`),
      });
    } catch (error) {
      await handle.signal('SIGKILL').catch(() => undefined);
      throw error;
    }
    return { process: handle };
  }

  /** Remove the container (force: a running one is killed). */
  async remove(): Promise<void> {
    const container = this.container;
    this.container = undefined;
    this.key = undefined;
    await container?.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error; // already gone
    });
  }

  private create(spec: ContainerSpec): PartContainer {
    const container = new PartContainer(spec.image.image)
      .withName(spec.containerName)
      .withEntrypoint(spec.image.entrypoint)
      .withCommand(spec.args)
      .withPartNetwork(spec.network)
      .withLabels(spec.labels)
      .withEnvironment(spec.env ?? {})
      // Writable by the harness's user, as a system's /tmp is (the images have none, whose mode the tmpfs would take).
      .withTmpFs({ '/tmp': 'rw,mode=1777' })
      .withUser(harnessUser())
      .withBindMounts((spec.mounts ?? []).map((mount) => ({ source: mount.path, target: mount.path, mode: mount.writable ? 'rw' : 'ro' })))
      // Readiness is the part's own probe (scratch images have no shell for the default port check).
      .withStartupTimeout(spec.readyTimeoutMs);
    if (spec.workingDir) container.withWorkingDir(spec.workingDir);
    if (spec.hostPid) container.withHostPid();
    return container;
  }
}

/**
 * The harness's own uid:gid: what a part writes in the bind-mounted data directory belongs to the user who ran
 * tempest (not to root), so the report directory can be removed or replaced without privileges.
 */
function harnessUser(): string {
  return `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
}

/** The container's output since `startedAt` (this start only), appended to the log file, as lines. */
async function followOutput(container: Container, startedAt: string, logFile: string): Promise<ReturnType<typeof createInterface>> {
  const client = await getContainerRuntimeClient();
  const stream = await client.container.logs(container, { since: dockerTimestamp(startedAt) } as { since: number });
  const log = createWriteStream(logFile, { flags: 'a' });
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => log.write(`${line}\n`));
  lines.on('close', () => log.end());
  return lines;
}

/** RFC 3339 with nanoseconds (docker's StartedAt) as the API's "seconds.nanoseconds". */
function dockerTimestamp(rfc3339: string): number {
  const seconds = Math.floor(Date.parse(`${rfc3339.slice(0, 19)}Z`) / 1000);
  const fraction = /\.(\d+)/.exec(rfc3339)?.[1] ?? '0';
  return Number(`${seconds}.${fraction.slice(0, 6)}`);
}
