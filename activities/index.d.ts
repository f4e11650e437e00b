/**
 * The side effects of the packaged workflows: calls to the bank and store services over the network.
 *
 * Every mutating call carries an idempotency key derived from the business id (referenceId or orderId) and the
 * step, never from the attempt, so a retried activity can never apply twice. Errors are classified here and the
 * workflow's retry policy decides: business errors keep their type (InvalidAccountError, PaymentDeclined, ...)
 * and the policy lists them as non-retryable; transport errors and 5xx stay retryable; a request the service
 * can never accept (validation, a reused key, a closed transfer or order) is non-retryable at the source.
 */
import type { BankClient } from '../services/bank/client';
import type { StoreClient } from '../services/store/client';
import type { OrderDetails, TransferDetails } from '../workflows/types';
export interface ServiceClients {
    bank: BankClient;
    store: StoreClient;
}
/** The idempotency key of one step of one business operation: the same on every retry of that step. */
export declare const stepKey: (businessId: string, step: string) => string;
export declare function createActivities({ bank, store }: ServiceClients): {
    /** Withdraw the transfer's amount from its source account. Returns the bank's operation id. */
    withdraw(transfer: TransferDetails): Promise<string>;
    /** Deposit the transfer's amount into its target account. Returns the bank's operation id. */
    deposit(transfer: TransferDetails): Promise<string>;
    /** Return the transfer's withdrawn money to its source account. Returns the bank's operation id. */
    refund(transfer: TransferDetails): Promise<string>;
    /** Reserve all of the order's items, or none. Returns the reservation id. */
    reserveInventory(order: OrderDetails): Promise<string>;
    /** Charge the order's amount to its customer. Returns the payment id. */
    chargePayment(order: OrderDetails): Promise<string>;
    /** Create the order's shipment. */
    createShipment(order: OrderDetails): Promise<{
        shipmentId: string;
        trackingNumber: string;
    }>;
    /** Compensation: release the order's reserved inventory. Returns false when nothing was reserved. */
    releaseInventory(orderId: string): Promise<boolean>;
    /** Compensation: refund the order's payment. Returns false when nothing was charged. */
    refundPayment(orderId: string): Promise<boolean>;
    /** Compensation: cancel the order's shipment. Returns false when none was created. */
    cancelShipment(orderId: string): Promise<boolean>;
    /** Undo everything an order holds (inventory, payment, shipment) in one store transaction. */
    cancelOrder(orderId: string): Promise<{
        releasedInventory: boolean;
        refundedPayment: boolean;
        cancelledShipment: boolean;
    }>;
};
export type Activities = ReturnType<typeof createActivities>;
