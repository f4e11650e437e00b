/**
 * An error a service answers with (see ErrorBody in ./contract). Domain code throws it; the HTTP layer turns it
 * into a status and a JSON body.
 */
export class ServiceError extends Error {
    type;
    field;
    status;
    name = 'ServiceError';
    constructor(type, message, 
    /** The request field that was wrong (ValidationError). */
    field, 
    /** Overrides the type's usual status (an injected fault may ask for any 4xx/5xx). */
    status) {
        super(message);
        this.type = type;
        this.field = field;
        this.status = status;
    }
}
export function validationError(field, message) {
    return new ServiceError('ValidationError', message, field);
}
//# sourceMappingURL=errors.js.map