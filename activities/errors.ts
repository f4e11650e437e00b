import { ApplicationFailure } from '@temporalio/common';
import { ServiceCallError, ServiceUnreachableError } from '../services/client';
import type { ServiceErrorType } from '../services/contract';

/** Requests the service can never accept, however often they are retried: non-retryable whatever the policy says. */
const NEVER_ACCEPTED: ReadonlySet<ServiceErrorType> = new Set([
  'ValidationError',
  'IdempotencyKeyReused',
  'TransferClosedError',
  'OrderClosedError',
  'NotFound',
]);

/**
 * Run a service call and turn its failure into the activity failure Temporal should see:
 * - a business error keeps the service's type (e.g. InsufficientFundsError) and stays retryable here, so the
 *   workflow's retry policy (nonRetryableErrorTypes) decides, as in the Temporal tutorial;
 * - a request the service can never accept is non-retryable;
 * - 5xx answers and transport errors (refused, reset, timed out) are retryable.
 */
export async function toActivityError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ServiceCallError) {
      throw ApplicationFailure.create({
        type: error.type,
        message: error.message,
        nonRetryable: NEVER_ACCEPTED.has(error.type),
        details: [{ service: error.service, operation: error.operation, status: error.status }],
      });
    }
    if (error instanceof ServiceUnreachableError) {
      throw ApplicationFailure.create({ type: 'ServiceUnreachable', message: error.message, nonRetryable: false });
    }
    throw error;
  }
}
