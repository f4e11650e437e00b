/**
 * The order of an A/B run's rounds. Pure: the same seed gives the same order, which the report records.
 *
 * Pairs come in blocks of two, `AB BA` or `BA AB` by a seeded coin per block: within a block a linear drift of the
 * machine and the cost of going first cancel, and a coin (instead of a fixed ABBA) keeps the order from locking into
 * step with a neighbour's periodic work.
 */
import { Random } from '../../base/random.ts';

export type PairOrder = 'base-first' | 'head-first';
export type Side = 'base' | 'head';

/** The orders of `pairs` pairs (rounded up to whole blocks of two). */
export function planPairs(pairs: number, seed: number): PairOrder[] {
  if (!Number.isInteger(pairs) || pairs < 0) throw new RangeError(`pairs must be a whole number, got ${pairs}`);
  const random = new Random(seed);
  const orders: PairOrder[] = [];
  while (orders.length < pairs)
    orders.push(...(random.chance(0.5) ? (['base-first', 'head-first'] as const) : (['head-first', 'base-first'] as const)));
  return orders;
}

/** The sides of one pair, in the order they run. */
export function sidesOf(order: PairOrder): [Side, Side] {
  return order === 'base-first' ? ['base', 'head'] : ['head', 'base'];
}
