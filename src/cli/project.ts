/** The project a command works on: `--config <file>`, else the tempest.config.ts found from the working directory. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, findConfigFile, loadProject, type Project } from '../config/config.ts';
import { probeModules } from '../modules/probe.ts';
import { shownPath, UserModuleError } from '../modules/user-module.ts';
import { UsageError } from './errors.ts';

export interface ProjectFlags {
  config?: string;
}

export async function projectOf(flags: ProjectFlags): Promise<Project> {
  const file = flags.config ? path.resolve(flags.config) : findConfigFile(process.cwd());
  try {
    if (file) await probeModules([file], { label: 'config', show: () => flags.config ?? shownPath(file) });
    return await loadProject({ configFile: flags.config });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UserModuleError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Load a project's modules only once each is known to finish loading (probeModules): a module that hangs as it is
 * imported is a usage error naming it, never a hang or a silent exit.
 */
export async function probed(files: readonly (string | undefined)[], label: string): Promise<void> {
  try {
    await probeModules(files.filter((file): file is string => file !== undefined && existsSync(file)), { label, show: shownPath });
  } catch (error) {
    if (error instanceof UserModuleError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--config <file>` as the user gave it, for a printed command that must work as printed. */
export function projectFlagArgs(flags: ProjectFlags): string[] {
  return flags.config ? ['--config', flags.config] : [];
}

export { shownPath };
