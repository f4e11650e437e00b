/**
 * Exit codes: 0 ok, 1 a verdict failed (a check found a problem), 2 a usage or harness error
 * (bad flag or input, a server that would not start, an unreachable cluster).
 */
export const EXIT = { ok: 0, verdictFailed: 1, usageOrHarness: 2, interrupted: 130 } as const;

/** A wrong flag, argument or input file: the message names it and says what would be right. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usageOrHarness;
  override name = 'UsageError';
}

/** The harness could not do its job (a server did not start, a tool is missing, a cluster is unreachable). */
export class HarnessError extends Error {
  readonly exitCode = EXIT.usageOrHarness;
  override name = 'HarnessError';
}

/** A check ran and failed: the message carries the evidence. */
export class VerdictFailed extends Error {
  readonly exitCode = EXIT.verdictFailed;
  override name = 'VerdictFailed';
}

/** Ctrl-C stopped the command (exit 130, as a shell reports SIGINT). */
export class Interrupted extends Error {
  readonly exitCode = EXIT.interrupted;
  override name = 'Interrupted';
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof HarnessError || error instanceof VerdictFailed || error instanceof Interrupted
    ? error.exitCode
    : EXIT.usageOrHarness;
}
