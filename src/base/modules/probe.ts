/**
 * Loading a user's module must end. A module whose top-level await never resolves, or that loops forever as it is
 * imported, would hang the command (or, worse, let it exit 0 having run nothing). So before a command imports a
 * user's modules, a child process imports them first, each within a bound; a module that does not finish is named
 * and the child killed. Modules that end, with or without an error, are then imported for real.
 *
 * The child also says how each module ended (the error it threw, or the kinds of its exports), so a module the
 * command never imports itself (a worker's activities, the workflows) is checked before any cluster starts.
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

/** How a module ended when the probe imported it: the error it threw (one line), or the kinds of its exports. */
export type ProbeResult = { error: string; errorName: string } | { exports: Record<string, string> };

/**
 * Import `files` (absolute paths) in a child process, in order; throw a UserModuleError naming the first that does not
 * finish loading within `boundMs` (shown as `show(file)`). Returns how each ended.
 */
export async function probeModules(
  files: readonly string[],
  options: { label: string; show?: (file: string) => string; boundMs?: number; cwd?: string },
): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  if (files.length === 0) return results;
  const bound = options.boundMs ?? boundFromEnv() ?? LOAD_BOUND_MS;
  const show = options.show ?? shownPath;
  const child = spawn(process.execPath, [...loaderArgs(), ownModule(import.meta.url, './probe-entry'), ...files], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<string>((resolve) => {
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => resolve(current ?? files[0]!), bound);
    };
    arm();
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as { loading?: string; loaded?: string } & Partial<{
          error: string;
          errorName: string;
          exports: Record<string, string>;
        }>;
        if (event.loading) current = event.loading;
        if (event.loaded)
          results.set(
            event.loaded,
            event.error !== undefined ? { error: event.error, errorName: event.errorName ?? 'Error' } : { exports: event.exports ?? {} },
          );
      } catch {
        return; // a module's own output
      }
      arm();
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
