/**
 * A run's report directory is written whole or not at all. The run works in a hidden sibling,
 * `.<name>.partial-<pid>-<time>`, and only a run that completes (its verdicts written) puts it in place, replacing
 * the report a previous run left there. A run that fails or is interrupted removes its partial directory, and one
 * whose harness was killed leaves it to the next run into the same directory, which removes it.
 *
 * A directory that exists and is not a tempest report (no report.json or plan.json inside) is never replaced: a
 * mistyped --report cannot wipe out someone's files.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../base/errors.ts';

/** The files that mark a directory as a tempest chaos report. */
const REPORT_MARKERS = ['report.json', 'plan.json'];

function isReplaceable(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;
  const entries = readdirSync(dir);
  return entries.length === 0 || REPORT_MARKERS.some((marker) => entries.includes(marker));
}

const partialPrefix = (target: string): string => `.${path.basename(target)}.partial-`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the partial directories left next to `target` by runs whose harness is gone. */
function removeStalePartials(target: string): void {
  const parent = path.dirname(target);
  if (!existsSync(parent)) return;
  const prefix = partialPrefix(target);
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

export interface StagedReportDir {
  /** Where the run writes. */
  dir: string;
  /** Put the finished run in place of `target` (and of any report a previous run left there). */
  publish(): void;
  /** Remove what the run wrote: it did not finish. */
  discard(): void;
}

/** A fresh partial directory for a run whose report goes to `target`; throws when `target` is not a report to replace. */
export function stageReportDir(target: string): StagedReportDir {
  const resolved = path.resolve(target);
  if (!isReplaceable(resolved)) {
    throw new UsageError(
      `${target} exists and is not a tempest report (no ${REPORT_MARKERS.join(' or ')}): choose an empty or new directory`,
    );
  }
  removeStalePartials(resolved);
  const dir = path.join(path.dirname(resolved), `${partialPrefix(resolved)}${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    publish: () => {
      if (!isReplaceable(resolved))
        throw new UsageError(`${target} was filled by something else during the run; the report stays in ${dir}`);
      rmSync(resolved, { recursive: true, force: true });
      renameSync(dir, resolved);
    },
    discard: () => rmSync(dir, { recursive: true, force: true }),
  };
}
