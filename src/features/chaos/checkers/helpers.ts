/**
 * Helpers for a system's own checkers: the shapes of invariant that most systems have, each returning evidence
 * lines (empty when it held), exactly as the built-in checkers do.
 */

/**
 * An effect applied at most once per key (an idempotency key, a business id and step): one line per key applied
 * more than once, naming the effects that applied it.
 */
export function appliedAtMostOnce<T>(
  effects: readonly T[],
  key: (effect: T) => string,
  describe: (effect: T) => string = (e) => JSON.stringify(e),
): string[] {
  const byKey = new Map<string, T[]>();
  for (const effect of effects) byKey.set(key(effect), [...(byKey.get(key(effect)) ?? []), effect]);
  return [...byKey]
    .filter(([, applied]) => applied.length > 1)
    .map(([k, applied]) => `key ${k} applied ${applied.length} times (${applied.map(describe).join(', ')})`);
}

/** A signed difference: +3, -2, 0. */
export function signed(n: number | bigint): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * Quantities that must not change (money in a ledger, stock across warehouses): one line per quantity whose value
 * after the run differs from before, naming it, both values and the difference.
 */
export function conserved(quantities: Record<string, { before: number; after: number }>): string[] {
  return Object.entries(quantities)
    .filter(([, q]) => q.before !== q.after)
    .map(([name, q]) => `${name} is ${q.after}, it was ${q.before} (${signed(q.after - q.before)})`);
}

/**
 * A saga's compensations took effect in reverse order of the steps they undo. `steps` are the saga's steps in the
 * order it takes them, each with the compensation that undoes it; `applied` is what took effect, in order (an
 * operation log): names that are no compensation of `steps` are ignored. One line when the compensations are out
 * of that order, naming both orders.
 */
export function compensatedInReverse(steps: readonly { step: string; compensation: string }[], applied: readonly string[]): string[] {
  const position = new Map(steps.map((s, i) => [s.compensation, i]));
  const compensations = applied.filter((name) => position.has(name));
  const reversed = [...compensations].sort((a, b) => position.get(b)! - position.get(a)!);
  if (compensations.every((name, i) => name === reversed[i])) return [];
  return [`compensations took effect as ${compensations.join(', ')}; in reverse order of its steps they are ${reversed.join(', ')}`];
}
