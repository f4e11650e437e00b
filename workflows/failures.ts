import { ActivityFailure } from '@temporalio/workflow';

/** The innermost message of an activity failure: what the service said. */
export function causeOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export function asFailure(error: unknown): Error | undefined {
  return error instanceof Error ? error : undefined;
}
