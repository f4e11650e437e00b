import { ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, isCancellation, proxyActivities, setHandler, } from '@temporalio/workflow';
import { asFailure, causeOf } from './failures';
import { ORDER_RETRY_POLICY } from './order-saga';
export const getStatusQuery = defineQuery('getStatus');
/** Cancel the order: undo whatever it holds (cancel activity) and end in state `cancelled`. */
export const cancelOrderSignal = defineSignal('cancelOrder');
/** Approve the order for shipping. */
export const approveSignal = defineSignal('approve');
/** Reject the order: undo it and end in state `rejected`. */
export const rejectSignal = defineSignal('reject');
export const DEFAULT_APPROVAL_TIMEOUT = '24 hours';
const { reserveInventory, chargePayment, createShipment, cancelOrder } = proxyActivities({
    startToCloseTimeout: '5 seconds',
    retry: ORDER_RETRY_POLICY,
});
/**
 * An order with a human in the loop: reserve inventory and charge payment in parallel, wait up to
 * `approvalTimeout` (24 hours) for an `approve` or `reject` signal (no answer rejects automatically), then ship.
 * `cancelOrder` at any point before completion undoes everything through the store's cancel activity.
 * `getStatus` answers the current state at any time.
 */
export async function order(request) {
    const { approvalTimeout = DEFAULT_APPROVAL_TIMEOUT, ...details } = request;
    const status = { orderId: details.orderId, state: 'received' };
    let approval;
    const work = new CancellationScope();
    setHandler(getStatusQuery, () => status);
    setHandler(approveSignal, (approver) => {
        approval ??= { decision: 'approved', by: approver };
    });
    setHandler(rejectSignal, (reason) => {
        approval ??= { decision: 'rejected', reason };
    });
    setHandler(cancelOrderSignal, (reason) => {
        if (status.state === 'completed' || status.cancelReason !== undefined)
            return;
        status.cancelReason = reason ?? 'cancelled by request';
        work.cancel();
    });
    try {
        await work.run(async () => {
            status.state = 'reserving';
            const [reservation, payment] = await Promise.allSettled([reserveInventory(details), chargePayment(details)]);
            if (reservation.status === 'rejected')
                throw reservation.reason;
            if (payment.status === 'rejected')
                throw payment.reason;
            status.reservationId = reservation.value;
            status.paymentId = payment.value;
            status.state = 'awaiting-approval';
            const decided = await condition(() => approval !== undefined, approvalTimeout);
            status.approval = decided && approval ? approval : { decision: 'auto-rejected', reason: 'no approval in time' };
            if (status.approval.decision !== 'approved')
                return;
            status.state = 'shipping';
            status.trackingNumber = (await createShipment(details)).trackingNumber;
            status.state = 'completed';
        });
    }
    catch (error) {
        await undo(details.orderId);
        if (isCancellation(error)) {
            status.state = 'cancelled';
            // Cancelled by our signal: a normal end. Cancelled from outside (handle.cancel()): end as cancelled.
            if (status.cancelReason !== undefined)
                return status;
            throw error;
        }
        status.state = 'failed';
        status.failure = causeOf(error);
        throw ApplicationFailure.create({
            type: 'OrderFailed',
            message: `Order ${details.orderId} failed: ${status.failure}; everything was undone.`,
            nonRetryable: true,
            cause: asFailure(error),
        });
    }
    if (status.state !== 'completed') {
        await undo(details.orderId);
        status.state = 'rejected';
    }
    return status;
}
async function undo(orderId) {
    await CancellationScope.nonCancellable(() => cancelOrder(orderId));
}
//# sourceMappingURL=order.js.map