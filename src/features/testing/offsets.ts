/**
 * Bad input to a workflow test, and the test's reading of offsets and durations: tempest's one duration grammar
 * (base/duration.ts), its errors raised as WorkflowTestInputError naming the call that was given them.
 */
import { DefinitionError } from '../../base/definition.ts';
import { parseDuration, parseOffset } from '../../base/duration.ts';
import { UsageError } from '../../base/errors.ts';

export class WorkflowTestInputError extends UsageError {
  override name = 'WorkflowTestInputError';
}

/** `fn`, with a DefinitionError it throws raised as a WorkflowTestInputError. */
function asTestInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DefinitionError) throw new WorkflowTestInputError(error.message, { cause: error });
    throw error;
  }
}

/** Milliseconds after the start of `at(offset)`'s offset ('+3h', '+23h59m', '+1d 2h'). */
export function offsetOfAt(offset: string): number {
  return asTestInput(() => parseOffset(offset, `at(${JSON.stringify(offset)})`));
}

/** Milliseconds of a call's duration argument (`takes('2h')`). */
export function durationOf(duration: string, call: string): number {
  return asTestInput(() => parseDuration(duration, `${call}(${JSON.stringify(duration)})`));
}
