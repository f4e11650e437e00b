/**
 * The Temporal server as production runs it: frontend, history, matching and the internal worker as separate
 * processes of the pinned server build (`temporal-server`), on PostgreSQL, with a real number of history shards.
 * Each service gets a config file of its own (JSON, which the server's YAML loader reads), differing only in the
 * database address (each service reaches PostgreSQL through its own link) and in the persistence faults it injects.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { resolveTool } from '../toolchain/tools.ts';
import { accepts } from './parts.ts';
import { type Postgres, postgresDataDir, startPostgres } from './postgres.ts';
import { freePort, type ManagedProcess, type SpawnedProcess, startProcess, stopAll, waitUntil } from './process.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, isServing } from './temporal.ts';

const execFileAsync = promisify(execFile);

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export const DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

const DATABASE_USER = 'temporal';
const HISTORY_SHARDS = 4;

/** Error names the server's fault injection knows (common/persistence/faultinjection); ExecuteAndTimeout commits the write, then answers with a timeout. */
export const PERSISTENCE_ERRORS = ['Timeout', 'ExecuteAndTimeout', 'ResourceExhausted', 'Unavailable', 'ShardOwnershipLost'] as const;
export type PersistenceError = (typeof PERSISTENCE_ERRORS)[number];

/** Per data store (ExecutionStore, TaskStore, ShardStore, ...), per method, the probability of each error. */
export type PersistenceFaults = Record<string, Record<string, Partial<Record<PersistenceError, number>>>>;

export interface ServicePorts {
  grpc: number;
  membership: number;
  http?: number;
}

export interface ServicesConfig {
  ports: Record<TemporalService, ServicePorts>;
  numHistoryShards: number;
  /** The database user (trusted: no password). */
  user: string;
  dynamicConfigFile: string;
}

/** The server's dynamic config on this cluster: the dev server's (see DEV_SERVER_DYNAMIC_CONFIG), in the file format. */
export function writeDynamicConfig(file: string): void {
  const entries = Object.fromEntries(Object.entries(DEV_SERVER_DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value }]]));
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`);
}

/** Where one service reaches the others (the database, and the frontend for the internal worker), and the faults it injects. */
export interface ServiceWiring {
  /** host:port of PostgreSQL as this service reaches it (the database itself, or a link to it). */
  database: string;
  /** host:port of the frontend as the internal worker reaches it (its public client); the frontend itself when absent. */
  frontend?: string;
  faults?: PersistenceFaults;
}

/** One service's config: the cluster's ports, and its wiring. */
export function serviceConfig(config: ServicesConfig, wiring: ServiceWiring): object {
  const { database: databaseAddress, faults } = wiring;
  const [host, port] = [
    databaseAddress.slice(0, databaseAddress.lastIndexOf(':')),
    databaseAddress.slice(databaseAddress.lastIndexOf(':') + 1),
  ];
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${host}:${port}`,
      connectProtocol: 'tcp',
      user: config.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const injected =
    faults && Object.keys(faults).length > 0
      ? {
          faultInjection: {
            targets: {
              dataStores: Object.fromEntries(
                Object.entries(faults).map(([storeName, methods]) => [
                  storeName,
                  { methods: Object.fromEntries(Object.entries(methods).map(([method, errors]) => [method, { errors }])) },
                ]),
              ),
            },
          },
        }
      : {};
  const frontend = `127.0.0.1:${config.ports.frontend.grpc}`;
  const rpc = (ports: ServicePorts) => ({
    rpc: { grpcPort: ports.grpc, membershipPort: ports.membership, bindOnLocalHost: true, ...(ports.http ? { httpPort: ports.http } : {}) },
  });
  const disabled = { state: 'disabled' };
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: config.numHistoryShards,
      datastores: { default: { ...store(DATABASES.default, 20), ...injected }, visibility: store(DATABASES.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(TEMPORAL_SERVICES.map((service) => [service, rpc(config.ports[service])])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: disabled, visibility: disabled },
    namespaceDefaults: { archival: { history: disabled, visibility: disabled } },
    publicClient: { hostPort: wiring.frontend ?? frontend },
    dynamicConfigClient: { filepath: config.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The SQL schemas the pinned schema tool ships (copied next to it by `tempest setup`). */
function schemaDir(): string {
  const sqlTool = resolveTool('temporal-sql-tool');
  const dir = path.join(path.dirname(sqlTool.path), 'schema', 'postgresql', 'v12');
  if (!existsSync(dir)) {
    throw new Error(
      `the PostgreSQL schemas are not next to the schema tool (looked for ${dir}); run \`npx tempest setup\` to install the pinned temporal-sql-tool with its schemas`,
    );
  }
  return dir;
}

/**
 * Create both databases on the server at `address` and bring their schemas to the pinned server's version with
 * the pinned schema tool (what an operator runs before the first start).
 */
export async function setupSchemas(address: string, user: string, logFile: string): Promise<void> {
  const sqlTool = resolveTool('temporal-sql-tool').path;
  const schemas = schemaDir();
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)];
  for (const [name, database] of [
    ['temporal', DATABASES.default],
    ['visibility', DATABASES.visibility],
  ] as const) {
    const base = ['--plugin', 'postgres12', '--ep', host, '-p', port, '-u', user, '--db', database];
    const steps = [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', path.join(schemas, name, 'versioned')]];
    for (const step of steps) {
      const args = [...base, ...step];
      const result = await execFileAsync(sqlTool, args, { encoding: 'utf8', timeout: 120_000 }).then(
        ({ stdout, stderr }) => ({ ok: true, output: `${stdout}${stderr}` }),
        (error: { stdout?: string; stderr?: string; message: string }) => ({
          ok: false,
          output: `${error.stdout ?? ''}${error.stderr ?? ''}` || error.message,
        }),
      );
      writeFileSync(logFile, `$ temporal-sql-tool ${args.join(' ')}\n${result.output}\n`, { flag: 'a' });
      if (!result.ok) {
        throw new Error(`temporal-sql-tool ${step[0]} of ${database} failed: ${result.output.trim().split('\n').slice(-2).join(' | ')}`);
      }
    }
  }
}

export interface StartServiceOptions {
  service: TemporalService;
  configFile: string;
  /** Where its gRPC port listens. */
  address: string;
  logFile?: string;
  onSpawn?: (spawned: SpawnedProcess) => void;
  readyTimeoutMs?: number;
}

/** Start one service; ready when its gRPC port answers (the frontend: when it reports SERVING). */
export async function startTemporalService(options: StartServiceOptions): Promise<{ process: ManagedProcess }> {
  const server = resolveTool('temporal-server');
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const name = `Temporal ${options.service}`;
  const { process } = await startProcess({
    name,
    command: server.path,
    args: ['--config-file', options.configFile, '--allow-no-auth', 'start', '--service', options.service],
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: timeoutMs,
    readyWhen: (probe) =>
      waitUntil(
        `${name} at ${options.address} answering`,
        () =>
          options.service === 'frontend'
            ? isServing(options.address)
            : accepts(Number(options.address.slice(options.address.lastIndexOf(':') + 1)), '127.0.0.1'),
        timeoutMs,
        { abandon: probe.exited },
      ),
  });
  return { process };
}

/** Workflow ids probed by waitUntilServing: enough that every one of the cluster's shards is asked (1 in 10^4 misses one of 4). */
const SHARD_PROBES = 32;

/**
 * Wait until the cluster at `frontend` serves `namespace` end to end: the frontend knows it, matching answers for a
 * task queue, and history answers for workflows spread over every shard (NotFound is an answer; a history that has
 * just started does not own its shards yet and answers Unavailable).
 */
export async function waitUntilServing(frontend: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ address: frontend, connectTimeout: 5000 });
  try {
    const { workflowService } = connection;
    const notFound = (call: Promise<unknown>): Promise<boolean> =>
      call.then(
        () => false,
        (error: { code?: number }) => error.code === 5,
      );
    await waitUntil(
      `Temporal at ${frontend} serving namespace ${namespace} on every shard`,
      async () => {
        await workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'tempest-readiness' } });
        const shards = await Promise.all(
          Array.from({ length: SHARD_PROBES }, (_, i) =>
            notFound(workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId: `tempest-readiness-${i}` } })),
          ),
        );
        return shards.every(Boolean);
      },
      timeoutMs,
      { intervalMs: 250 },
    );
  } finally {
    await connection.close();
  }
}

/** Register `namespace` (a fresh database has none) and wait until the cluster serves it on every shard. */
export async function registerNamespace(frontend: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ address: frontend, connectTimeout: 5000 });
  try {
    await waitUntil(
      `namespace ${namespace} registered at ${frontend}`,
      async () => {
        try {
          await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
          return true;
        } catch (error) {
          return (error as { code?: number }).code === 6; // ALREADY_EXISTS
        }
      },
      timeoutMs,
    );
  } finally {
    await connection.close();
  }
  await waitUntilServing(frontend, namespace, timeoutMs);
}

export interface TemporalServicesOptions {
  /** The services' configs (<dir>/<service>.json, rewritten at every start) and, unless root, the database. */
  dir: string;
  namespace: string;
  /** Each process's log file: postgres, schema (the schema tool), temporal-<service>. */
  logFile(name: string): string;
  /** Told of each process as it spawns (the run registry). */
  onSpawn?(name: string): ((spawned: SpawnedProcess) => void) | undefined;
}

/**
 * The pieces of a services cluster, each a start function that reuses the same ports and state on every call (what
 * a restart needs): PostgreSQL, the schemas, each service (given the address where it reaches the database: the
 * database itself or a link to it, and the persistence faults it injects), the namespace. `start` below, and the
 * chaos provider (which wraps each in a process under its control), put them together.
 */
export interface TemporalServicesLayout {
  /** host:port of the frontend. */
  frontend: string;
  /** host:port of PostgreSQL. */
  database: string;
  startPostgres(): Promise<Postgres>;
  setupSchemas(): Promise<void>;
  startService(service: TemporalService, wiring: ServiceWiring): Promise<{ process: ManagedProcess }>;
  registerNamespace(): Promise<void>;
  /** Wait until the cluster serves the namespace on every shard (after a service restarted). */
  waitUntilServing(): Promise<void>;
  /** Remove what lives outside `dir` (the database, when root). */
  dispose(): void;
}

export async function layoutTemporalServices(options: TemporalServicesOptions): Promise<TemporalServicesLayout> {
  const ports = {} as Record<TemporalService, ServicePorts>;
  for (const service of TEMPORAL_SERVICES)
    ports[service] = {
      grpc: await freePort(),
      membership: await freePort(),
      ...(service === 'frontend' ? { http: await freePort() } : {}),
    };
  const databasePort = await freePort();
  mkdirSync(options.dir, { recursive: true });
  const config: ServicesConfig = {
    ports,
    numHistoryShards: HISTORY_SHARDS,
    user: DATABASE_USER,
    dynamicConfigFile: path.join(options.dir, 'dynamic-config.yaml'),
  };
  writeDynamicConfig(config.dynamicConfigFile);
  const frontend = `127.0.0.1:${ports.frontend.grpc}`;
  const database = `127.0.0.1:${databasePort}`;
  const data = postgresDataDir(options.dir);
  return {
    frontend,
    database,
    startPostgres: () =>
      startPostgres({
        dataDir: data.dir,
        port: databasePort,
        user: DATABASE_USER,
        logFile: options.logFile('postgres'),
        onSpawn: options.onSpawn?.('postgres'),
      }),
    setupSchemas: () => setupSchemas(database, DATABASE_USER, options.logFile('schema')),
    startService: (service, wiring) => {
      const configFile = path.join(options.dir, `${service}.json`);
      writeFileSync(configFile, `${JSON.stringify(serviceConfig(config, wiring), null, 2)}\n`);
      const name = `temporal-${service}`;
      return startTemporalService({
        service,
        configFile,
        address: `127.0.0.1:${ports[service].grpc}`,
        logFile: options.logFile(name),
        onSpawn: options.onSpawn?.(name),
      });
    },
    registerNamespace: () => registerNamespace(frontend, options.namespace),
    waitUntilServing: () => waitUntilServing(frontend, options.namespace),
    dispose: () => data.remove(),
  };
}

/**
 * Start services in the order a fresh cluster needs: history first (the first service to start writes the
 * cluster's metadata, and two at once race to, one failing), then the others together (each finds the others
 * through membership).
 */
export async function startInOrder<T extends { service: TemporalService }>(
  services: readonly T[],
  start: (service: T) => Promise<unknown>,
): Promise<void> {
  const history = services.find((s) => s.service === 'history');
  if (history) await start(history);
  await Promise.all(services.filter((s) => s !== history).map(start));
}

export interface TemporalServices {
  address: string;
  namespace: string;
  /** The pids of PostgreSQL and each service (for a benchmark's CPU accounting). */
  pids(): number[];
  stop(): Promise<void>;
}

/** A whole services cluster, each service reaching PostgreSQL directly (the benchmarks' server); stop ends it all. */
export async function startTemporalServices(options: TemporalServicesOptions): Promise<TemporalServices> {
  const layout = await layoutTemporalServices(options);
  const running: { pid: number; stop(): Promise<unknown> }[] = [];
  const stop = async (): Promise<void> => {
    await stopAll(running.slice(1).map((part) => () => part.stop()));
    await running[0]?.stop(); // the database last, once no service holds a connection
    layout.dispose();
  };
  try {
    running.push((await layout.startPostgres()).process);
    await layout.setupSchemas();
    await startInOrder(
      TEMPORAL_SERVICES.map((service) => ({ service })),
      async ({ service }) => void running.push((await layout.startService(service, { database: layout.database })).process),
    );
    await layout.registerNamespace();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { address: layout.frontend, namespace: options.namespace, pids: () => running.map((part) => part.pid), stop };
}
