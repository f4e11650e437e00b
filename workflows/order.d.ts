import type { OrderRequest, OrderStatus } from './types';
export declare const getStatusQuery: import("@temporalio/common").QueryDefinition<OrderStatus, [], string>;
/** Cancel the order: undo whatever it holds (cancel activity) and end in state `cancelled`. */
export declare const cancelOrderSignal: import("@temporalio/common").SignalDefinition<[reason?: string | undefined], string>;
/** Approve the order for shipping. */
export declare const approveSignal: import("@temporalio/common").SignalDefinition<[approver: string], string>;
/** Reject the order: undo it and end in state `rejected`. */
export declare const rejectSignal: import("@temporalio/common").SignalDefinition<[reason: string], string>;
export declare const DEFAULT_APPROVAL_TIMEOUT = "24 hours";
/**
 * An order with a human in the loop: reserve inventory and charge payment in parallel, wait up to
 * `approvalTimeout` (24 hours) for an `approve` or `reject` signal (no answer rejects automatically), then ship.
 * `cancelOrder` at any point before completion undoes everything through the store's cancel activity.
 * `getStatus` answers the current state at any time.
 */
export declare function order(request: OrderRequest): Promise<OrderStatus>;
