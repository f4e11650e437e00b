/**
 * What a replay lane does, wherever it runs (in this process, or a child process started by lanes.ts): replay
 * the histories it is handed, one after another, with the SDK's own replay worker, and hand back each one's
 * outcome in the order received, with progress signals while activations complete.
 */
import proto from '@temporalio/proto';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { CapturedActivation } from './capture-interceptor.ts';
import type { CodeRun } from './compare.ts';
import { type LoadedReplayConverter, loadReplayConverter, payloadValues } from './data-converter.ts';
import type { LoadedHistory } from '../../base/history/history-file.ts';
import { explainReplay, type ReplayOutcome } from './outcome.ts';

export interface LaneInit {
  type: 'init';
  bundlePath: string;
  strict: boolean;
  dataConverterPath?: string;
}

/** A history sent to a child lane: its description, and the History message protobuf-encoded. */
export interface LaneHistory {
  type: 'history';
  index: number;
  meta: Omit<LoadedHistory, 'history'>;
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
/** Workflow code that runs longer than this in one activation (an endless loop) fails its replay instead of hanging it. */
const ISOLATE_EXECUTION_TIMEOUT = '10s';

interface Received {
  index: number;
  loaded: LoadedHistory;
}

/** Histories as they arrive, for the SDK's replay iterator; `replaying` holds them, in order, until their outcome. */
export class Inbox implements AsyncIterable<{ workflowId: string; history: LoadedHistory['history'] }> {
  private readonly waiting: Received[] = [];
  readonly replaying: Received[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(index: number, loaded: LoadedHistory): void {
    this.waiting.push({ index, loaded });
    this.wake?.();
  }

  /** No more histories: the replay worker shuts down once it has replayed those it has. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** A history as a child lane receives it. */
  pushEncoded(message: LaneHistory): void {
    this.push(message.index, { ...message.meta, history: History.decode(message.bytes) });
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const next = this.waiting.shift();
      if (next) {
        this.replaying.push(next);
        yield { workflowId: next.loaded.workflowId, history: next.loaded.history };
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** Replay whatever arrives in `inbox` until the process ends; `send` receives ready, progress and outcomes. */
export async function replayLoop(init: LaneInit, inbox: Inbox, send: (message: FromLane) => void): Promise<void> {
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
  const options: ReplayWorkerOptions = {
    workflowBundle: { codePath: init.bundlePath },
    sinks,
    replayName: 'tempest-replay',
    dataConverter: converter?.dataConverter,
  };
  // Not in ReplayWorkerOptions' type, but honoured (replay workers otherwise run workflow code without a time limit).
  Object.assign(options, { isolateExecutionTimeout: ISOLATE_EXECUTION_TIMEOUT });
  const results = Worker.runReplayHistories(options, inbox);
  send({ type: 'ready' });
  // The SDK replays one history at a time: every activation captured until its result belongs to it.
  for await (const result of results) {
    const { index, loaded } = inbox.replaying.shift()!;
    const run = current;
    current = { activations: [] };
    // Only strict mode compares payloads, and only then are they decoded (a codec may be slow: a key service).
    const judging = init.strict
      ? { strict: true as const, values: await payloadValues(loaded.history, converter) }
      : { strict: false as const };
    send({ type: 'outcome', index, outcome: explainReplay(loaded, run, result.error, judging) });
  }
}
