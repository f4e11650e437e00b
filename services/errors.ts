import type { ServiceErrorType } from './contract';

/**
 * An error a service answers with (see ErrorBody in ./contract). Domain code throws it; the HTTP layer turns it
 * into a status and a JSON body.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    readonly type: ServiceErrorType,
    message: string,
    /** The request field that was wrong (ValidationError). */
    readonly field?: string,
    /** Overrides the type's usual status (an injected fault may ask for any 4xx/5xx). */
    readonly status?: number,
  ) {
    super(message);
  }
}

export function validationError(field: string, message: string): ServiceError {
  return new ServiceError('ValidationError', message, field);
}
