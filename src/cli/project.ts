/** The project a command works on: `--config <file>`, else the tempest.config.ts found from the working directory. */
import path from 'node:path';
import { ConfigError, loadProject, type Project } from '../config/config.ts';
import { UsageError } from './errors.ts';

export interface ProjectFlags {
  config?: string;
}

export async function projectOf(flags: ProjectFlags): Promise<Project> {
  try {
    return await loadProject({ configFile: flags.config });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--config <file>` as the user gave it, for a printed command that must work as printed. */
export function projectFlagArgs(flags: ProjectFlags): string[] {
  return flags.config ? ['--config', flags.config] : [];
}

/** A path for messages: relative to the working directory when inside it. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
