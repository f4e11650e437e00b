/**
 * One way to fail. Every error tempest means to raise is a TempestError: its message is the line a person reads
 * (naming the file, field or flag that is wrong and what would be right), its exit code what `tempest` exits with,
 * mapped once, in the CLI's main. A verdict (an invariant violated, a regression found) is a value a command
 * returns, never an error. Anything else thrown is a bug of tempest's, and exits 2 too.
 *
 * Exit codes: 0 ok, 1 a verdict failed, 2 a usage or harness error, 130 interrupted (as a shell reports SIGINT).
 */
export const EXIT = { ok: 0, verdictFailed: 1, usageOrHarness: 2, interrupted: 130 } as const;

export abstract class TempestError extends Error {
  abstract readonly exitCode: number;
}

/** Bad input: a flag, an argument, a file, a module or a definition field; the message names it. */
export class UsageError extends TempestError {
  readonly exitCode: number = EXIT.usageOrHarness;
  override name = 'UsageError';
}

/** The harness could not do its job: a server did not start, a tool is missing, a cluster is unreachable. */
export class HarnessError extends TempestError {
  readonly exitCode: number = EXIT.usageOrHarness;
  override name = 'HarnessError';
}

/**
 * The system under test never worked (never-worked.ts): a harness error, never a verdict. Its message is the one
 * line naming the module, the activity or workflow, the error and its first stack frame; wrappers pass it on whole.
 */
export class NeverWorkedError extends HarnessError {
  override name = 'NeverWorkedError';
}

/** Ctrl-C stopped the command. */
export class Interrupted extends TempestError {
  readonly exitCode: number = EXIT.interrupted;
  override name = 'Interrupted';
}

/** The exit code `error` stands for: its own when tempest raised it, 2 for anything else. */
export function exitCodeOf(error: unknown): number {
  return error instanceof TempestError ? error.exitCode : EXIT.usageOrHarness;
}

/** The first line of an error's message: what a one-line report quotes of an error it wraps. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** A message on one line: what a parser's error (quoting the text it choked on) becomes inside a one-line report. */
export function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
