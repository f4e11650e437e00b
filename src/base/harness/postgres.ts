/**
 * PostgreSQL as a child process, from the machine's own installation (Debian's `postgresql` package; nothing is
 * downloaded): a database cluster initialised in a directory of the run, listening on 127.0.0.1 only, trusting
 * local connections. Run as root (CI), it runs as the `postgres` user, or `nobody`, since PostgreSQL refuses root.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ManagedProcess, type SpawnedProcess, startProcess } from './process.ts';
import { identifyProcess, type ProcessIdentity } from './run-registry.ts';
import { HarnessError } from '../errors.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** Where Debian, Homebrew and the PostgreSQL images put the server binaries; $TEMPEST_POSTGRES_BIN wins. */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const candidates: string[] = [];
  if (env.TEMPEST_POSTGRES_BIN) candidates.push(env.TEMPEST_POSTGRES_BIN);
  else {
    const debian = '/usr/lib/postgresql';
    if (existsSync(debian)) {
      const versions = readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
    }
    candidates.push('/usr/local/bin', '/opt/homebrew/bin', '/usr/bin');
  }
  for (const dir of candidates) {
    const binaries = { initdb: path.join(dir, 'initdb'), postgres: path.join(dir, 'postgres') };
    if (existsSync(binaries.initdb) && existsSync(binaries.postgres)) return binaries;
  }
  const looked = env.TEMPEST_POSTGRES_BIN ? `TEMPEST_POSTGRES_BIN=${env.TEMPEST_POSTGRES_BIN}` : candidates.join(', ');
  throw new HarnessError(
    `PostgreSQL (initdb and postgres) is not installed (looked in ${looked}); install it (Debian: sudo apt-get install -y postgresql) or set TEMPEST_POSTGRES_BIN to the directory holding initdb and postgres`,
  );
}

/** The user to run PostgreSQL as when this harness is root: uid and gid, from `id`. */
function unprivilegedUser(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('PostgreSQL refuses to run as root, and this machine has neither a postgres nor a nobody user to run it as');
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** The command line that runs `binary` as the unprivileged user when this harness is root (setpriv execs: the pid is the binary's own). */
function asUser(binary: string, args: string[]): { command: string; args: string[] } {
  if (!isRoot()) return { command: binary, args };
  const { uid, gid } = unprivilegedUser();
  return { command: 'setpriv', args: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', binary, ...args] };
}

export interface PostgresOptions {
  /**
   * The database cluster's directory (created and initialised on first start, reused by every restart). As root it
   * must be reachable by the unprivileged user: see postgresDataDir.
   */
  dataDir: string;
  port: number;
  /** The superuser's name (trusted: no password is checked on 127.0.0.1). */
  user: string;
  logFile?: string;
  onSpawn?: (spawned: SpawnedProcess) => void;
  readyTimeoutMs?: number;
}

/** Initialise `dataDir` when it holds no database cluster yet (initdb's last lines are in the error when it fails). */
function initialise(binaries: PostgresBinaries, options: PostgresOptions): void {
  if (existsSync(path.join(options.dataDir, 'PG_VERSION'))) return;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const { uid, gid } = unprivilegedUser();
    chownSync(options.dataDir, uid, gid);
  }
  const init = asUser(binaries.initdb, [
    '-D',
    options.dataDir,
    '-U',
    options.user,
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const result = spawnSync(init.command, init.args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`initdb ${options.dataDir} failed (${result.error?.message ?? `code ${result.status}`}): ${output}`);
  }
}

/**
 * Where a run's database cluster lives: in the run's own `partDir`, or, when this harness is root, under
 * `tempest-postgres/` of the system's temporary directory, which the unprivileged user can reach (a run's directory
 * may sit under /root, and $TMPDIR may be private too, as `npm test` makes it: then /tmp). Each such directory names
 * the harness that made it, and the next one removes those whose harness is gone (killed with -9: nothing else
 * would). `remove` deletes it when it is not the run's own.
 */
export function postgresDataDir(partDir: string): { dir: string; remove(): void } {
  if (!isRoot()) return { dir: path.join(partDir, 'data'), remove: () => undefined };
  const shared = path.join(reachableByOthers(os.tmpdir()) ? os.tmpdir() : '/tmp', 'tempest-postgres');
  mkdirSync(shared, { recursive: true, mode: 0o711 });
  for (const entry of readdirSync(shared)) {
    if (!harnessAlive(path.join(shared, entry, HARNESS_FILE))) rmSync(path.join(shared, entry), { recursive: true, force: true });
  }
  const parent = mkdtempSync(path.join(shared, 'run-'));
  chmodSync(parent, 0o711);
  writeFileSync(path.join(parent, HARNESS_FILE), JSON.stringify(identifyProcess(process.pid)));
  return { dir: path.join(parent, 'data'), remove: () => rmSync(parent, { recursive: true, force: true }) };
}

const HARNESS_FILE = 'harness.json';

function harnessAlive(file: string): boolean {
  try {
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as ProcessIdentity;
    const now = identifyProcess(recorded.pid);
    return now !== undefined && now.startedAt === recorded.startedAt && now.commandLine === recorded.commandLine;
  } catch {
    return false; // no record (a directory half made): nobody's
  }
}

/** True when another user may pass through `dir` and every directory above it. */
function reachableByOthers(dir: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (path.dirname(at) === at) return true;
  }
}

/** The processes the postmaster `pid` forked (its backends and helpers), from /proc, or `pgrep -P` where there is none. */
export function postgresChildren(pid: number): number[] {
  if (existsSync('/proc')) {
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The command may hold spaces and parentheses: the fields after the last ')' are state, ppid, ...
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return children;
  }
  const found = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return found.stdout.split('\n').filter(Boolean).map(Number);
}

function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // exited meanwhile
  }
}

/**
 * PostgreSQL under the harness's signals: each backend is a session of its own (PostgreSQL makes it so), so a
 * pause or kill -9 of the postmaster alone would leave the connections the services hold still answering. Every
 * signal goes to the postmaster and to every process it forked: stops and kills to the postmaster first (so it
 * forks nothing more), continues to it last.
 */
export class PostgresProcess {
  constructor(private readonly postmaster: ManagedProcess) {}

  get running(): boolean {
    return this.postmaster.running;
  }

  get pid(): number {
    return this.postmaster.pid;
  }

  get exited(): Promise<unknown> {
    return this.postmaster.exited;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    const children = postgresChildren(this.pid);
    const send = (pid: number): void => signalIfAlive(pid, signal);
    if (signal === 'SIGCONT') {
      children.forEach(send);
      this.postmaster.signal(signal);
    } else {
      this.postmaster.signal(signal);
      children.forEach(send);
    }
  }

  async stop(): Promise<unknown> {
    if (this.running) for (const child of postgresChildren(this.pid)) signalIfAlive(child, 'SIGCONT'); // a paused backend holds the shutdown up
    return this.postmaster.stop();
  }
}

export interface Postgres {
  address: string;
  process: PostgresProcess;
}

/** Start PostgreSQL on 127.0.0.1:`port` (initialising its directory the first time); ready once it accepts connections. */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const binaries = findPostgres();
  initialise(binaries, options);
  const server = asUser(binaries.postgres, [
    '-D',
    options.dataDir,
    '-p',
    String(options.port),
    '-h',
    '127.0.0.1',
    '-k',
    '', // no Unix socket: every client (the Temporal services, through their links) comes over TCP
    '-c',
    'max_connections=300',
    // The faults here are process faults (kill -9, pause), never a machine crash: the OS keeps what was written, so
    // skipping fsync loses nothing a fault can lose, and spares the shared disk.
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
  ]);
  const address = `127.0.0.1:${options.port}`;
  const { process } = await startProcess({
    name: 'PostgreSQL',
    command: server.command,
    args: server.args,
    logFile: options.logFile,
    stopSignal: 'SIGINT', // fast shutdown: open connections are closed rather than waited for
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    readyWhen: (probe) => probe.line((line) => (line.includes('ready to accept connections') ? true : undefined)),
  });
  // Recorded once ready, not at spawn: as root, setpriv has by then become postgres, the command line a later run's
  // cleanup checks the process by (recorded at spawn, it named setpriv, and the cleanup would spare the postmaster).
  options.onSpawn?.({ pid: process.pid, command: server.command, args: server.args });
  return { address, process: new PostgresProcess(process) };
}
