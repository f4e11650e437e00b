import type { ServiceErrorType } from './contract';
/**
 * An error a service answers with (see ErrorBody in ./contract). Domain code throws it; the HTTP layer turns it
 * into a status and a JSON body.
 */
export declare class ServiceError extends Error {
    readonly type: ServiceErrorType;
    /** The request field that was wrong (ValidationError). */
    readonly field?: string | undefined;
    /** Overrides the type's usual status (an injected fault may ask for any 4xx/5xx). */
    readonly status?: number | undefined;
    readonly name = "ServiceError";
    constructor(type: ServiceErrorType, message: string, 
    /** The request field that was wrong (ValidationError). */
    field?: string | undefined, 
    /** Overrides the type's usual status (an injected fault may ask for any 4xx/5xx). */
    status?: number | undefined);
}
export declare function validationError(field: string, message: string): ServiceError;
