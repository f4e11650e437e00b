import { ApplicationFailure, CancellationScope, log, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { asFailure, causeOf } from './failures';
import type { CompensationStep, OrderDetails, OrderSagaResult, OrderStep, SagaFailureDetails } from './types';

/** Business errors of the store: retrying cannot change the answer. */
export const ORDER_RETRY_POLICY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 6,
  nonRetryableErrorTypes: ['OutOfStockError', 'PaymentDeclined', 'InvalidAddressError'],
} satisfies RetryPolicy;

const { reserveInventory, chargePayment, createShipment, releaseInventory, refundPayment, cancelShipment } = proxyActivities<Activities>({
  startToCloseTimeout: '5 seconds',
  retry: ORDER_RETRY_POLICY,
});

interface Compensation {
  step: CompensationStep;
  run: () => Promise<unknown>;
}

/**
 * Reserve inventory, charge the payment, create the shipment. On any failure, run the compensations recorded
 * so far in reverse order (cancel shipment, refund payment, release inventory) and fail with the original cause.
 *
 * Each step's compensation is recorded *before* the step runs: a step that timed out may still have applied,
 * so it must be undone too. Compensations are idempotent and do nothing when their step never applied.
 * A failed compensation is logged and the others still run.
 */
export async function orderSaga(order: OrderDetails): Promise<OrderSagaResult> {
  const compensations: Compensation[] = [];
  let step: OrderStep = 'reserveInventory';
  try {
    compensations.unshift({ step: 'releaseInventory', run: () => releaseInventory(order.orderId) });
    const reservationId = await reserveInventory(order);

    step = 'chargePayment';
    compensations.unshift({ step: 'refundPayment', run: () => refundPayment(order.orderId) });
    const paymentId = await chargePayment(order);

    step = 'createShipment';
    compensations.unshift({ step: 'cancelShipment', run: () => cancelShipment(order.orderId) });
    const { shipmentId, trackingNumber } = await createShipment(order);

    return { orderId: order.orderId, reservationId, paymentId, shipmentId, trackingNumber };
  } catch (error) {
    const outcome = await compensate(compensations);
    const details: SagaFailureDetails = { orderId: order.orderId, failedStep: step, ...outcome };
    const undone =
      outcome.compensationFailures.length === 0
        ? 'everything was undone'
        : `compensation failed for ${outcome.compensationFailures.map((f) => f.step).join(', ')}`;
    throw ApplicationFailure.create({
      type: 'OrderFailed',
      message: `Order ${order.orderId} failed at ${step}: ${causeOf(error)}; ${undone}.`,
      nonRetryable: true,
      details: [details],
      cause: asFailure(error),
    });
  }
}

async function compensate(compensations: Compensation[]): Promise<Pick<SagaFailureDetails, 'compensated' | 'compensationFailures'>> {
  const compensated: CompensationStep[] = [];
  const compensationFailures: SagaFailureDetails['compensationFailures'] = [];
  // Compensations must run even when the workflow itself is being cancelled.
  await CancellationScope.nonCancellable(async () => {
    for (const { step, run } of compensations) {
      try {
        await run();
        compensated.push(step);
      } catch (error) {
        log.error('compensation failed; continuing with the others', { step, error: causeOf(error) });
        compensationFailures.push({ step, message: causeOf(error) });
      }
    }
  });
  return { compensated, compensationFailures };
}
