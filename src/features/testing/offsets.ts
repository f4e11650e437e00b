import { UsageError } from '../../base/errors.ts';

/** Offsets on the workflow clock ('+3h', '+23h59m', '+1d2h', '+90s', '+250ms'), as milliseconds after the start. */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const OFFSET = /^\+(?:\d+(?:ms|d|h|m|s))+$/;
const PART = /(\d+)(ms|d|h|m|s)/g;

export class WorkflowTestInputError extends UsageError {
  override name = 'WorkflowTestInputError';
}

/** Milliseconds of an offset written as '+' and one or more number-unit parts (units d, h, m, s, ms). */
export function parseOffset(offset: string): number {
  if (!OFFSET.test(offset)) {
    throw new WorkflowTestInputError(
      `at(${JSON.stringify(offset)}): not an offset on the workflow clock; write '+' then numbers with units d, h, m, s or ms, such as '+3h', '+23h59m' or '+90s'`,
    );
  }
  let ms = 0;
  for (const [, amount, unit] of offset.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms;
}

/** A duration of an activity double ('2h', '30m', '1d12h'): the same parts as an offset, without the '+'. */
export function parseDuration(duration: string, what: string): number {
  if (!OFFSET.test(`+${duration}`)) {
    throw new WorkflowTestInputError(
      `${what}(${JSON.stringify(duration)}): not a duration; write numbers with units d, h, m, s or ms, such as '2h', '90s' or '1d12h'`,
    );
  }
  return parseOffset(`+${duration}`);
}

/** '+1d2h3m4s5ms' for a number of milliseconds ('+0s' for none): how offsets read in messages and event logs. */
export function formatOffset(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return `+${text || '0s'}`;
}
