/**
 * Replay lanes: child processes (replay-lane.ts), each with the bundle loaded, sharing out the histories of a
 * run and handing back outcomes that this module yields in input order.
 *
 * Histories go to whichever lane has room (a few in flight per lane), so a slow one does not hold up the rest.
 * A lane that makes no progress for `stallTimeoutMs` while it has work is killed: the history it was replaying
 * gets an "unusable" outcome naming the stall, the others it held go back to the queue and a new lane takes
 * over. A lane that dies is handled the same way. Lanes are kept between runs of the same Replayer, and do not
 * keep this process alive while idle.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import proto from '@temporalio/proto';
import { ownModule } from '../package-root.ts';
import type { LoadedHistory } from './history-file.ts';
import { oneLine, type ReplayOutcome, unusableOutcome } from './outcome.ts';
import type { FromLane, LaneHistory, LaneInit } from './replay-lane.ts';

const LANE_ENTRY = ownModule(import.meta.url, './replay-lane');
/** The TypeScript loader, so a lane loads tempest's sources and the user's TypeScript data converter. */
const TSX_LOADER = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
const History = proto.temporal.api.history.v1.History;
/** Histories sent ahead to a lane, so it never waits for the next one. */
const IN_FLIGHT = 4;
/** Lanes left idle this long are stopped (new ones start when work comes), so a Replayer never closed costs nothing. */
const IDLE_MS = 15_000;
/** Last lines of a lane's stderr kept for messages (Core prints its panics there). */
const KEPT_LINES = 20;

export class LaneError extends Error {
  override name = 'LaneError';
}

export interface LaneOptions {
  bundlePath: string;
  strict: boolean;
  dataConverterPath?: string;
  /** Cut off a lane that has work and makes no progress for this long. */
  stallTimeoutMs: number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

class Lane {
  readonly inFlight: number[] = [];
  lastProgress = Date.now();
  readonly ready: Promise<void>;
  private readonly stderr: string[] = [];
  private panic: string | undefined;
  exited = false;
  /** Killed by this side: no more work goes to it. */
  killed = false;

  constructor(
    readonly child: ChildProcess,
    init: Promise<LaneInit>,
    onMessage: (lane: Lane, message: FromLane) => void,
    onExit: (lane: Lane) => void,
  ) {
    live.add(child);
    if (child.stderr) {
      let afterPanic = false;
      createInterface({ input: child.stderr }).on('line', (raw) => {
        const line = raw.replace(/\u001b\[[0-9;]*m/g, '').trim();
        if (!line) return;
        // Core's panic message is the line after "thread ... panicked at", before a long backtrace.
        if (afterPanic) this.panic ??= line;
        afterPanic = / panicked at /.test(line);
        this.stderr.push(line);
        this.stderr.splice(0, Math.max(0, this.stderr.length - KEPT_LINES));
      });
    }
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: FromLane) => {
        this.lastProgress = Date.now();
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new LaneError(message.message));
        onMessage(this, message);
      });
      child.once('exit', (code, signal) => {
        this.exited = true;
        live.delete(child);
        reject(new LaneError(`the replay process exited before it was ready (${signal ?? `exit code ${code}`})${this.lastOutput()}`));
        onExit(this);
      });
    });
    this.ready.catch(() => undefined);
    // The lane loads the SDK while the bundle is still being built; it starts replaying once it has the bundle.
    init.then(
      (message) => !this.exited && child.send(message),
      () => this.kill(),
    );
  }

  /** What the lane said that explains a failure: Core's panic message, else its last error line. */
  lastOutput(): string {
    const line = this.panic ?? this.stderr.findLast((l) => /ERROR|Error/.test(l)) ?? this.stderr.at(-1);
    return line ? `; its last output: ${oneLine(line)}` : '';
  }

  send(message: LaneHistory): void {
    this.child.send(message);
  }

  get usable(): boolean {
    return !this.exited && !this.killed;
  }

  /** Keep this process alive only while the lane has work. */
  hold(busy: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[];
    for (const handle of handles) {
      if (busy) handle?.ref();
      else handle?.unref();
    }
  }

  kill(): void {
    this.killed = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/**
 * A pool of replay lanes for one bundle and one set of options. The options may still be in the making (the
 * bundle being built): the first lane starts at once and loads the SDK meanwhile.
 */
export class LanePool {
  private readonly lanes: Lane[] = [];
  private run: RunState | undefined;

  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly options: Promise<LaneOptions>) {
    options.catch(() => undefined);
    this.startLane().hold(false);
    this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
  }

  private startLane(): Lane {
    const child = fork(LANE_ENTRY, [], {
      execArgv: ['--import', TSX_LOADER],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const init = this.options.then(({ bundlePath, strict, dataConverterPath }): LaneInit => ({ type: 'init', bundlePath, strict, dataConverterPath }));
    const lane = new Lane(
      child,
      init,
      (from, message) => this.run?.onMessage(from, message),
      (from) => {
        const at = this.lanes.indexOf(from);
        if (at >= 0) this.lanes.splice(at, 1);
        this.run?.onExit(from);
      },
    );
    this.lanes.push(lane);
    return lane;
  }

  /** Replay every history on up to `parallelism` lanes; outcomes come in input order. */
  async *replay(histories: readonly LoadedHistory[], parallelism: number): AsyncGenerator<ReplayOutcome> {
    if (histories.length === 0) return;
    if (this.run) throw new LaneError('a replay is already running on these lanes');
    clearTimeout(this.idle);
    const { stallTimeoutMs } = await this.options;
    const run = new RunState(histories, stallTimeoutMs, () => this.startLane(), () => this.lanes.filter((lane) => lane.usable).slice(0, parallelism));
    this.run = run;
    try {
      while (this.lanes.filter((lane) => lane.usable).length < parallelism) this.startLane();
      for (const lane of this.lanes) lane.hold(true);
      await Promise.any(this.lanes.map((lane) => lane.ready)).catch((error: AggregateError) => {
        throw error.errors[0] as Error;
      });
      run.dispatch();
      yield* run.outcomes();
    } finally {
      run.stop();
      this.run = undefined;
      for (const lane of this.lanes) lane.hold(false);
      this.stopWhenIdle();
    }
  }

  close(): void {
    clearTimeout(this.idle);
    for (const lane of this.lanes.splice(0)) lane.kill();
  }
}

/** One replay of many histories across the pool's lanes. */
class RunState {
  private readonly queue: number[];
  private readonly results: (ReplayOutcome | undefined)[];
  private next = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly watchdog: NodeJS.Timeout;
  /** Lanes started to replace stalled or dead ones in this run: a bound, so a broken setup cannot loop. */
  private replacements = 0;

  constructor(
    private readonly histories: readonly LoadedHistory[],
    private readonly stallTimeoutMs: number,
    private readonly startLane: () => Lane,
    private readonly lanes: () => Lane[],
  ) {
    this.queue = histories.map((_, i) => i);
    this.results = new Array<ReplayOutcome | undefined>(histories.length);
    this.watchdog = setInterval(() => this.checkStalls(), Math.min(1000, Math.max(100, stallTimeoutMs / 4)));
  }

  dispatch(): void {
    for (const lane of this.lanes()) {
      while (lane.inFlight.length < IN_FLIGHT && this.queue.length > 0) {
        const index = this.queue.shift()!;
        const { history, ...meta } = this.histories[index]!;
        if (lane.inFlight.length === 0) lane.lastProgress = Date.now();
        lane.inFlight.push(index);
        lane.send({ type: 'history', index, meta, bytes: History.encode(history).finish() });
      }
    }
    if (this.queue.length > 0 && this.lanes().length === 0) this.replace(undefined);
  }

  onMessage(lane: Lane, message: FromLane): void {
    // A lane that cannot replay at all (its bundle or data converter does not load) fails the whole run.
    if (message.type === 'failed') this.fail(new LaneError(message.message));
    if (message.type !== 'outcome') return;
    lane.inFlight.splice(lane.inFlight.indexOf(message.index), 1);
    this.settle(message.index, message.outcome);
    this.dispatch();
  }

  onExit(lane: Lane): void {
    this.abandon(lane, `the replay process ended unexpectedly while replaying it${lane.lastOutput()}`);
  }

  private checkStalls(): void {
    const now = Date.now();
    for (const lane of this.lanes()) {
      if (lane.inFlight.length > 0 && now - lane.lastProgress > this.stallTimeoutMs) {
        const seconds = Math.round(this.stallTimeoutMs / 100) / 10;
        lane.kill();
        this.abandon(lane, `its replay made no progress for ${seconds} s and was cut off (the SDK's replayer stopped answering${lane.lastOutput()})`);
      }
    }
  }

  /** The history a lane was replaying cannot be judged; the rest it held go back to the queue. */
  private abandon(lane: Lane, why: string): void {
    const [current, ...rest] = lane.inFlight.splice(0);
    if (current === undefined) return;
    const { history: _, ...meta } = this.histories[current]!;
    this.settle(current, unusableOutcome(meta, why));
    this.queue.unshift(...rest);
    this.replace(lane);
  }

  private replace(lane: Lane | undefined): void {
    if (this.queue.length === 0) return;
    if (++this.replacements > this.histories.length + 2) {
      this.fail(new LaneError(`replay lanes keep failing to start${lane?.lastOutput() ?? ''}`));
      return;
    }
    const fresh = this.startLane();
    fresh.hold(true);
    fresh.ready.then(
      () => this.dispatch(),
      (error: Error) => this.fail(error),
    );
  }

  private settle(index: number, outcome: ReplayOutcome): void {
    if (this.results[index]) return;
    this.results[index] = outcome;
    this.wake?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  async *outcomes(): AsyncGenerator<ReplayOutcome> {
    while (this.next < this.histories.length) {
      const ready = this.results[this.next];
      if (ready) {
        this.results[this.next++] = undefined;
        yield ready;
        continue;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  stop(): void {
    clearInterval(this.watchdog);
  }
}
