/**
 * A system's parts without a chaos cluster around them: each started as a child process on a free port (after the
 * parts it depends on, which it reaches directly), for benchmarks, demos and a team's own tests; and the system's
 * activities built in this process from their addresses. Stopping stops every part, each attempted.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type ActivityContext, type PartAddress, type PartSpec, startOrder } from '../system-spec.ts';
import { describeLoadError, importFile, shownPath } from '../modules/user-module.ts';
import { freePort, type SpawnedProcess, stopAll } from './process.ts';
import { type RunningPart, startPart } from './parts.ts';
import { UsageError } from '../errors.ts';

export interface StartedParts {
  /** Each part's address. */
  addresses: Record<string, PartAddress>;
  running: Record<string, RunningPart>;
  /** Stop every part; each is attempted even when another fails. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartPartsOptions {
  /** Each part's state goes to <dataDir>/<part>, its log to <dataDir>/logs/<part>.log. */
  dataDir: string;
  projectRoot: string;
  /** Told of each part's process as it spawns (a run registry's recorder, so a killed run's parts are ended). */
  recorder?: (part: string) => (spawned: SpawnedProcess) => void;
}

/** Start every part in dependency order (parts that depend on nothing in parallel first). On a failure, the started ones are stopped. */
export async function startParts(parts: Record<string, PartSpec>, options: StartPartsOptions): Promise<StartedParts> {
  mkdirSync(path.join(options.dataDir, 'logs'), { recursive: true });
  const running: Record<string, RunningPart> = {};
  const stop = (): Promise<void> => stopAll(Object.values(running).map((part) => () => part.stop()));
  const start = async (name: string): Promise<void> => {
    const spec = parts[name]!;
    const dependencies = Object.fromEntries((spec.dependsOn ?? []).map((dependency) => [dependency, running[dependency]!.address]));
    running[name] = await startPart({
      name,
      spec,
      port: await freePort(),
      dependencies,
      dataDir: path.join(options.dataDir, name),
      projectRoot: options.projectRoot,
      logFile: path.join(options.dataDir, 'logs', `${name}.log`),
      onSpawn: options.recorder?.(name),
    });
  };
  try {
    const order = startOrder(parts);
    const independent = order.filter((name) => (parts[name]!.dependsOn ?? []).length === 0);
    const results = await Promise.allSettled(independent.map(start));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const name of order.filter((n) => !independent.includes(n))) await start(name);
  } catch (error) {
    await stop().catch(() => undefined); // the start failure is the error worth reporting
    throw error;
  }
  const addresses = Object.fromEntries(Object.entries(running).map(([name, part]) => [name, part.address]));
  return { addresses, running, stop, [Symbol.asyncDispose]: stop };
}

/**
 * The activities of a system's activities module (its `createActivities({ parts })`), built in this process.
 * Errors name the module as `shown` (its path by default).
 */
export async function createSystemActivities(
  activitiesPath: string,
  parts: Record<string, PartAddress>,
  shown: string = shownPath(activitiesPath),
): Promise<Record<string, (...args: never[]) => unknown>> {
  let module: { createActivities?: unknown; default?: unknown };
  try {
    module = (await importFile(path.resolve(activitiesPath))) as typeof module;
  } catch (error) {
    throw new UsageError(`${shown}: cannot load the activities: ${describeLoadError(error, activitiesPath)}`, { cause: error });
  }
  const create = module.createActivities ?? module.default;
  if (typeof create !== 'function') throw new UsageError(`${shown}: must export createActivities({ parts }) (or a default export of it)`);
  const context: ActivityContext = { parts };
  let activities: unknown;
  try {
    activities = await (create as (c: ActivityContext) => unknown)(context);
  } catch (error) {
    throw new UsageError(`${shown}: createActivities threw: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (!activities || typeof activities !== 'object')
    throw new UsageError(`${shown}: createActivities returned ${JSON.stringify(activities)}, not an object of activity functions`);
  return activities as Record<string, (...args: never[]) => unknown>;
}
