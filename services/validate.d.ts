/**
 * Request validators. Each takes the raw value and the field's name (a path such as `items[0].sku`) and throws a
 * ValidationError naming that field.
 */
export type JsonObject = Record<string, unknown>;
export declare function isObject(value: unknown): value is JsonObject;
export declare function requireObject(value: unknown, field: string): JsonObject;
/** The request body itself: a ValidationError without a field. */
export declare function requireBodyObject(value: unknown): JsonObject;
/** An id or an idempotency key: a non-empty string of at most 200 characters. */
export declare function requireId(value: unknown, field: string): string;
export declare function requireCents(value: unknown, field: string): number;
export declare function requireNonNegativeCents(value: unknown, field: string): number;
export declare function requireCount(value: unknown, field: string, { min }: {
    min: 0 | 1;
}): number;
export declare function requireArray(value: unknown, field: string, { nonEmpty }: {
    nonEmpty: boolean;
}): unknown[];
/** A string field that may be absent (undefined); any other type is a ValidationError. */
export declare function optionalString(value: unknown, field: string): string | undefined;
