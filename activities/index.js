import { toActivityError } from './errors';
/** The idempotency key of one step of one business operation: the same on every retry of that step. */
export const stepKey = (businessId, step) => `${businessId}:${step}`;
export function createActivities({ bank, store }) {
    return {
        /** Withdraw the transfer's amount from its source account. Returns the bank's operation id. */
        async withdraw(transfer) {
            const { sourceAccount, amount, referenceId } = transfer;
            const result = await toActivityError(() => bank.withdraw({ accountId: sourceAccount, amount, referenceId, idempotencyKey: stepKey(referenceId, 'withdraw') }));
            return result.operationId;
        },
        /** Deposit the transfer's amount into its target account. Returns the bank's operation id. */
        async deposit(transfer) {
            const { targetAccount, amount, referenceId } = transfer;
            const result = await toActivityError(() => bank.deposit({ accountId: targetAccount, amount, referenceId, idempotencyKey: stepKey(referenceId, 'deposit') }));
            return result.operationId;
        },
        /** Return the transfer's withdrawn money to its source account. Returns the bank's operation id. */
        async refund(transfer) {
            const { referenceId } = transfer;
            const result = await toActivityError(() => bank.refund({ referenceId, idempotencyKey: stepKey(referenceId, 'refund') }));
            return result.operationId;
        },
        /** Reserve all of the order's items, or none. Returns the reservation id. */
        async reserveInventory(order) {
            const { orderId, items } = order;
            const result = await toActivityError(() => store.reserveInventory({ orderId, items, idempotencyKey: stepKey(orderId, 'reserve') }));
            return result.reservationId;
        },
        /** Charge the order's amount to its customer. Returns the payment id. */
        async chargePayment(order) {
            const { orderId, customerId, amount } = order;
            const result = await toActivityError(() => store.chargePayment({ orderId, customerId, amount, idempotencyKey: stepKey(orderId, 'charge') }));
            return result.paymentId;
        },
        /** Create the order's shipment. */
        async createShipment(order) {
            const { orderId, address } = order;
            const result = await toActivityError(() => store.createShipment({ orderId, address, idempotencyKey: stepKey(orderId, 'ship') }));
            return { shipmentId: result.shipmentId, trackingNumber: result.trackingNumber };
        },
        /** Compensation: release the order's reserved inventory. Returns false when nothing was reserved. */
        async releaseInventory(orderId) {
            const result = await toActivityError(() => store.releaseInventory({ orderId, idempotencyKey: stepKey(orderId, 'release') }));
            return result.undone;
        },
        /** Compensation: refund the order's payment. Returns false when nothing was charged. */
        async refundPayment(orderId) {
            const result = await toActivityError(() => store.refundPayment({ orderId, idempotencyKey: stepKey(orderId, 'refund') }));
            return result.undone;
        },
        /** Compensation: cancel the order's shipment. Returns false when none was created. */
        async cancelShipment(orderId) {
            const result = await toActivityError(() => store.cancelShipment({ orderId, idempotencyKey: stepKey(orderId, 'cancel-shipment') }));
            return result.undone;
        },
        /** Undo everything an order holds (inventory, payment, shipment) in one store transaction. */
        async cancelOrder(orderId) {
            const result = await toActivityError(() => store.cancelOrder({ orderId, idempotencyKey: stepKey(orderId, 'cancel') }));
            return {
                releasedInventory: result.releasedInventory,
                refundedPayment: result.refundedPayment,
                cancelledShipment: result.cancelledShipment,
            };
        },
    };
}
//# sourceMappingURL=index.js.map