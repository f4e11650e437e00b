/**
 * One replay lane: a child process (started by lanes.ts, never by hand) that replays the histories its parent
 * sends, one after another, with the SDK's own replay worker, and sends back each one's outcome.
 *
 * It runs apart so the parent can use every core and can cut off a replay that stops making progress: when the
 * SDK's Core panics on a history it never answers, and only ending the process ends that.
 *
 * Messages (over the IPC channel, structured clone): in `LaneInit`, then `LaneHistory` per history; out
 * `LaneReady`, `LaneProgress` (at most twice a second while activations complete), `LaneOutcome` per history
 * in the order received, or `LaneFailed` when it cannot start. It exits when its parent goes away.
 */
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { CapturedActivation } from './capture-interceptor.ts';
import type { CodeRun } from './compare.ts';
import { type LoadedReplayConverter, loadReplayConverter, payloadValues } from './data-converter.ts';
import type { LoadedHistory } from './history-file.ts';
import { explainReplay, type ReplayOutcome } from './outcome.ts';

export interface LaneInit {
  type: 'init';
  bundlePath: string;
  strict: boolean;
  dataConverterPath?: string;
}

export interface LaneHistory {
  type: 'history';
  index: number;
  meta: Omit<LoadedHistory, 'history'>;
  /** The History message, protobuf-encoded. */
  bytes: Uint8Array;
}

export type ToLane = LaneInit | LaneHistory;
export type FromLane =
  | { type: 'ready' }
  | { type: 'progress' }
  | { type: 'outcome'; index: number; outcome: ReplayOutcome }
  | { type: 'failed'; message: string };

const History = proto.temporal.api.history.v1.History;
const PROGRESS_EVERY_MS = 500;

function send(message: FromLane): void {
  process.send?.(message);
}

interface Received {
  index: number;
  loaded: LoadedHistory;
}

/** Histories as they arrive from the parent, for the SDK's replay iterator; `replaying` holds them in order. */
class Inbox implements AsyncIterable<{ workflowId: string; history: LoadedHistory['history'] }> {
  private readonly waiting: Received[] = [];
  readonly replaying: Received[] = [];
  private wake: (() => void) | undefined;

  push(message: LaneHistory): void {
    this.waiting.push({ index: message.index, loaded: { ...message.meta, history: History.decode(message.bytes) } });
    this.wake?.();
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const next = this.waiting.shift();
      if (next) {
        this.replaying.push(next);
        yield { workflowId: next.loaded.workflowId, history: next.loaded.history };
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

async function run(init: LaneInit, inbox: Inbox): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, console: {} } },
  });
  let converter: LoadedReplayConverter | undefined;
  if (init.dataConverterPath) converter = await loadReplayConverter(init.dataConverterPath);
  let current: CodeRun = { activations: [] };
  let lastProgress = 0;
  const sinks = {
    tempestCapture: {
      activation: {
        fn: (info: WorkflowInfo, activation: CapturedActivation) => {
          current.taskQueue = info.taskQueue;
          current.activations.push(activation);
          const now = Date.now();
          if (now - lastProgress >= PROGRESS_EVERY_MS) {
            lastProgress = now;
            send({ type: 'progress' });
          }
        },
        callDuringReplay: true,
      },
    },
  };
  const results = Worker.runReplayHistories(
    {
      workflowBundle: { codePath: init.bundlePath },
      sinks,
      replayName: 'tempest-replay',
      dataConverter: converter?.dataConverter,
    },
    inbox,
  );
  send({ type: 'ready' });
  for await (const result of results) {
    const { index, loaded } = inbox.replaying.shift()!;
    const run = current;
    current = { activations: [] };
    const values = await payloadValues(loaded.history, converter);
    send({ type: 'outcome', index, outcome: explainReplay(loaded, run, result.error, { strict: init.strict, values }) });
  }
}

const inbox = new Inbox();
process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToLane) => {
  if (message.type === 'init') {
    run(message, inbox).catch((error: unknown) => {
      send({ type: 'failed', message: (error instanceof Error ? error.message : String(error)).split('\n')[0]! });
      process.exit(1);
    });
  } else {
    inbox.push(message);
  }
});
