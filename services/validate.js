import { ServiceError, validationError } from './errors';
const MAX_ID_LENGTH = 200;
export function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
export function requireObject(value, field) {
    if (!isObject(value))
        throw validationError(field, `${field} must be a JSON object`);
    return value;
}
/** The request body itself: a ValidationError without a field. */
export function requireBodyObject(value) {
    if (!isObject(value))
        throw new ServiceError('ValidationError', 'request body must be a JSON object');
    return value;
}
/** An id or an idempotency key: a non-empty string of at most 200 characters. */
export function requireId(value, field) {
    if (typeof value !== 'string' || value.trim() === '') {
        throw validationError(field, `${field} must be a non-empty string`);
    }
    if (value.length > MAX_ID_LENGTH) {
        throw validationError(field, `${field} must be at most ${MAX_ID_LENGTH} characters`);
    }
    return value;
}
export function requireCents(value, field) {
    if (!Number.isSafeInteger(value) || value <= 0) {
        throw validationError(field, `${field} must be a positive integer number of cents`);
    }
    return value;
}
export function requireNonNegativeCents(value, field) {
    if (!Number.isSafeInteger(value) || value < 0) {
        throw validationError(field, `${field} must be a non-negative integer number of cents`);
    }
    return value;
}
export function requireCount(value, field, { min }) {
    if (!Number.isSafeInteger(value) || value < min) {
        const kind = min === 0 ? 'a non-negative' : 'a positive';
        throw validationError(field, `${field} must be ${kind} integer`);
    }
    return value;
}
export function requireArray(value, field, { nonEmpty }) {
    if (!Array.isArray(value))
        throw validationError(field, `${field} must be an array`);
    if (nonEmpty && value.length === 0)
        throw validationError(field, `${field} must not be empty`);
    return value;
}
/** A string field that may be absent (undefined); any other type is a ValidationError. */
export function optionalString(value, field) {
    if (value === undefined || typeof value === 'string')
        return value;
    throw validationError(field, `${field} must be a string`);
}
//# sourceMappingURL=validate.js.map