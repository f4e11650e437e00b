/**
 * The order with a human in the loop, under every ordering of its events: approve, reject and cancel arriving at
 * any point relative to the reservation, the charge, the 24-hour approval timer and the undo that follows a
 * rejection or a cancellation. Activities answer when the explorer says; a call never answered may have applied.
 */
import { defineInterleavings, type InterleavingRun } from 'tempest/interleave';
import { activityCalls, mayHaveApplied, resultState } from './properties';
import { orderRequest } from './order-request';

/** Each step of an order, and the activities that undo it (the store's cancel undoes everything). */
const UNDONE_BY = {
  reserveInventory: ['cancelOrder', 'releaseInventory'],
  chargePayment: ['cancelOrder', 'refundPayment'],
} as const;

export default defineInterleavings({
  name: 'order-decisions',
  description: 'approve, reject and cancelOrder at every point relative to reserve, charge, the approval timer and the undo',
  workflowType: 'order',
  args: (workflowId) => [orderRequest(workflowId)],
  activities: {
    reserveInventory: { returns: 'reservation-1', fails: [{ type: 'OutOfStockError' }] },
    chargePayment: { returns: 'payment-1', fails: [{ type: 'PaymentDeclined' }] },
    createShipment: { returns: { shipmentId: 'shipment-1', trackingNumber: 'TRACK-1' } },
    cancelOrder: { returns: { releasedInventory: true, refundedPayment: true, cancelledShipment: false } },
    releaseInventory: { returns: true },
    refundPayment: { returns: true },
  },
  events: [
    { signal: 'approve', args: ['ops@example.com'] },
    { signal: 'reject', args: ['fraud suspected'] },
    { signal: 'cancelOrder', args: ['changed my mind'] },
  ],
  properties: [
    {
      // A step whose call may have applied (answered with success, or never answered) is undone by a call made
      // after it, unless the order shipped.
      name: 'undone-unless-shipped',
      check: (run: InterleavingRun) => {
        if (resultState(run) === 'completed') return true;
        for (const [step, undoers] of Object.entries(UNDONE_BY)) {
          for (const call of activityCalls(run, step).filter(mayHaveApplied)) {
            const undone = run.calls.some((c) => (undoers as readonly string[]).includes(c.activity) && c.index > call.index);
            if (!undone)
              return `${step} (call ${call.call}) may have applied and nothing undid it; the order ended ${resultState(run) ?? run.outcome.status}`;
          }
        }
        return true;
      },
    },
    {
      // Shipping needs an approval, and nothing is shipped once the order has been undone.
      name: 'ships-only-when-approved',
      check: (run: InterleavingRun) => {
        const shipment = activityCalls(run, 'createShipment')[0];
        const state = resultState(run);
        if (!shipment) return state !== 'completed' || 'completed without creating a shipment';
        if (!run.sent.includes('approve')) return 'created a shipment although no approve signal was sent';
        const undo = run.calls.find((c) => c.activity === 'cancelOrder' && c.index < shipment.index);
        if (undo) return 'created a shipment after the order was undone (cancelOrder ran first)';
        const approval =
          run.outcome.status === 'completed' ? (run.outcome.result as { approval?: { decision?: string } }).approval?.decision : undefined;
        return approval === undefined || approval === 'approved' || `created a shipment although the order's approval is ${approval}`;
      },
    },
  ],
});
