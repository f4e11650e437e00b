/**
 * The CLI's flag values, each parsed one way for every command: a bad value is a UsageError naming the flag, what
 * it must be, and what it got.
 */
import { randomInt } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../base/errors.ts';

/** A whole number within [min, max] ("--runs must be a whole number from 1 to 100000, got 'many'"). */
export function wholeNumber(flag: string, text: string, { min = 0, max }: { min?: number; max?: number } = {}): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || (max !== undefined && value > max)) {
    const range =
      max === undefined ? (min === 1 ? 'a positive integer' : `a whole number >= ${min}`) : `a whole number from ${min} to ${max}`;
    throw new UsageError(`${flag} must be ${range}, got '${text}'`);
  }
  return value;
}

/** A seed given, or a random one (printed by the command, so the run replays from it). */
export function seedFlag(text: string | undefined): number {
  return text === undefined ? randomInt(1, 2 ** 31) : wholeNumber('--seed', text, { max: 2 ** 32 - 1 });
}

/** A positive number of seconds, as milliseconds. */
export function secondsFlag(flag: string, text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got '${text}'`);
  }
  return seconds * 1000;
}

/** A decimal number (no hex, no `Infinity`, no units), checked by `valid`; `fallback` when not given. */
export function decimalFlag(
  flag: string,
  text: string | undefined,
  fallback: number,
  valid: (v: number) => boolean,
  expected: string,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\s*\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) || !Number.isFinite(value) || !valid(value)) {
    throw new UsageError(`${flag} must be ${expected}, got '${text}'`);
  }
  return value;
}

/** A file the user named, resolved from the working directory; refused when there is no such file. */
export function existingFileFlag(flag: string, given: string): string {
  const resolved = path.resolve(given);
  if (!existsSync(resolved)) throw new UsageError(`${flag} ${given}: no such file`);
  return resolved;
}

/**
 * Fail before any work when an output path cannot be written: empty, ending in a separator, a directory or another
 * file that is not a regular one (writing renames a new file over it: a device such as /dev/stdout would be
 * replaced), under a file, or in a directory where no file can be created (read-only, no permission). The last is
 * probed by creating and removing a file in the nearest existing directory, where writeFileAtomic will write.
 */
export function checkWritable(file: string, flag: string): void {
  if (file.trim() === '') throw new UsageError(`${flag} needs a file path, got ''`);
  if (/[\\/]$/.test(file)) throw new UsageError(`${flag} ${file} ends in a path separator, so it names a directory; give a file path`);
  const stat = statOrUndefined(file, flag);
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory; give a file path`);
  if (stat && !stat.isFile()) throw new UsageError(`${flag} ${file} is not a regular file, and writing would replace it; give a file path`);
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const parent = statOrUndefined(dir, flag);
    if (parent) {
      if (!parent.isDirectory()) throw new UsageError(`${flag} ${file}: ${dir} is not a directory`);
      probeWritable(dir, file, flag);
      return;
    }
    dir = path.dirname(dir); // the root exists, so this ends
  }
}

function probeWritable(dir: string, file: string, flag: string): void {
  const probe = path.join(dir, `.tempest-probe.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot create a file in ${dir} (${reasonOf(error)})`);
  }
  rmSync(probe, { force: true });
}

/** The file's stat; undefined when it does not exist (or a parent is a file); any other failure is refused. */
function statOrUndefined(file: string, flag: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`${flag}: cannot check ${file} (${reasonOf(error)})`);
  }
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return error instanceof Error ? error.message : String(error);
}
