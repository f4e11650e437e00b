/**
 * Workers as their own processes (harness/worker-process.ts), so they can be killed, paused and restarted
 * like any other part. Bundle the workflows once (bundleWorkflows) and give every worker the bundle's file.
 */
import { ownModule } from '../package-root.ts';
import { type ManagedProcess, type SpawnedProcess, startProcess } from './process.ts';
import { TSX_LOADER } from './parts.ts';
import { parseWorkerReadyLine, WORKER_API_KEY_ENV, type WorkerFlags, workerArgs } from './worker-flags.ts';

const WORKER_ENTRY = ownModule(import.meta.url, './worker-process');

export interface WorkerProcessOptions extends WorkerFlags {
  /** Short name for messages and logs, e.g. "worker-1". */
  name: string;
  /** The project root: the worker runs there, so the activities' relative paths and packages resolve from it. */
  cwd: string;
  /** Passed through the environment, never the command line. */
  apiKey?: string;
  logFile?: string;
  /** Called once the process exists, before it is ready (see StartProcessOptions.onSpawn). */
  onSpawn?: (spawned: SpawnedProcess) => void;
}

export interface RunningWorkerProcess {
  name: string;
  pid: number;
  process: ManagedProcess;
  /** SIGTERM: the workers finish their current tasks and the process exits. */
  stop(): Promise<void>;
}

/** Start a worker process and wait until it polls every task queue. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<RunningWorkerProcess> {
  const { name, cwd, apiKey, logFile, onSpawn, ...flags } = options;
  const env = { ...process.env };
  if (apiKey) env[WORKER_API_KEY_ENV] = apiKey;
  const { process: child } = await startProcess({
    name,
    command: process.execPath,
    args: ['--import', TSX_LOADER, WORKER_ENTRY, ...workerArgs(flags)],
    cwd,
    env,
    logFile,
    onSpawn,
    readyTimeoutMs: 60_000,
    readyWhen: (probe) => probe.line(parseWorkerReadyLine),
  });
  return { name, pid: child.pid, process: child, stop: async () => void (await child.stop()) };
}
