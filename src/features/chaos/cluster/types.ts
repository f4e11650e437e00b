/**
 * A chaos cluster: the Temporal server, the system's parts and the workers, with every link that matters going
 * through its own Toxiproxy proxy (worker-temporal, client-temporal, worker-<part>, <part>-<dependency>), and every
 * process under the harness's control. One interface, four providers: `local` (child processes), `services` (the
 * same, with Temporal as separate services on PostgreSQL), `docker` (containers through testcontainers),
 * `external` (an existing Temporal cluster, with Toxiproxy in front of it).
 * Scenarios and the runner see only this interface.
 */
import type { TLSConfig } from '@temporalio/client';
import type { ClusterOptions as TemporalClusterOptions } from '../../replay/record.ts';
import type { ToxicType } from '../faults/links.ts';
import type { Capability } from '../faults/kind.ts';
import type { System } from '../system.ts';
import type { PartAddress } from '../../../base/system-spec.ts';
import type { PersistenceFaults, TemporalService } from '../../../base/harness/temporal-services.ts';
import type { ProgressChannel } from './progress.ts';

export { TOXICS, type ToxicType } from '../faults/links.ts';
export type { Capability };

export interface ToxicSpec {
  type: ToxicType;
  /** upstream: client to server; downstream: server to client. */
  stream: 'upstream' | 'downstream';
  attributes: Record<string, number>;
}

export interface Link {
  name: string;
  /** 127.0.0.1:port where the harness reaches the proxy (workers in containers may reach it by another name). */
  listen: string;
  /** host:port the proxy forwards to, as Toxiproxy reaches it. */
  upstream: string;
  /** Add a toxic at toxicity 1 (timing is decided by the harness, never by Toxiproxy's unseedable randomness). Returns its name. */
  addToxic(spec: ToxicSpec): Promise<string>;
  removeToxic(name: string): Promise<void>;
  /** Take the link down: existing connections are closed, new ones refused. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Remove every toxic and bring the link up. */
  heal(): Promise<void>;
}

/** Process names: 'temporal', each part's name, and 'worker-1' .. 'worker-N'. */
export type ProcessName = string;

export interface ClusterProcess {
  name: ProcessName;
  /** True while it runs (paused counts as running). */
  readonly running: boolean;
  readonly paused: boolean;
  /** The OS process id while it runs, when the provider knows it (a worker's default identity is `pid@host`). */
  readonly pid?: number;
  /** kill -9 (docker kill -s KILL). */
  kill(): Promise<void>;
  /** Start it again after a kill or stop, with the same state (data directory / database file) and ports; a running one is stopped gracefully first. */
  restart(): Promise<void>;
  /** SIGSTOP (docker pause). */
  pause(): Promise<void>;
  /** SIGCONT (docker unpause). */
  resume(): Promise<void>;
}

/** What the workers run. */
export interface WorkerCode {
  /** Workflows module (TypeScript or JavaScript), bundled once by the cluster. */
  workflowsPath: string;
  /** Activities module exporting `createActivities({ parts })` (see ActivityContext). */
  activitiesPath: string;
}

export interface ClusterOptions {
  /** Holds every part's state and logs for this run. */
  dataDir: string;
  /** The project root: parts and workers run there. */
  projectRoot: string;
  /** The system's parts and links (what `defineSystem` gave). */
  system: Pick<System, 'parts' | 'partLinks'>;
  workers: WorkerCode & { count: number; taskQueues: readonly string[] };
  namespace?: string;
  /** Progress for people. */
  log?: (line: string) => void;
  /**
   * Where the run records the processes it starts, so that a later run can end them if this harness is killed
   * (see cleanupStaleRuns).
   */
  stateDir: string;
  /** The existing Temporal cluster, for the external provider (its namespace is `namespace`). */
  external?: ExternalTemporal;
  /** For the docker provider: how its containers are networked (by default TEMPEST_DOCKER_NETWORK, else chosen from the engine). */
  docker?: { network?: DockerNetworkMode };
}

/**
 * host: every container on the host's network, listening on 127.0.0.1 (Linux engines).
 * bridge: a network of the run's own, parts reaching each other by name, every port the harness needs published on
 * the same port of the host's 127.0.0.1.
 */
export type DockerNetworkMode = 'host' | 'bridge';

/** An existing Temporal cluster: its frontend address and, when it needs them, TLS and an API key. */
export type ExternalTemporal = Omit<TemporalClusterOptions, 'namespace'>;

export interface Cluster {
  provider: 'local' | 'docker' | 'external' | 'services';
  /** What this cluster offers faults to act on (a fault that needs more is refused before the workload starts). */
  capabilities: readonly Capability[];
  /**
   * Where the system is: each activity attempt the workers' probes report and each request the gates in front of the
   * worker-<part> links see; held where a holder asks (points.ts). Absent when the workers cannot reach the harness
   * (containers on a bridge network).
   */
  progress?: ProgressChannel;
  namespace: string;
  /** Temporal frontend for the workload driver (through the client-temporal link). */
  clientAddress: string;
  /** Temporal frontend without any proxy, for the harness's own bookkeeping (audits, histories) after faults. */
  directAddress: string;
  /** TLS and API key for connections to clientAddress and directAddress, when the cluster needs them (an external one may). */
  connectionOptions?: { tls?: TLSConfig; apiKey?: string };
  /** The Temporal Web UI, when the provider has one. */
  webUiUrl?: string;
  /** Each part's direct address, for seeding and snapshots (workers and other parts reach it through its links). */
  parts: Record<string, PartAddress>;
  links: Record<string, Link>;
  /** A link by name; throws naming the links there are when it has no such link. */
  link(name: string): Link;
  /** The processes this provider controls (an external cluster does not control 'temporal'). */
  processes: ReadonlyMap<ProcessName, ClusterProcess>;
  /** Replace every worker with workers running `code` (deploy a fix): old ones stop gracefully first. */
  deployWorkers(code: WorkerCode): Promise<void>;
  /** Undo every fault: heal every link, resume paused processes, restart killed ones. */
  healAll(): Promise<void>;
  /** Stop everything this provider started; each part is attempted even when another fails. */
  stop(): Promise<void>;
  /**
   * The services provider's persistence faults: restart each of `services` (one at a time) with the server's fault
   * injection set to `faults`, or cleared when `faults` is undefined.
   */
  injectPersistenceFaults?(faults: PersistenceFaults | undefined, services: readonly TemporalService[]): Promise<void>;
}

export interface ClusterProvider {
  name: Cluster['provider'];
  /** What its clusters offer faults to act on (a docker cluster on a bridge network offers no probe and no gates). */
  capabilities: readonly Capability[];
  start(options: ClusterOptions): Promise<Cluster>;
}
