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
import { toActivityError } from './errors';

export interface ServiceClients {
  bank: BankClient;
  store: StoreClient;
}

/** The idempotency key of one step of one business operation: the same on every retry of that step. */
export const stepKey = (businessId: string, step: string): string => `${businessId}:${step}`;

export function createActivities({ bank, store }: ServiceClients) {
  return {
    /** Withdraw the transfer's amount from its source account. Returns the bank's operation id. */
    async withdraw(transfer: TransferDetails): Promise<string> {
      const { sourceAccount, amount, referenceId } = transfer;
      const result = await toActivityError(() =>
        bank.withdraw({ accountId: sourceAccount, amount, referenceId, idempotencyKey: stepKey(referenceId, 'withdraw') }),
      );
      return result.operationId;
    },

    /** Deposit the transfer's amount into its target account. Returns the bank's operation id. */
    async deposit(transfer: TransferDetails): Promise<string> {
      const { targetAccount, amount, referenceId } = transfer;
      const result = await toActivityError(() =>
        bank.deposit({ accountId: targetAccount, amount, referenceId, idempotencyKey: stepKey(referenceId, 'deposit') }),
      );
      return result.operationId;
    },

    /**
     * Close the transfer at the bank, returning to its source whatever it withdrew and did not deposit (possibly
     * nothing), so that no withdraw or deposit of it can apply later. Returns the bank's operation id.
     */
    async refund(transfer: TransferDetails): Promise<string> {
      const { referenceId } = transfer;
      const result = await toActivityError(() => bank.refund({ referenceId, idempotencyKey: stepKey(referenceId, 'refund') }));
      return result.operationId;
    },

    /** Reserve all of the order's items, or none. Returns the reservation id. */
    async reserveInventory(order: OrderDetails): Promise<string> {
      const { orderId, items } = order;
      const result = await toActivityError(() => store.reserveInventory({ orderId, items, idempotencyKey: stepKey(orderId, 'reserve') }));
      return result.reservationId;
    },

    /** Charge the order's amount to its customer. Returns the payment id. */
    async chargePayment(order: OrderDetails): Promise<string> {
      const { orderId, customerId, amount } = order;
      const result = await toActivityError(() =>
        store.chargePayment({ orderId, customerId, amount, idempotencyKey: stepKey(orderId, 'charge') }),
      );
      return result.paymentId;
    },

    /** Create the order's shipment. */
    async createShipment(order: OrderDetails): Promise<{ shipmentId: string; trackingNumber: string }> {
      const { orderId, address } = order;
      const result = await toActivityError(() => store.createShipment({ orderId, address, idempotencyKey: stepKey(orderId, 'ship') }));
      return { shipmentId: result.shipmentId, trackingNumber: result.trackingNumber };
    },

    /** Compensation: release the order's reserved inventory. Returns false when nothing was reserved. */
    async releaseInventory(orderId: string): Promise<boolean> {
      const result = await toActivityError(() => store.releaseInventory({ orderId, idempotencyKey: stepKey(orderId, 'release') }));
      return result.undone;
    },

    /** Compensation: refund the order's payment. Returns false when nothing was charged. */
    async refundPayment(orderId: string): Promise<boolean> {
      const result = await toActivityError(() => store.refundPayment({ orderId, idempotencyKey: stepKey(orderId, 'refund') }));
      return result.undone;
    },

    /** Compensation: cancel the order's shipment. Returns false when none was created. */
    async cancelShipment(orderId: string): Promise<boolean> {
      const result = await toActivityError(() => store.cancelShipment({ orderId, idempotencyKey: stepKey(orderId, 'cancel-shipment') }));
      return result.undone;
    },

    /** Undo everything an order holds (inventory, payment, shipment) in one store transaction. */
    async cancelOrder(orderId: string): Promise<{ releasedInventory: boolean; refundedPayment: boolean; cancelledShipment: boolean }> {
      const result = await toActivityError(() => store.cancelOrder({ orderId, idempotencyKey: stepKey(orderId, 'cancel') }));
      return {
        releasedInventory: result.releasedInventory,
        refundedPayment: result.refundedPayment,
        cancelledShipment: result.cancelledShipment,
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
