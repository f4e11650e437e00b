import { ServiceError, validationError } from './errors';

/**
 * Request validators. Each takes the raw value and the field's name (a path such as `items[0].sku`) and throws a
 * ValidationError naming that field. Whatever a client sends, the answer is a 400 here or a business answer later,
 * never a 500 (which a workflow would retry): so every value that storage or arithmetic cannot hold exactly is
 * refused here.
 */

export type JsonObject = Record<string, unknown>;

export const MAX_ID_LENGTH = 200;

/**
 * The largest amount, balance, credit, quantity or total the services hold: Number.MAX_SAFE_INTEGER (2^53 - 1),
 * the largest integer JSON numbers carry exactly. Sums the audits report are kept within it too (see the ledgers).
 */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * A control character (C0, DEL, C1: PostgreSQL text cannot hold NUL at all, and the others make ids that print
 * as something else) or a lone surrogate (not Unicode: storage would turn it into U+FFFD, so two different ids
 * would become one).
 */
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw validationError(field, `${field} must be a JSON object`);
  return value;
}

/** The request body itself: a ValidationError without a field. */
export function requireBodyObject(value: unknown): JsonObject {
  if (!isObject(value)) throw new ServiceError('ValidationError', 'request body must be a JSON object');
  return value;
}

/**
 * An id or an idempotency key: a non-empty string of at most 200 characters, without control characters and
 * without lone surrogates.
 */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw validationError(field, `${field} must be a non-empty string`);
  }
  return requireStorableText(value, field);
}

/** A string field that may be absent (undefined) or empty; any other type, or an unstorable string, is refused. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return value;
  if (typeof value !== 'string') throw validationError(field, `${field} must be a string`);
  return requireStorableText(value, field);
}

function requireStorableText(value: string, field: string): string {
  if (value.length > MAX_ID_LENGTH) {
    throw validationError(field, `${field} must be at most ${MAX_ID_LENGTH} characters`);
  }
  const bad = UNSTORABLE.exec(value);
  if (bad) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const what = /\p{Cs}/u.test(bad[0]) ? `a lone surrogate (${code}), which is not Unicode` : `a control character (${code})`;
    throw validationError(field, `${field} must not contain ${what}; found at index ${bad.index}`);
  }
  return value;
}

export function requireCents(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw validationError(field, `${field} must be a positive integer number of cents, at most ${MAX_EXACT}`);
  }
  return value as number;
}

export function requireNonNegativeCents(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw validationError(field, `${field} must be a non-negative integer number of cents, at most ${MAX_EXACT}`);
  }
  return value as number;
}

export function requireCount(value: unknown, field: string, { min }: { min: 0 | 1 }): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    const kind = min === 0 ? 'a non-negative' : 'a positive';
    throw validationError(field, `${field} must be ${kind} integer, at most ${MAX_EXACT}`);
  }
  return value as number;
}

export function requireArray(value: unknown, field: string, { nonEmpty }: { nonEmpty: boolean }): unknown[] {
  if (!Array.isArray(value)) throw validationError(field, `${field} must be an array`);
  if (nonEmpty && value.length === 0) throw validationError(field, `${field} must not be empty`);
  return value;
}

/**
 * Refuses, naming `field`, an addition that would take a total past MAX_EXACT. Totals are compared as BigInt, so
 * the check itself is exact whatever the stored total (a database may hold more than a JSON number can).
 */
export function requireTotalWithin(total: bigint | number | string, added: number, field: string, what: string): void {
  const after = BigInt(total) + BigInt(added);
  if (after > BigInt(MAX_EXACT)) {
    throw validationError(
      field,
      `${field} would take ${what} to ${after}, past ${MAX_EXACT} (the largest amount the service holds exactly)`,
    );
  }
}
