/** Running a scenario's checks: the built-in checkers and the system's, each to a verdict with its evidence. */
import type { RunObservations } from '../observations.ts';
import { type CheckerSpec, SystemCodeError } from '../system.ts';
import { BUILT_IN_CHECKERS } from './built-in.ts';
import { type Verdict, verdict } from './verdict.ts';

/**
 * Run the named checkers (built-in first, then the system's, in the order named). A checker that throws, or returns
 * something other than evidence lines, is a SystemCodeError: never a verdict.
 */
export async function runChecks<Snapshot, Setup>(
  names: readonly string[],
  systemCheckers: readonly CheckerSpec<Snapshot, Setup>[],
  run: RunObservations<Snapshot, Setup>,
): Promise<Verdict[]> {
  const all = [...(BUILT_IN_CHECKERS as readonly CheckerSpec<Snapshot, Setup>[]), ...systemCheckers];
  const verdicts: Verdict[] = [];
  for (const name of names) {
    const checker = all.find((c) => c.name === name);
    if (!checker) throw new SystemCodeError(`no checker named ${name}`);
    let evidence: unknown;
    try {
      evidence = await checker.check(run);
    } catch (error) {
      throw new SystemCodeError(`checker ${name} threw: ${(error as Error).message?.split('\n')[0] ?? String(error)}`, { cause: error });
    }
    if (!Array.isArray(evidence) || !evidence.every((line) => typeof line === 'string')) {
      throw new SystemCodeError(
        `checker ${name} returned ${JSON.stringify(evidence)?.slice(0, 80)}; a checker returns a list of evidence lines (empty when the invariant held)`,
      );
    }
    verdicts.push(verdict(name, evidence));
  }
  return verdicts;
}

export { BUILT_IN_CHECKERS };
export type { Verdict };
