import { ServiceError, validationError } from './errors';

/**
 * Request validators. Each takes the raw value and the field's name (a path such as `items[0].sku`) and throws a
 * ValidationError naming that field.
 */

export type JsonObject = Record<string, unknown>;

const MAX_ID_LENGTH = 200;

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

/** An id or an idempotency key: a non-empty string of at most 200 characters. */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw validationError(field, `${field} must be a non-empty string`);
  }
  if (value.length > MAX_ID_LENGTH) {
    throw validationError(field, `${field} must be at most ${MAX_ID_LENGTH} characters`);
  }
  return value;
}

export function requireCents(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw validationError(field, `${field} must be a positive integer number of cents`);
  }
  return value as number;
}

export function requireNonNegativeCents(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw validationError(field, `${field} must be a non-negative integer number of cents`);
  }
  return value as number;
}

export function requireCount(value: unknown, field: string, { min }: { min: 0 | 1 }): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    const kind = min === 0 ? 'a non-negative' : 'a positive';
    throw validationError(field, `${field} must be ${kind} integer`);
  }
  return value as number;
}

export function requireArray(value: unknown, field: string, { nonEmpty }: { nonEmpty: boolean }): unknown[] {
  if (!Array.isArray(value)) throw validationError(field, `${field} must be an array`);
  if (nonEmpty && value.length === 0) throw validationError(field, `${field} must not be empty`);
  return value;
}

/** A string field that may be absent (undefined); any other type is a ValidationError. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw validationError(field, `${field} must be a string`);
}
