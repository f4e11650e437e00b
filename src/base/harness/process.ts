/**
 * Child processes that tempest starts (servers, services, workers): started with a readiness check, their
 * recent output kept for error messages, stopped gracefully with a deadline, and never left behind when
 * this process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { HarnessError } from '../errors.ts';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartProcessOptions<T> {
  /** Short name for messages, e.g. "dev server". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Resolves with the process's readiness value (e.g. the URL it printed) or rejects when it cannot start.
   * Receives each stdout line as it arrives; return a value to signal readiness.
   */
  readyWhen: (probe: ReadinessProbe) => Promise<T>;
  readyTimeoutMs?: number;
  /** Append the process's stdout and stderr to this file. */
  logFile?: string;
  /** Called as soon as the process exists (before it is ready), e.g. to record its pid for a later cleanup. */
  onSpawn?: (spawned: SpawnedProcess) => void;
  /** What asks it to stop (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Keep a pipe to its stdin (ManagedProcess.send); by default it reads nothing. */
  stdin?: 'pipe';
}

/** A process that was just spawned: its pid and the exact command line it runs. */
export interface SpawnedProcess {
  pid: number;
  command: string;
  args: readonly string[];
}

export interface ReadinessProbe {
  /** Resolves with the first line of output (stdout or stderr) for which `match` returns a value. */
  line<T>(match: (line: string) => T | undefined): Promise<T>;
  /** Rejects when the process exits; use in a race to stop polling. */
  exited: Promise<never>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever is still running when Node exits is killed, so no server outlives its harness.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A started child process. */
export class ManagedProcess {
  readonly exited: Promise<ExitStatus>;
  /** Settles once its output pipes are closed too (after `exited`): nothing more can reach the log. */
  private readonly outputClosed: Promise<void>;
  private readonly recent: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly log: WriteStream | undefined,
    private readonly stopSignal: NodeJS.Signals = 'SIGTERM',
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      });
    });
    this.outputClosed = new Promise((resolve) => child.once('close', () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** @internal collects output for error messages, and hands it to the line listeners */
  remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 20) this.recent.shift();
    if (this.log && !this.log.writableEnded) this.log.write(`${line}\n`);
    for (const listener of this.lineListeners) listener(line);
  }

  /** Call `listener` with each line it prints (stdout or stderr) from now on; returns what unsubscribes it. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => void this.lineListeners.delete(listener);
  }

  /** Write a line to its stdin (started with `stdin: 'pipe'`). */
  send(line: string): void {
    if (!this.child.stdin) throw new Error(`${this.name} was started without a pipe to its stdin`);
    this.child.stdin.write(`${line}\n`);
  }

  /** The last lines the process printed, for error messages. */
  recentOutput(): string {
    return this.recent.join('\n');
  }

  /** Send a signal (SIGKILL for a crash, SIGSTOP/SIGCONT for a pause). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (this.running) {
      this.child.kill('SIGCONT'); // a paused process cannot handle SIGTERM
      this.child.kill(this.stopSignal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const status = await this.exited;
      clearTimeout(timer);
      await this.closeLog();
      return status;
    }
    await this.closeLog();
    return this.exited;
  }

  /** End the log once the last of the output has reached it (a grandchild holding the pipes open is not waited for long). */
  private async closeLog(): Promise<void> {
    await Promise.race([this.outputClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.log?.end();
  }
}

/** Start a process and wait until `readyWhen` says it is ready; on failure the process is killed. */
export async function startProcess<T>(options: StartProcessOptions<T>): Promise<{ process: ManagedProcess; ready: T }> {
  installExitHook();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  // A child that exits while a line is on its way to it must not crash this process.
  child.stdin?.on('error', () => undefined);
  live.add(child);
  if (child.pid !== undefined) options.onSpawn?.({ pid: child.pid, command: options.command, args: options.args });
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const managed = new ManagedProcess(options.name, child, log, options.stopSignal);

  const stdout = new EventEmitter();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    managed.remember(line);
    stdout.emit('line', line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    managed.remember(line);
    stdout.emit('line', line);
  });

  const outputClosed = new Promise((resolve) => child.once('close', resolve));
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new HarnessError(`cannot start ${options.name} (${options.command}): ${error.message}`)));
  });
  const exited: Promise<never> = Promise.race([
    spawnFailed,
    managed.exited.then(async (status) => {
      // Its last words may still be in the pipes when it exits: wait for them (briefly) before quoting them.
      await Promise.race([outputClosed, new Promise((resolve) => setTimeout(resolve, 500))]);
      throw new HarnessError(
        `${options.name} exited before it was ready (${status.signal ?? `code ${status.code}`})${lastWords(managed.recentOutput().split('\n'))}`,
      );
    }),
  ]);
  try {
    const ready = await awaitReadiness({
      lines: stdout,
      exited,
      readyWhen: options.readyWhen,
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      timeoutError: (ms) =>
        new HarnessError(`${options.name} was not ready within ${ms} ms${lastWords(managed.recentOutput().split('\n'))}`),
    });
    return { process: managed, ready };
  } catch (error) {
    await managed.stop(1000);
    throw error;
  }
}

/** Set once this process is being interrupted; the readiness waits in progress, told through the listeners. */
let interruption: Error | undefined;
const interruptionListeners = new Set<(reason: Error) => void>();

/**
 * This process is being interrupted (Ctrl-C): every wait for a part to become ready, in progress or to come, fails
 * at once with `reason`, so whoever started the part stops it (and what else it started) and the command exits
 * within seconds instead of after a whole cluster has come up. Signals are the process's, so this is too.
 */
export function interruptStarts(reason: Error): void {
  interruption ??= reason;
  for (const listener of interruptionListeners) listener(reason);
  interruptionListeners.clear();
}

/**
 * Wait until `readyWhen` says a starting part (a process, a container) is ready. It gets a probe over the part's
 * output `lines` (an emitter of 'line' events); `exited` rejects when the part dies first, and `timeoutError`
 * makes the error after `timeoutMs`. The caller kills the part when this throws.
 */
export async function awaitReadiness<T>(options: {
  lines: EventEmitter;
  exited: Promise<never>;
  readyWhen: (probe: ReadinessProbe) => Promise<T>;
  timeoutMs: number;
  timeoutError: (timeoutMs: number) => Error;
}): Promise<T> {
  const { lines, exited } = options;
  exited.catch(() => undefined);
  const probe: ReadinessProbe = {
    exited,
    line: (match) =>
      new Promise((resolve) => {
        const waiter = (line: string): void => {
          const value = match(line);
          if (value === undefined) return;
          lines.off('line', waiter);
          resolve(value);
        };
        lines.on('line', waiter);
      }),
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.timeoutError(options.timeoutMs)), options.timeoutMs);
  });
  let onInterrupt: ((reason: Error) => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    if (interruption) reject(interruption);
    else interruptionListeners.add((onInterrupt = reject));
  });
  try {
    return await Promise.race([options.readyWhen(probe), exited, timedOut, interrupted]);
  } finally {
    clearTimeout(timer);
    if (onInterrupt) interruptionListeners.delete(onInterrupt);
  }
}

/** The last lines a part printed, on one line (errors are one line): `; its last output: a | b | c`. */
export function lastWords(recent: readonly string[], lines = 3): string {
  const output = recent
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-lines);
  return output.length > 0 ? `; its last output: ${output.join(' | ')}` : '; it printed nothing';
}

/** The kernel's range for the local ends of outgoing connections (Linux: /proc/sys/net/ipv4/ip_local_port_range). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: use the IANA dynamic range
  }
  return [49152, 65535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that is free on 127.0.0.1, for a server that binds it a moment later. It is chosen below the
 * ephemeral range: a port the kernel hands out for listening (port 0) comes from the range that outgoing
 * connections also draw their local ports from, and one of those can take it before the server binds.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const high = Math.min(ephemeralLow, 65535) - 1;
  const low = Math.max(10_000, high - 20_000);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port found between ${low} and ${high} on 127.0.0.1`);
}

/**
 * Poll `check` every `intervalMs` until it resolves true, or throw after `timeoutMs`.
 * Gives up early once `abandon` settles (e.g. the process being polled has exited).
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  options: { intervalMs?: number; abandon?: Promise<unknown> } = {},
): Promise<void> {
  const { intervalMs = 100, abandon } = options;
  let abandoned = false;
  abandon?.then(
    () => (abandoned = true),
    () => (abandoned = true),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (abandoned) throw new Error(`gave up waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Stop several resources; every one is attempted and the first error is rethrown afterwards. */
export async function stopAll(stoppers: (() => Promise<unknown>)[]): Promise<void> {
  const results = await Promise.allSettled(stoppers.map((stop) => stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
