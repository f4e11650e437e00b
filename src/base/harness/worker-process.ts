/**
 * A worker as its own process, so a chaos run can kill -9 it, pause it or restart it:
 *   node --import <tsx> worker-process.js --address <host:port> --namespace <ns> --task-queue <q> ...
 *     --bundle <file> --activities <module> [--part <name>=<host:port> ...] [--meter] [--tls ...]
 * (flags: harness/worker-flags.ts; the API key, if any, comes from $TEMPEST_WORKER_API_KEY). With --progress, an
 * activity probe (activity-probe.ts) reports every activity attempt to the harness and holds those it is asked to. Loads the activities
 * module's createActivities({ parts }) (the user's TypeScript loads through tsx), runs one worker per task queue
 * from the pre-built bundle and prints one WorkerReadyLine once they poll. SIGTERM/SIGINT shut the workers down
 * gracefully (exit 0); a bad flag or activities module is a one-line error naming it (exit 2); a failure to
 * connect or run is exit 1. With --meter it counts its CPU time and each workflow's activities and requests
 * (harness/worker-meter.ts) and answers each `read` line on stdin with one WorkerMeterLine.
 */
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { connectActivityProbe } from './activity-probe.ts';
import { parseAddress } from './parts.ts';
import { createSystemActivities } from './system-parts.ts';
import { tlsConfig } from './tls.ts';
import { installQuietRuntime, NativeConnection, WorkerGroup } from './worker.ts';
import { parseWorkerFlags, WORKER_API_KEY_ENV, type WorkerFlags, type WorkerMeterLine, type WorkerReadyLine } from './worker-flags.ts';
import { createWorkerMeter } from './worker-meter.ts';
import { UsageError } from '../errors.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function fail(message: string, exitCode: number): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(exitCode);
}

async function loadActivities(flags: WorkerFlags): Promise<object> {
  const parts = Object.fromEntries(Object.entries(flags.parts).map(([name, address]) => [name, parseAddress(address)]));
  try {
    return await createSystemActivities(flags.activities, parts, `--activities ${flags.activities}`);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message, EXIT_USAGE);
    throw error;
  }
}

installQuietRuntime();
let flags: WorkerFlags;
try {
  flags = parseWorkerFlags(process.argv.slice(2));
} catch (error) {
  fail((error as Error).message, EXIT_USAGE);
}
for (const [flag, file] of [
  ['--bundle', flags.bundle],
  ['--activities', flags.activities],
] as const) {
  if (!existsSync(file)) fail(`${flag} ${file}: no such file`, EXIT_USAGE);
}
const activities = await loadActivities(flags);

let connection: NativeConnection;
try {
  connection = await NativeConnection.connect({
    address: flags.address,
    tls: flags.tls ? tlsConfig(flags.tls) : undefined,
    apiKey: process.env[WORKER_API_KEY_ENV] || undefined,
  });
} catch (error) {
  fail(`cannot connect to Temporal at ${flags.address}: ${(error as Error).message.split('\n')[0]}`, EXIT_FAILED);
}
const probe = flags.progress
  ? await connectActivityProbe(flags.progress.address, flags.progress.name).catch((error: unknown) =>
      fail(`cannot reach the harness's progress channel at ${flags.progress!.address}: ${(error as Error).message}`, EXIT_FAILED),
    )
  : undefined;
const meter = flags.meter ? createWorkerMeter(flags.parts) : undefined;
const workers = await WorkerGroup.create({
  // The probe first: an attempt it holds is not yet metered as run.
  interceptors: { activity: [...(probe ? [probe.interceptor] : []), ...(meter?.interceptors.activity ?? [])] },
  connection,
  namespace: flags.namespace,
  workflowBundle: { codePath: flags.bundle },
  activities,
  taskQueues: flags.taskQueues,
}).catch((error: unknown) => fail(`cannot create the workers: ${(error as Error).message.split('\n')[0]}`, EXIT_FAILED));

let stopping = false;
const running = workers.start().then(
  async () => {
    await connection.close();
    if (!stopping) fail('the workers stopped without being asked to', EXIT_FAILED);
    process.exit(0);
  },
  (error: unknown) => fail(`a worker failed: ${(error as Error).message.split('\n')[0]}`, EXIT_FAILED),
);
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void workers.shutdown();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

if (meter) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'read') return;
    const answer: WorkerMeterLine = { event: 'meter', ...meter.read() };
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
}

const ready: WorkerReadyLine = { event: 'polling', pid: process.pid, taskQueues: [...flags.taskQueues] };
process.stdout.write(`${JSON.stringify(ready)}\n`);
await running;
