/**
 * The order saga under every ordering of its answers and of a cancellation request: each step may succeed, fail
 * with its business error or never answer, each compensation may succeed or fail, and the workflow may be cancelled
 * before, during or after any step and during the compensations. A call never answered may have applied (its answer may only have been lost).
 */
import { defineInterleavings, type InterleavingRun } from 'tempest/interleave';
import { activityCalls, mayHaveApplied } from './properties';
import { orderRequest } from './order-request';

/** Each step and the compensation that undoes it. */
const COMPENSATION = { reserveInventory: 'releaseInventory', chargePayment: 'refundPayment', createShipment: 'cancelShipment' } as const;
/** The order compensations run in: the reverse of the steps. */
const COMPENSATIONS: readonly string[] = Object.values(COMPENSATION).reverse();

export default defineInterleavings({
  name: 'order-saga-cancelled',
  description: 'a cancellation request at every point relative to reserve, charge, ship and the compensations',
  workflowType: 'orderSaga',
  args: (workflowId) => [orderRequest(workflowId)],
  activities: {
    reserveInventory: { returns: 'reservation-1', fails: [{ type: 'OutOfStockError' }] },
    chargePayment: { returns: 'payment-1', fails: [{ type: 'PaymentDeclined' }] },
    createShipment: { returns: { shipmentId: 'shipment-1', trackingNumber: 'TRACK-1' }, fails: [{ type: 'InvalidAddressError' }] },
    // A compensation may fail too: the saga logs it and still runs the others.
    releaseInventory: { returns: true, fails: [{ type: 'StoreUnavailable' }] },
    refundPayment: { returns: true, fails: [{ type: 'StoreUnavailable' }] },
    cancelShipment: { returns: true, fails: [{ type: 'StoreUnavailable' }] },
  },
  events: [{ cancel: true }],
  properties: [
    {
      // Unless the saga completed, every step that may have applied is compensated by a call made after it.
      name: 'every-applied-step-compensated',
      check: (run: InterleavingRun) => {
        if (run.outcome.status === 'completed') return true;
        for (const [step, compensation] of Object.entries(COMPENSATION)) {
          for (const call of activityCalls(run, step).filter(mayHaveApplied)) {
            if (!run.calls.some((c) => c.activity === compensation && c.index > call.index)) {
              return `${step} ${call.answer ? 'completed' : 'was never answered (it may have applied)'} and ${compensation} was never called; the saga ended ${run.outcome.status}`;
            }
          }
        }
        return true;
      },
    },
    {
      // Compensations run in reverse order of the steps, and none runs when the saga completed.
      name: 'compensates-in-reverse',
      check: (run: InterleavingRun) => {
        const ran = run.calls.filter((c) => COMPENSATIONS.includes(c.activity)).map((c) => c.activity);
        if (run.outcome.status === 'completed') return ran.length === 0 || `completed, yet compensated: ${ran.join(', ')}`;
        const expected = COMPENSATIONS.filter((c) => ran.includes(c));
        return ran.join(',') === expected.join(',') || `compensated in the order ${ran.join(', ')}; expected ${expected.join(', ')}`;
      },
    },
  ],
});
