/** The project a command works on: `--config <file>`, else the tempest.config.ts found from the working directory. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile, loadProject, type Project } from '../../base/config/config.ts';
import { probeModules } from '../../base/modules/probe.ts';
import { shownPath } from '../../base/modules/user-module.ts';
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

/**
 * The workers' code, imported in a child process before any cluster starts (the workers import it only once they
 * run): activities that throw on import or lack createActivities, and workflows that throw on import or export no
 * workflow function, are usage errors naming the file. Returns the workflow types the workflows module exports.
 *
 * Workflow code runs in the SDK's sandbox, not in Node; a module that only fails in Node because it reads the
 * workflow context at its top level (IllegalStateError) is left to the sandbox to judge.
 */
export async function checkWorkerCode(code: { workflowsPath: string; activitiesPath: string }): Promise<string[]> {
  const results = await probeModules([code.activitiesPath, code.workflowsPath], { label: 'worker code', show: shownPath });
  const activities = results.get(code.activitiesPath);
  if (activities && 'error' in activities)
    throw new UsageError(`${shownPath(code.activitiesPath)}: cannot load the activities: ${activities.error}`);
  if (activities && activities.exports.createActivities !== 'function' && activities.exports.default !== 'function') {
    throw new UsageError(`${shownPath(code.activitiesPath)}: must export createActivities({ parts }) (or a default export of it)`);
  }
  const workflows = results.get(code.workflowsPath);
  if (!workflows || ('error' in workflows && workflows.errorName === 'IllegalStateError')) return [];
  if ('error' in workflows) throw new UsageError(`${shownPath(code.workflowsPath)}: cannot load the workflows: ${workflows.error}`);
  const types = Object.entries(workflows.exports)
    .filter(([, kind]) => kind === 'function')
    .map(([name]) => name);
  if (types.length === 0)
    throw new UsageError(`${shownPath(code.workflowsPath)}: exports no workflow function (each exported function is a workflow type)`);
  return types;
}
