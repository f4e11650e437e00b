/** The project a command works on: `--config <file>`, else the tempest.config.ts found from the working directory. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile, loadProject, type Project } from '../../base/config/config.ts';
import { type ProbeResult, probeModules } from '../../base/modules/probe.ts';
import { readManifest } from '../../features/replay/corpus.ts';
import { shownPath } from '../../base/modules/user-module.ts';
import { checkScheduledActivities } from '../../base/harness/system-parts.ts';
import { UsageError } from '../../base/errors.ts';

export interface ProjectFlags {
  config?: string;
}

export async function projectOf(flags: ProjectFlags): Promise<Project> {
  const file = flags.config ? path.resolve(flags.config) : findConfigFile(process.cwd());
  if (file) await probeModules([file], { label: 'config', show: () => flags.config ?? shownPath(file) });
  return loadProject({ configFile: flags.config });
}

/**
 * Load a project's modules only once each is known to finish loading (probeModules): a module that hangs as it is
 * imported is a usage error naming it, never a hang or a silent exit.
 */
export async function probed(files: readonly (string | undefined)[], label: string): Promise<void> {
  await probeModules(
    files.filter((file): file is string => file !== undefined && existsSync(file)),
    { label, show: shownPath },
  );
}

/**
 * A tempest command as the output prints it for the user to run: `npx tempest ...`, which runs the project's own
 * installed tempest from its root, where a bare `tempest` is not on the PATH.
 */
export function printedCommand(...words: string[]): string {
  return ['npx tempest', ...words].filter(Boolean).join(' ');
}

/** `--config <file>` as the user gave it, for a printed command that must work as printed. */
export function projectFlagArgs(flags: ProjectFlags): string[] {
  return flags.config ? ['--config', flags.config] : [];
}

export { shownPath };

/** What the workers run, and what checkWorkerCode needs to call their activities module as a worker would. */
export interface WorkerCodeToCheck {
  workflowsPath: string;
  activitiesPath: string;
  /** The parts a worker's createActivities({ parts }) is given. */
  parts: readonly string[];
  /** The project's replay corpus: the activity types its histories schedule must be returned. */
  corpus?: string;
}

/**
 * The workers' code, imported in a child process before any cluster starts (the workers import it only once they
 * run): activities that throw on import or lack createActivities, and workflows that throw on import or export no
 * workflow function, are usage errors naming the file. The activities module's createActivities is then called the
 * way a worker calls it (callCreateActivities): a module written for another context, one that throws, returns
 * something other than functions, or lacks an activity the corpus's histories schedule, is named in one line too.
 * Returns the workflow types the workflows module exports.
 *
 * Workflow code runs in the SDK's sandbox, not in Node; a module that only fails in Node because it reads the
 * workflow context at its top level (IllegalStateError) is left to the sandbox to judge.
 */
export async function checkWorkerCode(code: WorkerCodeToCheck): Promise<string[]> {
  const shown = shownPath(code.activitiesPath);
  const results = await probeModules([code.activitiesPath, code.workflowsPath], {
    label: 'worker code',
    show: shownPath,
    createActivities: { file: code.activitiesPath, shown, parts: code.parts },
  });
  const activities = results.get(code.activitiesPath);
  if (activities && 'error' in activities) throw new UsageError(`${shown}: cannot load the activities: ${activities.error}`);
  if (activities && activities.exports.createActivities !== 'function' && activities.exports.default !== 'function') {
    throw new UsageError(`${shown}: must export createActivities({ parts }) (or a default export of it)`);
  }
  const types = workflowTypesOf(code.workflowsPath, results.get(code.workflowsPath));
  const created = activities && 'exports' in activities ? activities.created : undefined;
  if (created && 'error' in created) throw new UsageError(created.error);
  if (created && 'activities' in created && code.corpus)
    checkScheduledActivities(created.activities, activityTypesInCorpus(code.corpus, types), shown);
  return types;
}

/** The workflow types a probed workflows module exports ([] when only the sandbox can tell). */
function workflowTypesOf(file: string, workflows: ProbeResult | undefined): string[] {
  if (!workflows || ('error' in workflows && workflows.errorName === 'IllegalStateError')) return [];
  if ('error' in workflows) throw new UsageError(`${shownPath(file)}: cannot load the workflows: ${workflows.error}`);
  const types = Object.entries(workflows.exports)
    .filter(([, kind]) => kind === 'function')
    .map(([name]) => name);
  if (types.length === 0)
    throw new UsageError(`${shownPath(file)}: exports no workflow function (each exported function is a workflow type)`);
  return types;
}

/**
 * The activity types the corpus's histories of `workflowTypes` schedule: histories that replay against the workflows
 * are what they do, so a worker must register each. A corpus that cannot be read says nothing here (replay judges it).
 */
export function activityTypesInCorpus(corpus: string, workflowTypes: readonly string[]): string[] {
  const types = new Set<string>();
  try {
    for (const entry of readManifest(corpus).histories) {
      if (!workflowTypes.includes(entry.workflowType)) continue;
      const history = JSON.parse(readFileSync(path.join(corpus, entry.file), 'utf8')) as {
        events?: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
      };
      for (const event of history.events ?? []) {
        const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
        if (name) types.add(name);
      }
    }
  } catch {
    return [];
  }
  return [...types].sort();
}
