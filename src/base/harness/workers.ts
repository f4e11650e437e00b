/**
 * Workers as their own processes (harness/worker-process.ts), so they can be killed, paused and restarted
 * like any other part. Bundle the workflows once (bundleWorkflows) and give every worker the bundle's file.
 */
import { ownModule } from '../package-root.ts';
import { type ManagedProcess, type SpawnedProcess, startProcess } from './process.ts';
import { TSX_LOADER } from './parts.ts';
import { parseWorkerMeterLine, parseWorkerReadyLine, WORKER_API_KEY_ENV, type WorkerFlags, workerArgs } from './worker-flags.ts';
import type { MeterReading } from './worker-meter.ts';

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
  /** Its meter, read now (started with `meter: true`): CPU so far, and per workflow what happened since the last read. */
  readMeter(): Promise<MeterReading>;
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
    ...(flags.meter ? { stdin: 'pipe' as const } : {}),
  });
  return { name, pid: child.pid, process: child, stop: async () => void (await child.stop()), readMeter: () => readMeter(name, child) };
}

/** Ask a metered worker process for its meter and wait for the answer (a worker that exits first rejects). */
function readMeter(name: string, child: ManagedProcess): Promise<MeterReading> {
  if (!child.running) return Promise.reject(new Error(`worker ${name} is not running`));
  return new Promise((resolve, reject) => {
    const unsubscribe = child.onLine((line) => {
      const reading = parseWorkerMeterLine(line);
      if (!reading) return;
      unsubscribe();
      const { event: _event, ...meter } = reading;
      resolve(meter);
    });
    void child.exited.then((status) => {
      unsubscribe();
      reject(new Error(`worker ${name} exited (${status.signal ?? `code ${status.code}`}) before answering a meter read`));
    });
    child.send('read');
  });
}
