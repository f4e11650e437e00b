/**
 * Loading the user's own modules (a config, a system, scenarios, workloads, checkers, a data converter), written
 * in TypeScript or JavaScript, with no build step of theirs: the CLI registers tsx before it loads any. Every
 * failure is one line naming the file: a syntax error (with its line), an import that throws, a missing export.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.ts';

export class UserModuleError extends UsageError {
  override name = 'UserModuleError';
  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** A file as messages show it: relative to the working directory when inside it, else its absolute path. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * The first line of an error, with a syntax error's location when the loader gave one (`in <file>` too when the
 * error is in a file other than `file`, the one being loaded).
 */
export function describeLoadError(error: unknown, file?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // tsx (esbuild) reports `<file>:<line>:<column>: ERROR: <what>` on a line of its own.
  const located = /^(.*?):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  if (located) {
    const where = located[1] && file !== undefined && path.resolve(located[1]) !== path.resolve(file) ? ` of ${shownPath(located[1])}` : '';
    return `line ${located[2]}, column ${located[3]}${where}: ${located[4]}`;
  }
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown error'
  );
}

/**
 * Import a file, TypeScript included. The CLI registers tsx for the whole process and vitest transforms what it
 * loads; a program that did neither (tempest used as a library from plain Node) gets tsx's scoped import instead.
 */
export async function importFile(absolute: string): Promise<Record<string, unknown>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const { tsImport } = await import('tsx/esm/api');
    module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
  }
  return esModuleExports(module);
}

/**
 * A TypeScript file outside an ES-module package (no "type": "module") is compiled to CommonJS; importing it gives
 * its exports under `default`, marked __esModule. Its own exports are what the user wrote.
 */
function esModuleExports(module: Record<string, unknown>): Record<string, unknown> {
  const inner = module.default as Record<string, unknown> | undefined;
  return inner && typeof inner === 'object' && inner.__esModule === true ? inner : module;
}

/**
 * Import a module of the user's by path (absolute, or relative to `from`). `label` says what it is, for messages
 * ("scenario", "system"); the file is named as the user gave it.
 */
export async function importUserModule(
  file: string,
  options: { from?: string; label: string; shown?: string },
): Promise<Record<string, unknown>> {
  const absolute = path.resolve(options.from ?? process.cwd(), file);
  const shown = options.shown ?? file;
  if (!existsSync(absolute)) throw new UserModuleError(shown, `no such ${options.label} file`);
  try {
    return await importFile(absolute);
  } catch (error) {
    if (error instanceof UserModuleError) throw error;
    throw new UserModuleError(shown, `cannot load the ${options.label}: ${describeLoadError(error, absolute)}`, { cause: error });
  }
}

/** The module's default export, or a named one; an error naming the file when it has neither. */
export function exported<T>(module: Record<string, unknown>, shown: string, names: readonly string[], expected: string): T {
  for (const name of names) {
    if (module[name] !== undefined) return module[name] as T;
  }
  throw new UserModuleError(
    shown,
    `must export ${expected} (as ${names.map((n) => (n === 'default' ? 'the default export' : `\`${n}\``)).join(' or ')})`,
  );
}
