/**
 * The Temporal servers tempest runs: the dev server (Temporal CLI `server start-dev`, a full server with the
 * Web UI) and the time-skipping test server. Both come from the pinned toolchain, never the SDK's download.
 */
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { HarnessError } from '../errors.ts';
import { frozenServerLauncher } from '../toolchain/install.ts';
import { resolveTool, ToolNotFoundError } from '../toolchain/tools.ts';
import { freePort, type ManagedProcess, type SpawnedProcess, startProcess, waitUntil } from './process.ts';

export interface DevServerOptions {
  /** gRPC frontend port; a free one when absent. */
  port?: number;
  /** Serve the Web UI on this port (a free one when `ui` is true and no port is given). */
  ui?: boolean;
  uiPort?: number;
  /** Persist state in this SQLite file so it survives a restart; in memory when absent. */
  dbFile?: string;
  namespace?: string;
  logFile?: string;
  readyTimeoutMs?: number;
  /** Called once the process exists, before it is ready (see StartProcessOptions.onSpawn). */
  onSpawn?: (spawned: SpawnedProcess) => void;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  namespace: string;
  /** The Web UI, when enabled. */
  uiUrl?: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Start `temporal server start-dev` on 127.0.0.1 and wait until its frontend answers health checks. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const temporal = resolveTool('temporal');
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const uiPort = options.uiPort ?? (options.ui ? await freePort() : undefined);
  const address = `127.0.0.1:${port}`;
  // Its HTTP and metrics ports too, or the CLI picks them itself from the ephemeral range (see freePort).
  const [httpPort, metricsPort] = await Promise.all([freePort(), freePort()]);
  const args = devServerArgs({ ip: '127.0.0.1', port, namespace, uiPort, dbFile: options.dbFile, httpPort, metricsPort });
  const { process } = await startProcess({
    name: 'Temporal dev server',
    command: temporal.path,
    args,
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    readyWhen: (probe) =>
      waitUntil(`Temporal dev server at ${address} answering`, () => isServing(address), 30_000, { abandon: probe.exited }),
  });
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    process,
    stop: async () => {
      await process.stop();
    },
  };
}

/**
 * The dynamic config of every dev server tempest starts (tests, chaos clusters, benchmarks, the demo), on top of the
 * CLI's own: the server's defaults throttle a one-shard dev server in ways that hide what a workflow costs. Each key
 * exists in the pinned server (Temporal CLI 1.9.1, Server 1.32.0); each benchmark report records them.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  // Nothing phones home: no server version check (the Web UI's newsfeed is off by flag).
  'frontend.enableServerVersionCheck': false,
  // Transfer tasks (each workflow task and activity task to dispatch) are loaded at most 20 times a second per shard
  // by default, and a dev server has one shard: every workflow task waited for the next 50 ms slot.
  'history.transferProcessorMaxPollRPS': 1000,
  // Timer tasks likewise (a timer, an activity retry's backoff, a timeout): 20 loads a second.
  'history.timerProcessorMaxPollRPS': 1000,
  // A timer due sooner than this after its creation fires only this late (default 1 s): a 20 ms sleep took a second.
  'history.timerProcessorMaxTimeShift': '10ms',
};

/** The arguments of `temporal` for a dev server listening on `ip` (the docker provider runs the same command in a container). */
export function devServerArgs(options: {
  ip: string;
  port: number;
  namespace: string;
  uiPort?: number;
  dbFile?: string;
  httpPort?: number;
  metricsPort?: number;
}): string[] {
  const { ip, port, namespace, uiPort, dbFile, httpPort, metricsPort } = options;
  return [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-ip', ip, '--ui-disable-news-fetch']),
    ...(dbFile ? ['--db-filename', dbFile] : []),
    ...(httpPort ? ['--http-port', String(httpPort)] : []),
    ...(metricsPort ? ['--metrics-port', String(metricsPort)] : []),
  ];
}

/** True when a Temporal frontend at `address` answers a gRPC health check. */
export async function isServing(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } finally {
    await connection.close();
  }
}

/**
 * How the time-skipping server's clock behaves while time skipping is locked (while a workflow task, an activity or
 * a test holds it): `frozen` stands still, so virtual time moves only when something unlocks it, and then exactly to
 * the server's next timer; `real` runs at the pace of real time (the server's own behaviour), so the virtual times
 * a test sees depend on how fast the machine is.
 */
export type TestServerClock = 'frozen' | 'real';

export interface TimeSkippingOptions {
  /** Default `frozen` (Linux with glibc, built by `tempest setup`); `real` where the frozen clock cannot run. */
  clock?: TestServerClock;
}

/** The instant a frozen server starts at (2026-01-01T00:00:00Z), so absolute virtual times are the same everywhere. */
export const FROZEN_EPOCH_MS = Date.UTC(2026, 0, 1);

/** What the real clock loses, said wherever a user chooses it or has to. */
export const REAL_CLOCK_CAVEAT =
  'virtual time follows real time between steps: timelines may differ by milliseconds and timers a few ms apart may fire in either order';

const clocks = new WeakMap<TestWorkflowEnvironment, TestServerClock>();

/** The clock an environment from createTimeSkippingEnvironment runs on (undefined for one made elsewhere). */
export function testServerClock(env: TestWorkflowEnvironment): TestServerClock | undefined {
  return clocks.get(env);
}

/**
 * A time-skipping test environment backed by the pinned test server binary, with its clock frozen (the default:
 * the frozen-clock library `tempest setup` compiles is preloaded into the server process) or real.
 *
 * Time skipping is global to one server, so run the tests that share an environment serially; separate test
 * files each get their own environment and may run in parallel.
 */
export async function createTimeSkippingEnvironment(options: TimeSkippingOptions = {}): Promise<TestWorkflowEnvironment> {
  const clock = options.clock ?? 'frozen';
  const testServer = resolveTool('temporal-test-server');
  if (clock === 'real') {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServer.path } },
    });
    clocks.set(env, 'real');
    return env;
  }
  let library: string;
  try {
    library = resolveTool('frozen-clock').path;
  } catch (error) {
    if (!(error instanceof ToolNotFoundError)) throw error;
    throw new ToolNotFoundError(
      'frozen-clock',
      `the time-skipping server's frozen clock is missing: ${error.message}; or use the real clock (--clock real, or { clock: 'real' }), where ${REAL_CLOCK_CAVEAT}`,
    );
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: frozenServerLauncher() },
      extraArgs: [testServer.path, library, String(FROZEN_EPOCH_MS)],
    },
  });
  // A frozen server starts at the frozen instant and stays there until something unlocks it.
  const startedAt = await env.currentTimeMs();
  if (startedAt !== FROZEN_EPOCH_MS) {
    await env.teardown();
    throw new HarnessError(
      `the frozen clock did not take hold in ${testServer.path} (its clock reads ${new Date(startedAt).toISOString()}, not ${new Date(FROZEN_EPOCH_MS).toISOString()}): the library ${library} loads only into a dynamically linked glibc program; use the real clock (--clock real, or { clock: 'real' }), where ${REAL_CLOCK_CAVEAT}`,
    );
  }
  clocks.set(env, 'frozen');
  return env;
}
