/**
 * Replays histories against a workflows module and explains each result: passed, or where and how the code
 * diverged from the history, with a hint. In strict mode it also reports drift the SDK accepts: changed
 * activity and child arguments and options, timer durations, workflow results and failure types.
 *
 * The workflows are bundled once (or found in the bundle cache, keyed by the content of the code) and replayed
 * by the SDK's own replay worker in lanes (lanes.ts): one in this process, and for a larger run child processes
 * up to one per core; a replay that stops making progress is cut off instead of hanging the run. Outcomes come
 * in input order.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownModule } from '../../base/package-root.ts';
import { cacheRoot } from '../../base/toolchain/cache.ts';
import { type Bundle, type BundleRequest, cachedBundle, freshBundle } from '../../base/harness/bundle.ts';
import { loadReplayConverter } from './data-converter.ts';
import type { LoadedHistory } from '../../base/history/history-file.ts';
import { LanePool } from './lanes.ts';
import type { ReplayOutcome } from './outcome.ts';
import { UsageError } from '../../base/errors.ts';

export { PATCH_HINT, type ReplayOutcome, type ReplayStatus } from './outcome.ts';

const CAPTURE_INTERCEPTOR = ownModule(import.meta.url, './capture-interceptor');
/** A child lane (a process) costs about half a second to start: a lane per this many histories, up to one per core. */
const HISTORIES_PER_LANE = 64;
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

export class WorkflowsModuleError extends UsageError {
  override name = 'WorkflowsModuleError';
}

export interface ReplayerOptions {
  /** The workflows module (TypeScript or JavaScript) to replay against. */
  workflowsPath: string;
  /** Also report drift that plain replay accepts. */
  strict?: boolean;
  /** A module exporting the `dataConverter` the workers use (see data-converter.ts). */
  dataConverterPath?: string;
  /** Most lanes (processes) replaying at once: by default one per core. */
  parallelism?: number;
  /** Where bundles are cached between runs (default `<cacheRoot>/bundles`); false to bundle every time. */
  bundleCache?: string | false;
  /** A history whose replay makes no progress for this long is cut off and reported unusable (default 60 s). */
  stallTimeoutMs?: number;
}

/** Replays histories against one bundle of workflow code. Close it (or `using`) to stop its lanes. */
export class Replayer implements Disposable {
  private constructor(
    private readonly lanes: LanePool,
    private readonly bundle: Bundle & { dispose?: () => void },
    private readonly parallelism: number,
  ) {}

  /** Bundling time of this replayer (near zero when the bundle came from the cache). */
  get bundleMs(): number {
    return this.bundle.ms;
  }

  get bundleFromCache(): boolean {
    return this.bundle.fromCache;
  }

  /** The lanes (processes) the last replay ran on. */
  get lanesUsed(): number {
    return this.lastLanes;
  }

  private lastLanes = 0;

  /** Bundle the workflows module (with the command-capture interceptor), or take it from the cache. */
  static async create(options: ReplayerOptions): Promise<Replayer> {
    const workflowsPath = path.resolve(options.workflowsPath);
    if (!existsSync(workflowsPath)) throw new WorkflowsModuleError(`--workflows ${options.workflowsPath}: no such file`);
    const converter = options.dataConverterPath ? await loadReplayConverter(options.dataConverterPath) : undefined;
    const request: BundleRequest = {
      workflowsPath,
      workflowInterceptorModules: [CAPTURE_INTERCEPTOR],
      ...(converter?.dataConverter.payloadConverterPath ? { payloadConverterPath: converter.dataConverter.payloadConverterPath } : {}),
      ...(converter?.dataConverter.failureConverterPath ? { failureConverterPath: converter.dataConverter.failureConverterPath } : {}),
    };
    const cacheDir = options.bundleCache === undefined ? path.join(cacheRoot(), 'bundles') : options.bundleCache;
    const bundling = (cacheDir === false ? freshBundle(request) : cachedBundle(request, cacheDir)).catch((error: unknown) => {
      throw new WorkflowsModuleError(
        `--workflows ${options.workflowsPath}: cannot bundle it: ${(error as Error).message.split('\n')[0]!.trim()}`,
      );
    });
    // The first lane starts now and loads the SDK while the bundle is built or found.
    const lanes = new LanePool(
      bundling.then((bundle) => ({
        bundlePath: bundle.codePath,
        strict: options.strict ?? false,
        dataConverterPath: options.dataConverterPath && path.resolve(options.dataConverterPath),
        stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      })),
    );
    try {
      return new Replayer(lanes, await bundling, Math.max(1, options.parallelism ?? os.availableParallelism()));
    } catch (error) {
      lanes.close();
      throw error;
    }
  }

  /** Replay each history; one bad history never hides the others. Results come in input order. */
  replay(histories: readonly LoadedHistory[]): AsyncGenerator<ReplayOutcome> {
    this.lastLanes = Math.min(this.parallelism, Math.max(1, Math.ceil(histories.length / HISTORIES_PER_LANE)));
    return this.lanes.replay(histories, this.lastLanes);
  }

  /**
   * A replay in this process stopped answering and was cut off: the SDK's worker behind it never ends, so this
   * process will not exit by itself (a command should exit explicitly).
   */
  get stuck(): boolean {
    return this.lanes.stuck;
  }

  /** Stop the lanes and remove an uncached bundle. */
  close(): void {
    this.lanes.close();
    this.bundle.dispose?.();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
