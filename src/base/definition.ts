/**
 * What every `defineX` of tempest shares: an error that names the field that is wrong and what would be right
 * (durations, the other shared vocabulary, are in duration.ts).
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
