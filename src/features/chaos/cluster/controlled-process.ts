/**
 * A cluster part under the chaos engine's control: kill -9, restart with the same state and ports, SIGSTOP/SIGCONT.
 * The part is a local child process (harness/process.ts's ManagedProcess) or a container (container-part.ts, where
 * the signals are docker kill, pause and unpause). How it starts is the part's own business (the `launch`
 * function), which is what makes a restart identical to the first start.
 */
import type { ClusterProcess, ProcessName } from './types.ts';
import { HarnessError } from '../../../base/errors.ts';

/** A started part: what ControlledProcess needs of it. ManagedProcess (a child process) is one. */
export interface PartHandle {
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Settles once the part has exited. */
  readonly exited: Promise<unknown>;
  /** SIGKILL, SIGSTOP or SIGCONT (a container turns them into docker kill, pause, unpause). */
  signal(signal: NodeJS.Signals): void | Promise<void>;
  /** Graceful stop with a deadline; resolves once it is gone. */
  stop(): Promise<unknown>;
}

/** What a launch returns: the started part (startDevServer, startService, startWorkerProcess all fit). */
export interface LaunchedPart {
  process: PartHandle;
}

export class ControlledProcess implements ClusterProcess {
  private current: PartHandle | undefined;
  private stopped = false;
  private isPaused = false;
  /**
   * Every start, kill, stop, pause and resume waits for the one before it. Faults can overlap on one process (a
   * kill lands while the restart after the previous kill is still starting it): unserialised, the kill found nothing
   * running and the two starts left a process no one tracked, which outlived the cluster.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  constructor(
    readonly name: ProcessName,
    /** Start the part; every call must reuse the same ports and state (the caller's closure keeps them). */
    private readonly launch: () => Promise<LaunchedPart>,
  ) {}

  get running(): boolean {
    return this.current?.running ?? false;
  }

  get paused(): boolean {
    return this.isPaused && this.running;
  }

  get pid(): number | undefined {
    return this.running ? this.current?.pid : undefined;
  }

  /** The first start, and every start after a kill or stop. */
  start(): Promise<void> {
    return this.serial(() => this.startNow());
  }

  private async startNow(): Promise<void> {
    if (this.running) throw new HarnessError(`${this.name}: is already running`);
    this.stopped = false;
    this.isPaused = false;
    try {
      this.current = (await this.launch()).process;
    } catch (error) {
      throw new HarnessError(`${this.name}: did not start: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }

  kill(): Promise<void> {
    return this.serial(() => this.killNow());
  }

  private async killNow(): Promise<void> {
    const current = this.current;
    if (!current?.running) return;
    await current.signal('SIGKILL');
    await current.exited;
    await current.stop(); // gone already: this only closes its log
    this.isPaused = false;
  }

  /** Start it again with the same state and ports; a running process is stopped gracefully first. */
  restart(): Promise<void> {
    return this.serial(async () => {
      if (this.running) await this.stopNow();
      await this.startNow();
    });
  }

  pause(): Promise<void> {
    return this.serial(async () => {
      if (!this.running) throw new HarnessError(`${this.name}: cannot be paused: it is not running`);
      await this.current?.signal('SIGSTOP');
      this.isPaused = true;
    });
  }

  resume(): Promise<void> {
    return this.serial(() => this.resumeNow());
  }

  private async resumeNow(): Promise<void> {
    if (!this.paused) return;
    await this.current?.signal('SIGCONT');
    this.isPaused = false;
  }

  /** SIGTERM (after SIGCONT, should it be paused), then SIGKILL after a grace period. */
  stop(): Promise<void> {
    return this.serial(() => this.stopNow());
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    this.isPaused = false;
    await this.current?.stop();
  }

  /** Killed or crashed, as opposed to stopped on purpose: healAll restarts these. */
  get needsRestart(): boolean {
    return !this.stopped && this.current !== undefined && !this.running;
  }
}
