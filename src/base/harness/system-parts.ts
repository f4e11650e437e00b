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
import { firstLine, UsageError } from '../errors.ts';
import { firstFrame } from '../history/never-worked.ts';

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

/** An activities module that cannot serve a worker: it does not load, lacks createActivities, or builds no activities. */
export class ActivitiesModuleError extends UsageError {
  override name = 'ActivitiesModuleError';
}

export interface CreateActivitiesOptions {
  /**
   * Called before the parts run (tempest's check at load, with addresses nothing listens on): an error that says a
   * connection failed is no verdict on the module, and returns undefined instead of throwing.
   */
  atLoad?: boolean;
}

/** Keys that code reads of any object without meaning a field of it (await, JSON.stringify, util.inspect). */
const INCIDENTAL_KEYS: ReadonlySet<string> = new Set(['then', 'toJSON', 'inspect', 'constructor', 'asymmetricMatch', '$$typeof']);

/**
 * Call a module's createActivities the way a worker does, `createActivities({ parts })`, and check what comes
 * back: an object of functions. The context is watched, so a module written for
 * another context (`createActivities({ bank, store })`, the clients a test builds) is named at once, instead of
 * every activity failing with a TypeError on its first call. Throws an ActivitiesModuleError naming `shown`.
 */
export async function callCreateActivities(
  create: (context: ActivityContext) => unknown,
  parts: Record<string, PartAddress>,
  shown: string,
  options: CreateActivitiesOptions = {},
): Promise<Record<string, (...args: never[]) => unknown> | undefined> {
  const misread: string[] = [];
  const watched = <T extends object>(target: T, where: string): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        if (typeof key === 'string' && !(key in object) && !INCIDENTAL_KEYS.has(key)) misread.push(`${where}.${key}`);
        return Reflect.get(object, key, receiver) as unknown;
      },
    });
  const context: ActivityContext = watched({ parts: watched({ ...parts }, 'context.parts') }, 'context');
  let activities: unknown;
  try {
    activities = await create(context);
  } catch (error) {
    if (misread.length === 0 && options.atLoad && isConnectionError(error)) return undefined;
    if (misread.length === 0) {
      const frame = firstFrame(error instanceof Error ? error.stack : undefined);
      throw new ActivitiesModuleError(`${shown}: createActivities threw: ${firstLine(error)}${frame ? ` (at ${frame})` : ''}`, {
        cause: error,
      });
    }
  }
  if (misread.length > 0) {
    const names = Object.keys(parts);
    throw new ActivitiesModuleError(
      `${shown}: createActivities read ${[...new Set(misread)].join(', ')}, which its context does not have (a worker calls createActivities({ parts }) with ${names.length > 0 ? `parts ${names.join(', ')}` : 'no parts'}); is this the module your workers load?`,
    );
  }
  if (!activities || typeof activities !== 'object' || Array.isArray(activities))
    throw new ActivitiesModuleError(
      `${shown}: createActivities returned ${describeValue(activities)}, not an object of activity functions`,
    );
  const entries = Object.entries(activities);
  const notFunctions = entries.filter(([, value]) => typeof value !== 'function');
  if (notFunctions.length > 0)
    throw new ActivitiesModuleError(
      `${shown}: createActivities returned ${notFunctions.map(([name, value]) => `${name} (${describeValue(value)})`).join(', ')}: every value must be an activity function`,
    );
  return activities as Record<string, (...args: never[]) => unknown>;
}

/** Every activity type the workflows schedule (`expected`) is among the `returned` names; an ActivitiesModuleError naming `shown` otherwise. */
export function checkScheduledActivities(returned: readonly string[], expected: readonly string[], shown: string): void {
  const missing = expected.filter((name) => !returned.includes(name));
  if (missing.length > 0)
    throw new ActivitiesModuleError(
      `${shown}: the workflows schedule ${missing.join(', ')}, which createActivities does not return (it returns ${returned.join(', ') || 'nothing'})`,
    );
}

const describeValue = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : typeof value === 'string'
          ? 'a string'
          : String(value);

function isConnectionError(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (/^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|TIMEDOUT|AI_AGAIN|NOTFOUND)$/.test((cause as NodeJS.ErrnoException).code ?? ''))
      return true;
    if (/ECONNREFUSED|fetch failed/.test(cause.message)) return true;
  }
  return false;
}

/** The createActivities a module exports (or its default export); an ActivitiesModuleError naming `shown` when it has none. */
export function createActivitiesOf(module: Record<string, unknown>, shown: string): (context: ActivityContext) => unknown {
  const create = module.createActivities ?? module.default;
  if (typeof create !== 'function')
    throw new ActivitiesModuleError(`${shown}: must export createActivities({ parts }) (or a default export of it)`);
  return create as (context: ActivityContext) => unknown;
}

/**
 * The activities of a system's activities module (its `createActivities({ parts })`), built in this process and
 * checked (callCreateActivities). Errors name the module as `shown` (its path by default).
 */
export async function createSystemActivities(
  activitiesPath: string,
  parts: Record<string, PartAddress>,
  shown: string = shownPath(activitiesPath),
): Promise<Record<string, (...args: never[]) => unknown>> {
  let module: Record<string, unknown>;
  try {
    module = await importFile(path.resolve(activitiesPath));
  } catch (error) {
    throw new ActivitiesModuleError(`${shown}: cannot load the activities: ${describeLoadError(error, activitiesPath)}`, { cause: error });
  }
  return (await callCreateActivities(createActivitiesOf(module, shown), parts, shown))!;
}
