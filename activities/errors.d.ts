/**
 * Run a service call and turn its failure into the activity failure Temporal should see:
 * - a business error keeps the service's type (e.g. InsufficientFundsError) and stays retryable here, so the
 *   workflow's retry policy (nonRetryableErrorTypes) decides, as in the Temporal tutorial;
 * - a request the service can never accept is non-retryable;
 * - 5xx answers and transport errors (refused, reset, timed out) are retryable.
 */
export declare function toActivityError<T>(call: () => Promise<T>): Promise<T>;
