import { randomUUID } from 'node:crypto';

/** An id no other test (or test run against the same long-lived service) uses, e.g. `acct-1f3a9c2e`. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
