/**
 * Loading a user's module must end. A module whose top-level await never resolves, or that loops forever as it is
 * imported, would hang the command (or, worse, let it exit 0 having run nothing). So before a command imports a
 * user's modules, a child process imports them first, each within a bound; a module that does not finish is named
 * and the child killed. Modules that end, with or without an error, are then imported for real.
 *
 * The child also says how each module ended (the error it threw, or the kinds of its exports), so a module the
 * command never imports itself (a worker's activities, the workflows) is checked before any cluster starts; and it
 * can call an activities module's createActivities as a worker would (callCreateActivities), so a module that could
 * never serve a worker is named before any part starts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { TSX_LOADER } from '../harness/parts.ts';
import { FROM_SOURCE, ownModule, PACKAGE_ROOT } from '../package-root.ts';
import { shownPath, UserModuleError } from './user-module.ts';

/**
 * How long one module may take to load: far more than any module should, far less than a CI job's patience.
 * $TEMPEST_LOAD_TIMEOUT_MS changes it (a very slow machine; a test that proves the bound).
 */
export const LOAD_BOUND_MS = 30_000;

function boundFromEnv(): number | undefined {
  const value = Number(process.env.TEMPEST_LOAD_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The child's loader: tsx, and in tempest's own repository the sources for `tempest/...` too. */
function loaderArgs(): string[] {
  return FROM_SOURCE ? ['--import', pathToFileURL(path.join(PACKAGE_ROOT, 'scripts', 'register.mjs')).href] : ['--import', TSX_LOADER];
}

/**
 * How long createActivities may take when the probe calls it. Longer means it waits for something (a part that is
 * not running yet): no verdict on the module, which the worker then builds against the running parts.
 */
const CREATE_BOUND_MS = 5_000;

/** What the probe made of calling createActivities: the names it returned, the error naming the module, or no verdict. */
export type CreatedActivities = { activities: string[] } | { error: string } | { inconclusive: true };

/** How a module ended when the probe imported it: the error it threw (one line), or the kinds of its exports. */
export type ProbeResult =
  | { error: string; errorName: string }
  | {
      exports: Record<string, string>;
      /** For the module of `createActivities`, once it loaded. */
      created?: CreatedActivities;
    };

/** The child's first argument when it is to call an activities module's createActivities after loading everything. */
export const ACTIVITIES_FLAG = '--create-activities';

/** Which module's createActivities to call, and with which part names. */
export interface ActivitiesCall {
  /** Absolute, and one of the files probed. */
  file: string;
  /** How messages name the module. */
  shown: string;
  parts: readonly string[];
}

/**
 * Import `files` (absolute paths) in a child process, in order; throw a UserModuleError naming the first that does not
 * finish loading within `boundMs` (shown as `show(file)`). Returns how each ended.
 */
export async function probeModules(
  files: readonly string[],
  options: { label: string; show?: (file: string) => string; boundMs?: number; cwd?: string; createActivities?: ActivitiesCall },
): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  if (files.length === 0) return results;
  const bound = options.boundMs ?? boundFromEnv() ?? LOAD_BOUND_MS;
  const show = options.show ?? shownPath;
  const call = options.createActivities;
  const callArgs = call ? [ACTIVITIES_FLAG, JSON.stringify(call)] : [];
  const child = spawn(process.execPath, [...loaderArgs(), ownModule(import.meta.url, './probe-entry'), ...callArgs, ...files], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const created = (file: string, outcome: CreatedActivities): void => {
    const loaded = results.get(file);
    if (loaded && 'exports' in loaded) loaded.created = outcome;
  };
  // Resolves with the file that did not finish loading, or undefined once createActivities was given up on.
  const stuck = new Promise<string | undefined>((resolve) => {
    const arm = (ms: number, onTimeout: () => void): void => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, ms);
    };
    const armLoading = (): void => arm(bound, () => resolve(current ?? files[0]!));
    armLoading();
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as { loading?: string; loaded?: string; creating?: string; created?: string } & Partial<{
          error: string;
          errorName: string;
          exports: Record<string, string>;
          activities: string[];
        }>;
        if (event.loading) current = event.loading;
        if (event.loaded)
          results.set(
            event.loaded,
            event.error !== undefined ? { error: event.error, errorName: event.errorName ?? 'Error' } : { exports: event.exports ?? {} },
          );
        if (event.creating) {
          const file = event.creating;
          return arm(CREATE_BOUND_MS, () => {
            created(file, { inconclusive: true });
            resolve(undefined);
          });
        }
        if (event.created)
          created(
            event.created,
            event.error !== undefined
              ? { error: event.error }
              : event.activities
                ? { activities: event.activities }
                : { inconclusive: true },
          );
      } catch {
        return; // a module's own output
      }
      armLoading();
    });
  });
  const ended = new Promise<undefined>((resolve) => child.once('close', () => resolve(undefined)));
  try {
    const file = await Promise.race([stuck, ended]);
    if (file !== undefined) {
      throw new UserModuleError(
        show(file),
        `loading the ${options.label} did not finish within ${bound / 1000} s (a top-level await that never resolves, or a loop that never ends?)`,
      );
    }
    return results;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
