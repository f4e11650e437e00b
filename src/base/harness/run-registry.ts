/**
 * No orphans, even after a kill -9 of the harness: every run that starts servers (a chaos cluster, a benchmark run)
 * records the processes it starts in `<stateDir>/runs/<run>.json`, and the next run ends those of runs whose harness
 * is gone (cleanupStaleRuns), and removes their temporary data directory.
 * A process is only ever killed when its pid still belongs to the very process that was recorded: same start
 * time and same command line, so a reused pid never leads to killing an unrelated process. Containers (the docker
 * provider) carry the label `tempest.run=<run id>`, and a stale run's containers are removed by that label.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SpawnedProcess } from './process.ts';
import { HarnessError } from '../errors.ts';

/** Who a process is: its pid plus what makes that pid unambiguous. */
export interface ProcessIdentity {
  pid: number;
  /** Opaque start time (clock ticks since boot on Linux, `ps -o lstart` elsewhere): only compared for equality. */
  startedAt: string;
  /** argv joined by spaces. */
  commandLine: string;
}

export interface RunRecord {
  dataDir: string;
  harness: ProcessIdentity;
  processes: Record<string, ProcessIdentity>;
  /** The run's id in the `tempest.run` label of its containers, once it creates any. */
  containerRun?: string;
  /** The data directory is the run's own temporary one: a cleanup after a kill removes it too. */
  ownsDataDir?: boolean;
}

/** The label every container of a run carries (its value: the run's id). */
export const RUN_LABEL = 'tempest.run';

/** The identity of a live process, or undefined when there is none with this pid (a zombie counts as gone). */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start after its closing parenthesis; starttime is field 22.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return fields[0] === 'Z' || !commandLine ? undefined : { pid, startedAt: fields[19] ?? '', commandLine };
    } catch {
      return undefined;
    }
  }
  try {
    const line = execFileSync('ps', ['-o', 'lstart=,command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    // lstart is fixed width: "Tue Nov 24 00:15:03 2026".
    return line ? { pid, startedAt: line.slice(0, 24), commandLine: line.slice(24).trim() } : undefined;
  } catch {
    return undefined;
  }
}

/** A process with this pid exists (a zombie included: it is read again until it is reaped). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isSameProcess(recorded: ProcessIdentity): boolean {
  const now = identifyProcess(recorded.pid);
  return now !== undefined && now.startedAt === recorded.startedAt && now.commandLine === recorded.commandLine;
}

function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs');
}

/** The record of one cluster run: written on every change, removed when the run has stopped everything. */
export class RunRegistry {
  /** The latest pid spawned under each name. */
  private readonly spawned = new Map<string, number>();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly record: RunRecord,
    private readonly identify: (pid: number) => ProcessIdentity | undefined,
  ) {}

  /**
   * Register this process as the harness of a run keeping its state in `dataDir` (`ownsDataDir`: a temporary
   * directory of the run's own, removed by the cleanup after a kill; `identify`: how a process's identity is read,
   * identifyProcess unless a test says otherwise).
   */
  static open(
    stateDir: string,
    dataDir: string,
    options: { ownsDataDir?: boolean; identify?: (pid: number) => ProcessIdentity | undefined } = {},
  ): RunRegistry {
    const harness = identifyProcess(process.pid);
    if (!harness) throw new HarnessError(`cannot read this process's own identity (pid ${process.pid})`);
    mkdirSync(runsDir(stateDir), { recursive: true });
    const file = path.join(runsDir(stateDir), `${process.pid}-${Date.now().toString(36)}.json`);
    const registry = new RunRegistry(
      file,
      { dataDir: path.resolve(dataDir), harness, processes: {}, ...(options.ownsDataDir ? { ownsDataDir: true } : {}) },
      options.identify ?? identifyProcess,
    );
    registry.write();
    return registry;
  }

  /** A callback for StartProcessOptions.onSpawn that records the process under `name` (a restart replaces it). */
  recorder(name: string): (spawned: SpawnedProcess) => void {
    return (spawned) => {
      this.spawned.set(name, spawned.pid);
      this.recordOnceReadable(name, spawned.pid, 0);
    };
  }

  /**
   * Node can hand back a spawned child while its exec is still under way, before the kernel has set up the new
   * program's command line (1 spawn in 400 beside four busy loops): read then, it is empty, and the process went
   * unrecorded, so a harness killed with -9 left it running. It is read again every few milliseconds until it is
   * there, for as long as the process lives, it is still the latest under its name and the run is not closed.
   */
  private recordOnceReadable(name: string, pid: number, tries: number): void {
    if (this.closed || this.spawned.get(name) !== pid) return;
    const identity = this.identify(pid);
    if (identity) {
      this.record.processes[name] = identity;
      this.write();
    } else if (tries < 400 && isRunning(pid)) {
      setTimeout(() => this.recordOnceReadable(name, pid, tries + 1), 5).unref();
    }
  }

  /**
   * Record the children of this process whose command line contains `command` (a server the SDK spawned itself,
   * such as the time-skipping test server, whose pid it does not give), as `name`, `name-2`, ...
   */
  recordChildren(name: string, command: string): void {
    childProcesses(command).forEach((identity, index) => {
      this.record.processes[index === 0 ? name : `${name}-${index + 1}`] = identity;
    });
    this.write();
  }

  /**
   * Labels for the run's containers; the run is recorded as one with containers before any is created, so a
   * later cleanup looks for them.
   */
  containerLabels(): Record<string, string> {
    const run = path.basename(this.file, '.json');
    if (this.record.containerRun !== run) {
      this.record.containerRun = run;
      this.write();
    }
    return { [RUN_LABEL]: run, 'tempest.harness-pid': String(process.pid), 'tempest.data-dir': this.record.dataDir };
  }

  /** The run stopped every process it started: forget it. */
  close(): void {
    this.closed = true;
    rmSync(this.file, { force: true });
  }

  private write(): void {
    const partial = `${this.file}.tmp`;
    writeFileSync(partial, `${JSON.stringify(this.record, null, 2)}\n`);
    renameSync(partial, this.file);
  }
}

/** The live children of this process whose command line contains `command`. */
function childProcesses(command: string): ProcessIdentity[] {
  let pids: number[];
  if (process.platform === 'linux') {
    pids = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid; // field 4: the parent
        } catch {
          return false;
        }
      });
  } else {
    const listed = execFileSync('ps', ['-o', 'pid=,ppid=', '-A'], { encoding: 'utf8' });
    pids = listed
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([, ppid]) => ppid === process.pid)
      .map(([pid]) => pid!);
  }
  return pids
    .map(identifyProcess)
    .filter((identity): identity is ProcessIdentity => identity !== undefined && identity.commandLine.includes(command));
}

export interface StaleRunCleanup {
  /** The run's record file (now removed). */
  run: string;
  dataDir: string;
  /** The processes that were still running and were killed. */
  killed: { name: string; pid: number }[];
  /** The ids of the run's containers that were removed. */
  removedContainers: string[];
}

/**
 * Kill the leftover processes of every recorded run whose harness is gone (killed before it could stop them) and
 * remove their records. Runs whose harness still runs are left alone, and so is any process whose pid now belongs
 * to another program. Call it before starting a run.
 */
export async function cleanupStaleRuns(stateDir: string): Promise<StaleRunCleanup[]> {
  const dir = runsDir(stateDir);
  if (!existsSync(dir)) return [];
  const cleanups: StaleRunCleanup[] = [];
  for (const entry of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const file = path.join(dir, entry);
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    } catch {
      continue; // not ours to judge: without a readable record nothing can be verified, so nothing is killed
    }
    if (isSameProcess(record.harness)) continue;
    const survivors = Object.entries(record.processes).filter(([, identity]) => isSameProcess(identity));
    for (const [, identity] of survivors) killIfPresent(identity.pid);
    await waitForExit(survivors.map(([, identity]) => identity));
    let removedContainers: string[] = [];
    if (record.containerRun) {
      try {
        removedContainers = removeContainers(record.containerRun);
      } catch {
        continue; // no engine answers now: keep the record, so a later run removes them
      }
    }
    if (record.ownsDataDir && path.isAbsolute(record.dataDir)) rmSync(record.dataDir, { recursive: true, force: true });
    rmSync(file, { force: true });
    cleanups.push({
      run: file,
      dataDir: record.dataDir,
      killed: survivors.map(([name, identity]) => ({ name, pid: identity.pid })),
      removedContainers,
    });
  }
  return cleanups;
}

/** `docker rm -f` every container labelled with this run (running, paused or stopped), then its network; the containers' ids. */
function removeContainers(run: string): string[] {
  const labelled = (kind: 'ps' | 'network'): string[] => {
    const args = kind === 'ps' ? ['ps', '--all'] : ['network', 'ls'];
    const listed = execFileSync('docker', [...args, '--quiet', '--filter', `label=${RUN_LABEL}=${run}`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return listed
      .split('\n')
      .map((id) => id.trim())
      .filter(Boolean);
  };
  const ids = labelled('ps');
  if (ids.length > 0) execFileSync('docker', ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore', timeout: 60_000 });
  const networks = labelled('network'); // a bridge-networked run's own network, empty now
  if (networks.length > 0) execFileSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore', timeout: 30_000 });
  return ids;
}

function killIfPresent(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it exited on its own meanwhile
  }
}

async function waitForExit(identities: ProcessIdentity[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (identities.some(isSameProcess)) {
    if (Date.now() > deadline) {
      const left = identities.filter(isSameProcess).map((identity) => identity.pid);
      throw new HarnessError(`stale processes ${left.join(', ')} are still running ${timeoutMs} ms after SIGKILL`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
