/**
 * The command line of a worker process (harness/worker-process.ts) and the line it prints once polling: written
 * by the starter (harness/workers.ts), read by the process, so the two cannot drift apart.
 */
import { UsageError } from '../errors.ts';
import type { MeterReading } from './worker-meter.ts';

export interface WorkerTls {
  /** Name the server's certificate is checked against (needed when connecting through a proxy). */
  serverName?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface WorkerFlags {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  /** One worker per task queue. */
  taskQueues: readonly string[];
  /** A workflow bundle written by bundleWorkflows() (its `code`), shared by every worker process of a run. */
  bundle: string;
  /** Module exporting `createActivities({ parts })` (a system's activities module, see ActivityContext). */
  activities: string;
  /** host:port of each part the activities call (through its worker-<part> link in a chaos cluster), by part name. */
  parts: Record<string, string>;
  /** TLS to the frontend (`--tls`, or any `--tls-*` file); plain TCP when absent. */
  tls?: WorkerTls;
  /**
   * The harness's progress channel (host:port), when it runs one: the worker's activity probe reports every attempt
   * there and holds the ones it is asked to (activity-probe.ts), naming itself `name`.
   */
  progress?: { address: string; name: string };
  /**
   * `--meter`: count its own CPU time and, per workflow, activities and requests to each part; each `read` line on
   * stdin is answered by one WorkerMeterLine on stdout.
   */
  meter?: boolean;
}

/** The API key reaches the worker through this environment variable, never its command line (which `ps` shows). */
export const WORKER_API_KEY_ENV = 'TEMPEST_WORKER_API_KEY';

/** What the worker process prints on stdout, as one JSON line, once every worker polls. */
export interface WorkerReadyLine {
  event: 'polling';
  pid: number;
  taskQueues: string[];
}

/** What a metered worker process prints on stdout, as one JSON line, for each `read` line on its stdin. */
export interface WorkerMeterLine extends MeterReading {
  event: 'meter';
}

const USAGE =
  'usage: --address <host:port> --namespace <ns> --task-queue <q> [--task-queue <q> ...] --bundle <file> --activities <module> ' +
  '[--part <name>=<host:port> ...] [--meter] [--tls] [--tls-server-name <name>] [--tls-ca <file>] [--tls-cert <file> --tls-key <file>] ' +
  '[--progress <host:port> --name <worker>]';

const SINGLE_VALUED = ['--address', '--namespace', '--bundle', '--activities'] as const;
const HOST_PORT = /^[^\s:]+:\d{1,5}$/;
const TLS_VALUED = ['--tls-server-name', '--tls-ca', '--tls-cert', '--tls-key'] as const;
const PROGRESS_VALUED = ['--progress', '--name'] as const;

/** The command line for `flags` (the inverse of parseWorkerFlags). */
export function workerArgs(flags: WorkerFlags): string[] {
  const args = [
    '--address',
    flags.address,
    '--namespace',
    flags.namespace,
    ...flags.taskQueues.flatMap((queue) => ['--task-queue', queue]),
    '--bundle',
    flags.bundle,
    '--activities',
    flags.activities,
    ...Object.entries(flags.parts).flatMap(([name, address]) => ['--part', `${name}=${address}`]),
  ];
  if (flags.meter) args.push('--meter');
  const tls = flags.tls;
  if (tls) {
    args.push('--tls');
    if (tls.serverName) args.push('--tls-server-name', tls.serverName);
    if (tls.caFile) args.push('--tls-ca', tls.caFile);
    if (tls.certFile) args.push('--tls-cert', tls.certFile);
    if (tls.keyFile) args.push('--tls-key', tls.keyFile);
  }
  if (flags.progress) args.push('--progress', flags.progress.address, '--name', flags.progress.name);
  return args;
}

/** Parse a worker process's flags; throws a UsageError with a one-line message naming the flag. */
export function parseWorkerFlags(args: readonly string[]): WorkerFlags {
  const values = new Map<string, string>();
  const taskQueues: string[] = [];
  const parts: Record<string, string> = {};
  let tlsFlag = false;
  let meter = false;
  for (let index = 0; index < args.length; index++) {
    const flag = args[index] as string;
    if (flag === '--tls' || flag === '--meter') {
      if (flag === '--tls') tlsFlag = true;
      else meter = true;
      continue;
    }
    const known =
      flag === '--task-queue' ||
      flag === '--part' ||
      (SINGLE_VALUED as readonly string[]).includes(flag) ||
      (TLS_VALUED as readonly string[]).includes(flag) ||
      (PROGRESS_VALUED as readonly string[]).includes(flag);
    if (!known) throw new UsageError(`unknown flag ${flag} (${USAGE})`);
    const value = args[++index];
    if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${flag} needs a value (${USAGE})`);
    if (flag === '--task-queue') {
      taskQueues.push(value);
      continue;
    }
    if (flag === '--part') {
      const [name, address] = [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)];
      if (!value.includes('=') || !name || !HOST_PORT.test(address))
        throw new UsageError(`--part must be <name>=<host:port>, got '${value}'`);
      if (name in parts) throw new UsageError(`--part ${name} is given more than once`);
      parts[name] = address;
      continue;
    }
    if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
    values.set(flag, value);
  }
  for (const flag of SINGLE_VALUED) {
    if (!values.has(flag)) throw new UsageError(`${flag} is required (${USAGE})`);
  }
  if (taskQueues.length === 0) throw new UsageError(`--task-queue is required, once per task queue (${USAGE})`);
  const address = values.get('--address') as string;
  if (!HOST_PORT.test(address)) throw new UsageError(`--address must be host:port, got '${address}'`);
  if (values.has('--tls-cert') !== values.has('--tls-key'))
    throw new UsageError('--tls-cert and --tls-key go together: give both or neither');
  const tlsFiles = {
    serverName: values.get('--tls-server-name'),
    caFile: values.get('--tls-ca'),
    certFile: values.get('--tls-cert'),
    keyFile: values.get('--tls-key'),
  };
  const anyTls = tlsFlag || Object.values(tlsFiles).some((value) => value !== undefined);
  if (values.has('--progress') !== values.has('--name')) throw new UsageError('--progress and --name go together: give both or neither');
  const progress = values.get('--progress');
  if (progress !== undefined && !HOST_PORT.test(progress)) throw new UsageError(`--progress must be host:port, got '${progress}'`);
  return {
    address,
    namespace: values.get('--namespace') as string,
    taskQueues,
    bundle: values.get('--bundle') as string,
    activities: values.get('--activities') as string,
    parts,
    ...(anyTls ? { tls: withoutUndefined(tlsFiles) } : {}),
    ...(progress !== undefined ? { progress: { address: progress, name: values.get('--name') as string } } : {}),
    ...(meter ? { meter } : {}),
  };
}

function withoutUndefined(tls: Record<keyof WorkerTls, string | undefined>): WorkerTls {
  return Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined)) as WorkerTls;
}

/** The ready line, or undefined for any other output. */
export function parseWorkerReadyLine(line: string): WorkerReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<WorkerReadyLine>;
    return parsed.event === 'polling' && typeof parsed.pid === 'number' && Array.isArray(parsed.taskQueues)
      ? (parsed as WorkerReadyLine)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A meter line, or undefined for any other output. */
export function parseWorkerMeterLine(line: string): WorkerMeterLine | undefined {
  if (!line.startsWith('{"event":"meter"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<WorkerMeterLine>;
    return parsed.event === 'meter' && typeof parsed.cpuUs === 'number' && typeof parsed.perWorkflow === 'object'
      ? (parsed as WorkerMeterLine)
      : undefined;
  } catch {
    return undefined;
  }
}
