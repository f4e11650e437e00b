import type { TransferDetails, TransferResult } from './types';
/** The tutorial's retry policy: exponential backoff, bounded attempts, business errors never retried. */
export declare const TRANSFER_RETRY_POLICY: {
    initialInterval: string;
    backoffCoefficient: number;
    maximumInterval: string;
    maximumAttempts: number;
    nonRetryableErrorTypes: string[];
};
/**
 * Move `amount` from the source to the target account: withdraw, then deposit. When the deposit fails for
 * good, refund the source and fail with a message that says whether the money was returned.
 */
export declare function moneyTransfer(details: TransferDetails): Promise<TransferResult>;
