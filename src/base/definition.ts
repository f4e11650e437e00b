/**
 * What every `defineX` of tempest shares: an error that names the field that is wrong and what would be right, and
 * durations given as numbers of milliseconds or as text ('500ms', '2s', '1.5m').
 */
import { UsageError } from './errors.ts';

export class DefinitionError extends UsageError {
  override name = 'DefinitionError';
}

/** Throw a DefinitionError `<field>: <message>` unless `condition` holds. */
export function check(condition: unknown, field: string, message: string): asserts condition {
  if (!condition) throw new DefinitionError(`${field}: ${message}`);
}

/** A DefinitionError thrown by `fn`, with `prefix` put before its field (e.g. 'workload.'). Other errors pass unchanged. */
export function withFieldPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DefinitionError) throw new DefinitionError(`${prefix}${error.message}`, { cause: error });
    throw error;
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Milliseconds, or text such as '500ms', '2s', '1.5m'. */
export type Duration = number | string;

/** A fixed offset, or a window the seeded generator picks from. */
export type Timing = Duration | { between: [Duration, Duration] };

/** The longest duration tempest accepts anywhere: a day. A longer one is a typo, and a run would never end. */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/** Parse a duration; throws naming `field`. */
export function durationMs(value: unknown, field: string): number {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim()) : null;
  const ms =
    typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? value
      : match
        ? Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'])
        : undefined;
  if (ms === undefined)
    throw new DefinitionError(`${field}: expected a duration such as 500, '500ms', '2s' or '1m', got ${JSON.stringify(value)}`);
  if (ms > MAX_DURATION_MS) throw new DefinitionError(`${field}: ${JSON.stringify(value)} is longer than a day; a run would not end`);
  return ms;
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
