/**
 * Files written whole or not at all, the one way every command writes its reports, histories and caches.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Write a file so that a reader never sees a partial one: the text goes to a hidden temporary file beside it,
 * `.<name>.partial-<pid>`, then is renamed into place. A writer killed mid-way leaves only that hidden file, which
 * history discovery ignores and removeStalePartials() (replay/corpus) deletes.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true });
  const partial = path.join(dir, `.${path.basename(file)}.partial-${process.pid}`);
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Keep the logs of a run that failed (a worker that exited before it was ready, a server that never answered) in
 * `<stateDir>/last-failure/logs`, replacing the previous failure's, so the rest of the run's temporary state can go.
 * Returns where they are, or nothing when there were none (or they could not be moved).
 */
export function keepFailureLogs(logsDir: string, stateDir: string): string | undefined {
  if (!existsSync(logsDir) || readdirSync(logsDir).length === 0) return undefined;
  const kept = path.join(stateDir, 'last-failure', 'logs');
  try {
    rmSync(path.dirname(kept), { recursive: true, force: true });
    mkdirSync(path.dirname(kept), { recursive: true });
    renameSync(logsDir, kept);
    return kept;
  } catch {
    return undefined; // the run's own error is the one worth reporting
  }
}
