/**
 * The one duration grammar of tempest, for scenarios, interleavings and workflow tests alike: a number of
 * milliseconds, or text of one or more number-unit parts with units d, h, m, s and ms ('500ms', '2s', '1.5m',
 * '23h59m', '1d 12h'). An offset on a workflow's clock is '+' and a duration ('+23h59m'). Durations read back as
 * '1d 2h 3m 4s 5ms'.
 */
import { DefinitionError, isRecord } from './definition.ts';

/** Milliseconds, or text such as '500ms', '2s', '1.5m', '23h59m'. */
export type Duration = number | string;

/** A fixed offset, or a window the seeded generator picks from. */
export type Timing = Duration | { between: [Duration, Duration] };

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const PART_TEXT = '\\d+(?:\\.\\d+)?(?:ms|d|h|m|s)';
/** Parts, largest units first or not, each a number and a unit, with or without a space between them. */
const TEXT = new RegExp(`^${PART_TEXT}(?: ?${PART_TEXT})*$`);
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;

const EXAMPLES = "such as 500, '500ms', '2s', '1.5m' or '23h59m' (units d, h, m, s, ms)";

/**
 * Milliseconds of a duration (rounded to whole ones); a DefinitionError naming `field` when it is none, or longer
 * than `maxMs` (`tooLong` says how long that is, and why it is too long).
 */
export function parseDuration(value: unknown, field: string, options: { maxMs?: number; tooLong?: string } = {}): number {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = Math.round(value);
  else if (typeof value === 'string' && TEXT.test(value)) {
    ms = 0;
    for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as Unit];
    ms = Math.round(ms);
  }
  if (ms === undefined) throw new DefinitionError(`${field}: expected a duration ${EXAMPLES}, got ${JSON.stringify(value)}`);
  if (options.maxMs !== undefined && ms > options.maxMs) {
    throw new DefinitionError(`${field}: ${JSON.stringify(value)} is longer than ${options.tooLong ?? formatDuration(options.maxMs)}`);
  }
  return ms;
}

/** Milliseconds after a workflow's start of an offset: '+' and a duration ('+3h', '+23h59m', '+1d 2h'). */
export function parseOffset(value: unknown, field: string): number {
  if (typeof value !== 'string' || !value.startsWith('+') || !TEXT.test(value.slice(1))) {
    throw new DefinitionError(
      `${field}: not an offset on the workflow clock; write '+' then numbers with units d, h, m, s or ms, such as '+3h', '+23h59m' or '+90s'`,
    );
  }
  return parseDuration(value.slice(1), field);
}

/**
 * Milliseconds after a workflow's start of a point on its clock written either way: as an offset ('+23h59m', as
 * `at()` takes it) or as the duration since the start ('23h59m'), so a time copied from a workflow test reads the
 * same in an interleaving's `after` and the other way round.
 */
export function parseClockTime(value: unknown, field: string): number {
  return typeof value === 'string' && value.startsWith('+') ? parseOffset(value, field) : parseDuration(value, field);
}

/**
 * '1d 2h 3m 4s 5ms' for a number of milliseconds ('0s' for none): how durations read in messages and timelines;
 * rounded to `resolutionMs` first (1000: to the second).
 */
export function formatDuration(ms: number, resolutionMs = 1): string {
  let rest = Math.max(0, Math.round(ms / resolutionMs) * resolutionMs);
  const parts: string[] = [];
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/** '+1d 2h' for milliseconds after a workflow's start. */
export function formatOffset(ms: number, resolutionMs = 1): string {
  return `+${formatDuration(ms, resolutionMs)}`;
}

/** The longest wall-clock duration a chaos scenario accepts: a day. A longer one is a typo, and a run would never end. */
export const MAX_WALL_CLOCK_MS = UNIT_MS.d;

/** A wall-clock duration of a run (at most a day); throws naming `field`. */
export function durationMs(value: unknown, field: string): number {
  return parseDuration(value, field, { maxMs: MAX_WALL_CLOCK_MS, tooLong: 'a day; a run would not end' });
}

/** A timing as a [min, max] window in ms. */
export function timingWindow(value: unknown, field: string): [number, number] {
  if (isRecord(value) && 'between' in value) {
    const between = value.between;
    if (!Array.isArray(between) || between.length !== 2)
      throw new DefinitionError(`${field}.between: expected two durations, got ${JSON.stringify(between)}`);
    const [low, high] = [durationMs(between[0], `${field}.between[0]`), durationMs(between[1], `${field}.between[1]`)];
    if (high < low) throw new DefinitionError(`${field}.between: the window ends before it starts (${JSON.stringify(between)})`);
    return [low, high];
  }
  const fixed = durationMs(value, field);
  return [fixed, fixed];
}
