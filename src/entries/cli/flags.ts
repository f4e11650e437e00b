/**
 * The CLI's flag values, each parsed one way for every command: a bad value is a UsageError naming the flag, what
 * it must be, and what it got.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
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
