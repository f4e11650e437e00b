/**
 * Replay lanes: where histories are replayed. One lane runs in this process (lane-loop.ts), so a small run pays
 * no process start; for a larger run, child processes (replay-lane.ts), each with the bundle loaded, join in as
 * they become ready, up to one lane per core. Outcomes are yielded in input order, whichever lane replayed them.
 *
 * Histories go to whichever lane has room (a few in flight per lane), so a slow one does not hold up the rest.
 * A lane that has work and makes no progress for `stallTimeoutMs` is given up: the history it was replaying gets
 * an "unusable" outcome naming the stall, the others it held go back to the queue, and a child lane takes over.
 * A child lane is killed; the lane in this process cannot be (Core does not return from a panic), so the pool
 * reports it `stuck` and the command ends the process itself. Child lanes are kept between runs of the same
 * pool and stop after a while idle; none keeps this process alive.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import proto from '@temporalio/proto';
import { TSX_LOADER } from '../../base/harness/parts.ts';
import { ownModule } from '../../base/package-root.ts';
import type { LoadedHistory } from '../../base/history/history-file.ts';
import { type FromLane, Inbox, type LaneInit, replayLoop } from './lane-loop.ts';
import { oneLine, type ReplayOutcome, unusableOutcome } from './outcome.ts';
import { HarnessError } from '../../base/errors.ts';

const LANE_ENTRY = ownModule(import.meta.url, './replay-lane');
/** The TypeScript loader, so a child lane loads tempest's sources and the user's TypeScript data converter. */
const History = proto.temporal.api.history.v1.History;
/** Histories sent ahead to a lane, so it never waits for the next one. */
const IN_FLIGHT = 4;
/** Child lanes left idle this long are stopped (new ones start when work comes). */
const IDLE_MS = 15_000;
/** Last lines of a child lane's stderr kept for messages. */
const KEPT_LINES = 20;

export interface LaneOptions {
  bundlePath: string;
  strict: boolean;
  dataConverterPath?: string;
  /** Give up on a lane that has work and makes no progress for this long. */
  stallTimeoutMs: number;
}

type OnMessage = (lane: Lane, message: FromLane) => void;

interface Lane {
  /** Indexes of the histories sent to it and not yet answered, oldest (the one replaying) first. */
  readonly inFlight: number[];
  lastProgress: number;
  readonly ready: Promise<void>;
  /** Ready for work: it has the bundle and its replay worker. */
  started: boolean;
  readonly usable: boolean;
  send(index: number, history: LoadedHistory): void;
  /** Take no more work from it, and stop it where that is possible. */
  giveUp(): void;
  /** What it last said that explains a failure, as `; its last output: ...`, or ''. */
  lastOutput(): string;
}

/** The lane in this process, for one run: it loads no SDK and starts no process, only a replay worker. */
class LocalLane implements Lane {
  readonly inFlight: number[] = [];
  lastProgress = Date.now();
  started = false;
  readonly ready: Promise<void>;
  private readonly inbox = new Inbox();
  private givenUp = false;
  /** Settles when its replay worker has shut down. */
  private done: Promise<void> = Promise.resolve();

  constructor(init: Promise<LaneInit>, onMessage: OnMessage) {
    this.ready = new Promise((resolve, reject) => {
      const receive = (message: FromLane): void => {
        if (this.givenUp) return;
        this.lastProgress = Date.now();
        if (message.type === 'ready') {
          this.started = true;
          resolve();
        }
        if (message.type === 'failed') reject(new HarnessError(message.message));
        onMessage(this, message);
      };
      this.done = init
        .then((message) => replayLoop(message, this.inbox, receive))
        .catch((error: unknown) =>
          receive({ type: 'failed', message: (error instanceof Error ? error.message : String(error)).split('\n')[0]! }),
        );
    });
    this.ready.catch(() => undefined);
  }

  get usable(): boolean {
    return !this.givenUp;
  }

  send(index: number, history: LoadedHistory): void {
    this.inbox.push(index, history);
  }

  /** Ends its replay worker once the histories it holds are done; resolves when it has shut down. */
  finish(): Promise<void> {
    this.inbox.end();
    return this.done;
  }

  giveUp(): void {
    this.givenUp = true;
  }

  lastOutput(): string {
    return '';
  }
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A lane in a child process of its own, which can be killed. */
class ChildLane implements Lane {
  readonly inFlight: number[] = [];
  lastProgress = Date.now();
  started = false;
  readonly ready: Promise<void>;
  exited = false;
  private killed = false;
  private readonly stderr: string[] = [];
  private panic: string | undefined;
  private readonly child: ChildProcess;

  constructor(init: Promise<LaneInit>, onMessage: OnMessage, onExit: (lane: ChildLane) => void) {
    this.child = fork(LANE_ENTRY, [], {
      execArgv: ['--import', TSX_LOADER],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    children.add(this.child);
    let afterPanic = false;
    createInterface({ input: this.child.stderr! }).on('line', (raw) => {
      const line = raw.replace(/\u001b\[[0-9;]*m/g, '').trim();
      if (!line) return;
      // Core's panic message is the line after "thread ... panicked at", before a long backtrace.
      if (afterPanic) this.panic ??= line;
      afterPanic = / panicked at /.test(line);
      this.stderr.push(line);
      this.stderr.splice(0, Math.max(0, this.stderr.length - KEPT_LINES));
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: FromLane) => {
        if (this.killed) return;
        this.lastProgress = Date.now();
        if (message.type === 'ready') {
          this.started = true;
          resolve();
        }
        if (message.type === 'failed') reject(new HarnessError(message.message));
        onMessage(this, message);
      });
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        children.delete(this.child);
        reject(new HarnessError(`the replay process exited before it was ready (${signal ?? `exit code ${code}`})${this.lastOutput()}`));
        onExit(this);
      });
    });
    this.ready.catch(() => undefined);
    // The lane loads the SDK while the bundle is still being found or built; it replays once it has it.
    init.then(
      (message) => void (!this.exited && this.child.send(message)),
      () => this.giveUp(),
    );
  }

  get usable(): boolean {
    return !this.exited && !this.killed;
  }

  send(index: number, history: LoadedHistory): void {
    const { history: message, ...meta } = history;
    this.child.send({ type: 'history', index, meta, bytes: History.encode(message).finish() });
  }

  /** Keep this process alive only while the lane has work. */
  hold(busy: boolean): void {
    for (const handle of [this.child, this.child.channel, this.child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[]) {
      if (busy) handle?.ref();
      else handle?.unref();
    }
  }

  giveUp(): void {
    this.killed = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  lastOutput(): string {
    const line = this.panic ?? this.stderr.findLast((l) => /ERROR|Error/.test(l)) ?? this.stderr.at(-1);
    return line ? `; its last output: ${oneLine(line)}` : '';
  }
}

/** Lanes for one bundle and one set of options, which may still be in the making (the bundle being built). */
export class LanePool {
  private readonly children: ChildLane[] = [];
  private run: RunState | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly init: Promise<LaneInit>;
  /** A lane in this process stopped answering: its replay worker never ends, so neither does this process by itself. */
  stuck = false;

  constructor(private readonly options: Promise<LaneOptions>) {
    this.init = options.then(({ bundlePath, strict, dataConverterPath }): LaneInit => ({
      type: 'init',
      bundlePath,
      strict,
      dataConverterPath,
    }));
    this.init.catch(() => undefined);
  }

  private startChild(): ChildLane {
    const lane = new ChildLane(
      this.init,
      (from, message) => this.run?.onMessage(from, message),
      (from) => {
        const at = this.children.indexOf(from);
        if (at >= 0) this.children.splice(at, 1);
        this.run?.onExit(from);
      },
    );
    this.children.push(lane);
    return lane;
  }

  /** Replay every history on up to `lanes` lanes (this process's first); outcomes come in input order. */
  async *replay(histories: readonly LoadedHistory[], lanes: number): AsyncGenerator<ReplayOutcome> {
    if (histories.length === 0) return;
    if (this.run) throw new HarnessError('a replay is already running on these lanes');
    clearTimeout(this.idle);
    const { stallTimeoutMs } = await this.options;
    const local = this.stuck ? undefined : new LocalLane(this.init, (from, message) => this.run?.onMessage(from, message));
    while (this.children.filter((lane) => lane.usable).length < lanes - (local ? 1 : 0)) this.startChild();
    // This process's lane first; children make up the rest, or all of them once this one is given up.
    const working = (): Lane[] => {
      const own = local?.usable ? [local] : [];
      return [...own, ...this.children.filter((lane) => lane.usable).slice(0, lanes - own.length)];
    };
    const run = new RunState(histories, stallTimeoutMs, working, () => {
      const lane = this.startChild();
      lane.hold(true);
      return lane;
    });
    this.run = run;
    try {
      for (const lane of this.children) lane.hold(true);
      // Each lane takes work as soon as it is ready; the run fails only if none can start.
      for (const lane of working())
        lane.ready.then(
          () => run.dispatch(),
          () => undefined,
        );
      run.dispatch();
      await Promise.any(working().map((lane) => lane.ready)).catch((error: AggregateError) => {
        throw error.errors[0] as Error;
      });
      yield* run.outcomes();
    } finally {
      run.stop();
      this.run = undefined;
      if (local && !local.usable) this.stuck = true;
      // The next run's replay worker must not start while this one shuts down (they share the SDK's runtime); a
      // stuck one never shuts down.
      else await local?.finish();
      for (const lane of this.children) lane.hold(false);
      this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
    }
  }

  close(): void {
    clearTimeout(this.idle);
    for (const lane of this.children.splice(0)) lane.giveUp();
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
  /** Lanes started to replace stalled or dead ones: a bound, so a broken setup cannot loop. */
  private replacements = 0;

  constructor(
    private readonly histories: readonly LoadedHistory[],
    private readonly stallTimeoutMs: number,
    private readonly lanes: () => Lane[],
    private readonly startLane: () => Lane,
  ) {
    this.queue = histories.map((_, i) => i);
    this.results = new Array<ReplayOutcome | undefined>(histories.length);
    this.watchdog = setInterval(() => this.checkStalls(), Math.min(1000, Math.max(100, stallTimeoutMs / 4)));
  }

  /** Fill every ready lane's window from the queue. */
  dispatch(): void {
    for (const lane of this.lanes()) {
      while (lane.started && lane.inFlight.length < IN_FLIGHT && this.queue.length > 0) {
        const index = this.queue.shift()!;
        if (lane.inFlight.length === 0) lane.lastProgress = Date.now();
        lane.inFlight.push(index);
        lane.send(index, this.histories[index]!);
      }
    }
    if (this.queue.length > 0 && this.lanes().length === 0) this.replace(undefined);
  }

  onMessage(lane: Lane, message: FromLane): void {
    // A lane that cannot replay at all (its bundle or data converter does not load) fails the whole run.
    if (message.type === 'failed') this.fail(new HarnessError(message.message));
    if (message.type !== 'outcome') return;
    const at = lane.inFlight.indexOf(message.index);
    if (at >= 0) lane.inFlight.splice(at, 1);
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
        lane.giveUp();
        this.abandon(
          lane,
          `its replay made no progress for ${seconds} s and was cut off (the SDK's replayer stopped answering${lane.lastOutput()})`,
        );
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

  /** A child lane to take over the queue from one that was given up. */
  private replace(lane: Lane | undefined): void {
    if (this.queue.length === 0) return;
    if (++this.replacements > this.histories.length + 2) {
      this.fail(new HarnessError(`replay lanes keep failing to start${lane?.lastOutput() ?? ''}`));
      return;
    }
    this.startLane().ready.then(
      () => this.dispatch(),
      (error: Error) => this.fail(error),
    );
  }

  private settle(index: number, outcome: ReplayOutcome): void {
    if (index < this.next || this.results[index]) return;
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
