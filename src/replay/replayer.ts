/**
 * Replays histories against a workflows module (bundled once) and explains each result: passed, or where and
 * how the code diverged from the history, with a hint. In strict mode it also reports drift the SDK accepts:
 * changed activity and child arguments and options, timer durations, workflow results and failure types.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { ownModule } from '../package-root.ts';
import type { CapturedActivation } from './capture-interceptor.ts';
import type { CodeRun } from './compare.ts';
import { payloadValues } from './data-converter.ts';
import type { LoadedHistory } from './history-file.ts';
import { explainReplay, type ReplayOutcome } from './outcome.ts';

export { PATCH_HINT, type ReplayOutcome, type ReplayStatus } from './outcome.ts';

const CAPTURE_INTERCEPTOR = ownModule(import.meta.url, './capture-interceptor');

export class WorkflowsModuleError extends Error {
  override name = 'WorkflowsModuleError';
}

export interface ReplayerOptions {
  /** The workflows module (TypeScript or JavaScript) to replay against. */
  workflowsPath: string;
  /** Also report drift that plain replay accepts. */
  strict?: boolean;
}

/** Replays histories against one bundle of workflow code. */
export class Replayer {
  private constructor(
    private readonly bundle: WorkflowBundle,
    private readonly strict: boolean,
    readonly bundleMs: number,
  ) {}

  /** Bundle the workflows module once (with the command-capture interceptor). */
  static async create(options: ReplayerOptions): Promise<Replayer> {
    const workflowsPath = path.resolve(options.workflowsPath);
    if (!existsSync(workflowsPath)) throw new WorkflowsModuleError(`--workflows ${options.workflowsPath}: no such file`);
    const started = performance.now();
    let bundle: WorkflowBundle;
    try {
      bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [CAPTURE_INTERCEPTOR], logger: new DefaultLogger('ERROR') });
    } catch (error) {
      throw new WorkflowsModuleError(`--workflows ${options.workflowsPath}: cannot bundle it: ${(error as Error).message.split('\n')[0]!.trim()}`);
    }
    return new Replayer(bundle, options.strict ?? false, performance.now() - started);
  }

  /** Replay each history; one bad history never hides the others. Results come in input order. */
  async *replay(histories: readonly LoadedHistory[]): AsyncGenerator<ReplayOutcome> {
    // The SDK replays one history at a time: every activation captured until its result belongs to it.
    let current: CodeRun = { activations: [] };
    const sinks = {
      tempestCapture: {
        activation: {
          fn: (info: WorkflowInfo, activation: CapturedActivation) => {
            current.taskQueue = info.taskQueue;
            current.activations.push(activation);
          },
          callDuringReplay: true,
        },
      },
    };
    const results = Worker.runReplayHistories(
      { workflowBundle: this.bundle, sinks, replayName: 'tempest-replay' },
      histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
    );
    let index = 0;
    for await (const result of results) {
      const loaded = histories[index++]!;
      const run = current;
      current = { activations: [] };
      yield explainReplay(loaded, run, result.error, { strict: this.strict, values: await payloadValues(loaded.history) });
    }
  }
}
