/**
 * Replays histories against a workflows module (bundled once) and explains each result: passed, or where and
 * how the code diverged from the history, with a hint. In strict mode it also reports drift the SDK accepts:
 * changed activity arguments and options, timer durations and workflow results.
 */
import { ownModule } from '../package-root.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { CapturedCommand } from './capture-interceptor.ts';
import { type CodeRun, type Divergence, type Drift, findDivergence, findDrift, recordedCommands } from './compare.ts';
import type { LoadedHistory } from './history-file.ts';

const CAPTURE_INTERCEPTOR = ownModule(import.meta.url, './capture-interceptor');

export type ReplayStatus = 'passed' | 'nondeterministic' | 'failed' | 'drifted';

export interface ReplayOutcome {
  file: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  eventCount: number;
  status: ReplayStatus;
  /** What the SDK reported, in one line (for nondeterministic and failed). */
  message?: string;
  /** Where the code stopped matching the history (nondeterministic). */
  divergence?: Divergence;
  /** Strict mode: what changed without breaking replay. */
  drifts: Drift[];
  hint?: string;
}

export class WorkflowsModuleError extends Error {
  override name = 'WorkflowsModuleError';
}

export const PATCH_HINT =
  "If the change is intended, branch on patched('<change-id>'): new executions take the new path while histories recorded before the change replay the old one; once no execution of the old code is running, replace patched() with deprecatePatch('<change-id>').";
const DRIFT_HINT =
  "Running executions will use the new values from their next command on. If they must not, guard the change with patched('<change-id>'), or deploy it once no execution of the old code is running.";

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
      bundle = await bundleWorkflowCode({
        workflowsPath,
        workflowInterceptorModules: [CAPTURE_INTERCEPTOR],
        logger: new DefaultLogger('ERROR'),
      });
    } catch (error) {
      throw new WorkflowsModuleError(`--workflows ${options.workflowsPath}: cannot bundle it: ${firstLine((error as Error).message)}`);
    }
    return new Replayer(bundle, options.strict ?? false, performance.now() - started);
  }

  /** Replay each history; one bad history never hides the others. Results come in input order. */
  async *replay(histories: readonly LoadedHistory[]): AsyncGenerator<ReplayOutcome> {
    const runs = new Map<string, CodeRun>();
    const runOf = (info: WorkflowInfo): CodeRun => {
      const key = `${info.workflowId}\u0000${info.runId}`;
      let run = runs.get(key);
      if (!run) runs.set(key, (run = { commands: [] }));
      return run;
    };
    const sinks = {
      tempestCapture: {
        command: { fn: (info: WorkflowInfo, command: CapturedCommand) => void runOf(info).commands.push(command), callDuringReplay: true },
        result: { fn: (info: WorkflowInfo, value: unknown) => void (runOf(info).result = { value }), callDuringReplay: true },
      },
    };
    const results = Worker.runReplayHistories(
      { workflowBundle: this.bundle, sinks, replayName: 'tempest-replay' },
      histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
    );
    let index = 0;
    for await (const result of results) {
      const loaded = histories[index++]!;
      const key = `${result.workflowId}\u0000${result.runId}`;
      const run = runs.get(key) ?? { commands: [] };
      runs.delete(key);
      yield this.explain(loaded, run, result.error);
    }
  }

  private explain(loaded: LoadedHistory, run: CodeRun, error: Error | undefined): ReplayOutcome {
    const base = {
      file: loaded.file,
      workflowType: loaded.workflowType,
      workflowId: loaded.workflowId,
      runId: loaded.runId,
      eventCount: loaded.eventCount,
    };
    const events = loaded.history.events ?? [];
    if (error instanceof DeterminismViolationError) {
      const message = coreMessage(error.message);
      const divergence = findDivergence(events, run) ?? divergenceNamedBy(message, events);
      return { ...base, status: 'nondeterministic', message, divergence, drifts: [], hint: PATCH_HINT };
    }
    if (error) return { ...base, status: 'failed', message: coreMessage(error.message), drifts: [] };
    const divergence = findDivergence(events, run);
    const drifts = this.strict ? findDrift(events, run) : [];
    if (this.strict && divergence) {
      // Replay accepted it, but the code's commands do not line up with the history's (e.g. a changed timer order).
      return { ...base, status: 'drifted', divergence, drifts, hint: PATCH_HINT };
    }
    return drifts.length > 0 ? { ...base, status: 'drifted', drifts, hint: DRIFT_HINT } : { ...base, status: 'passed', drifts: [] };
  }
}

/** When the commands line up as far as the code got, the core's message may still name the event it rejected. */
function divergenceNamedBy(message: string, events: Parameters<typeof recordedCommands>[0]): Divergence | undefined {
  const eventId = Number(/HistoryEvent\(id: (\d+)/.exec(message)?.[1]);
  if (!eventId) return undefined;
  return { eventId, recorded: recordedCommands(events).find((c) => c.eventId === eventId)?.view };
}

/** The core's own words from an SDK replay error, without the wrapping. */
function coreMessage(message: string): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  return firstLine(inner ? inner.replace(/\\"/g, '"') : message);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
