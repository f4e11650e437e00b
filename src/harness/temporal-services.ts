/**
 * The Temporal server as production runs it: frontend, history, matching and the internal worker as separate
 * processes of the pinned server build (`temporal-server`), on PostgreSQL, with a real number of history shards.
 * Each service gets a config file of its own (JSON, which the server's YAML loader reads), differing only in the
 * database address (each service reaches PostgreSQL through its own link) and in the persistence faults it injects.
 */
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { resolveTool } from '../toolchain/tools.ts';
import { type ManagedProcess, type SpawnedProcess, startProcess, waitUntil } from './process.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, isServing } from './temporal.ts';

const execFileAsync = promisify(execFile);

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export const DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** Error names the server's fault injection knows (common/persistence/faultinjection); ExecuteAndTimeout commits the write, then answers with a timeout. */
export const PERSISTENCE_ERRORS = ['Timeout', 'ExecuteAndTimeout', 'ResourceExhausted', 'Unavailable'] as const;
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

/** One service's config: the cluster's ports, the database at `databaseAddress`, and the persistence faults it injects. */
export function serviceConfig(config: ServicesConfig, databaseAddress: string, faults?: PersistenceFaults): object {
  const [host, port] = [databaseAddress.slice(0, databaseAddress.lastIndexOf(':')), databaseAddress.slice(databaseAddress.lastIndexOf(':') + 1)];
  const store = (databaseName: string, maxConns: number) => ({
    sql: { pluginName: 'postgres12', databaseName, connectAddr: `${host}:${port}`, connectProtocol: 'tcp', user: config.user, password: '', maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' },
  });
  const injected = faults && Object.keys(faults).length > 0
    ? { faultInjection: { targets: { dataStores: Object.fromEntries(Object.entries(faults).map(([storeName, methods]) => [storeName, { methods: Object.fromEntries(Object.entries(methods).map(([method, errors]) => [method, { errors }])) }])) } } }
    : {};
  const frontend = `127.0.0.1:${config.ports.frontend.grpc}`;
  const rpc = (ports: ServicePorts) => ({ rpc: { grpcPort: ports.grpc, membershipPort: ports.membership, bindOnLocalHost: true, ...(ports.http ? { httpPort: ports.http } : {}) } });
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
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: config.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** The SQL schemas the pinned schema tool ships (copied next to it by `tempest setup`). */
function schemaDir(): string {
  const sqlTool = resolveTool('temporal-sql-tool');
  const dir = path.join(path.dirname(sqlTool.path), 'schema', 'postgresql', 'v12');
  if (!existsSync(dir)) {
    throw new Error(`the PostgreSQL schemas are not next to the schema tool (looked for ${dir}); run \`npx tempest setup\` to install the pinned temporal-sql-tool with its schemas`);
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
  for (const [name, database] of [['temporal', DATABASES.default], ['visibility', DATABASES.visibility]] as const) {
    const base = ['--plugin', 'postgres12', '--ep', host, '-p', port, '-u', user, '--db', database];
    const steps = [
      ['create-database'],
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '-d', path.join(schemas, name, 'versioned')],
    ];
    for (const step of steps) {
      const args = [...base, ...step];
      const result = await execFileAsync(sqlTool, args, { encoding: 'utf8', timeout: 120_000 }).then(
        ({ stdout, stderr }) => ({ ok: true, output: `${stdout}${stderr}` }),
        (error: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` || error.message }),
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

/** True when something accepts TCP connections at host:port. */
async function accepts(address: string): Promise<boolean> {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
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
      waitUntil(`${name} at ${options.address} answering`, () => (options.service === 'frontend' ? isServing(options.address) : accepts(options.address)), timeoutMs, { abandon: probe.exited }),
  });
  return { process };
}

/**
 * Register `namespace` (a fresh database has none) and wait until the cluster serves it end to end: the frontend
 * knows it, matching answers for a task queue, history answers for a workflow (NotFound is an answer).
 */
export async function registerNamespace(frontend: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ address: frontend, connectTimeout: 5000 });
  try {
    const { workflowService } = connection;
    await waitUntil(`namespace ${namespace} registered at ${frontend}`, async () => {
      try {
        await workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
        return true;
      } catch (error) {
        return (error as { code?: number }).code === 6; // ALREADY_EXISTS
      }
    }, timeoutMs);
    await waitUntil(`history and matching of ${frontend} serving namespace ${namespace}`, async () => {
      try {
        await workflowService.describeTaskQueue({ namespace, taskQueue: { name: 'tempest-readiness' } });
        await workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId: 'tempest-readiness' } });
        return false;
      } catch (error) {
        return (error as { code?: number }).code === 5; // NOT_FOUND: history looked and found nothing
      }
    }, timeoutMs);
  } finally {
    await connection.close();
  }
}
