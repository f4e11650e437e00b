import type { OrderDetails, OrderSagaResult } from './types';
/** Business errors of the store: retrying cannot change the answer. */
export declare const ORDER_RETRY_POLICY: {
    initialInterval: string;
    backoffCoefficient: number;
    maximumInterval: string;
    maximumAttempts: number;
    nonRetryableErrorTypes: string[];
};
/**
 * Reserve inventory, charge the payment, create the shipment. On any failure, run the compensations recorded
 * so far in reverse order (cancel shipment, refund payment, release inventory) and fail with the original cause.
 *
 * Each step's compensation is recorded *before* the step runs: a step that timed out may still have applied,
 * so it must be undone too. Compensations are idempotent and do nothing when their step never applied.
 * A failed compensation is logged and the others still run.
 */
export declare function orderSaga(order: OrderDetails): Promise<OrderSagaResult>;
