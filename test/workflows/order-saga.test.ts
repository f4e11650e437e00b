import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { type OrderDetails, orderSagaWorkflowId, type SagaFailureDetails, TASK_QUEUES } from '../../workflows/types';
import { activityCalls, activitySequence } from '../support/history';
import { uniqueId, useTimeSkippingWorld } from '../support/time-skipping';

const world = useTimeSkippingWorld();

interface Shop {
  order: OrderDetails;
  sku: string;
}

/** A fresh SKU with 5 in stock, a customer with $100 of credit, and an order for 2 of the SKU at $30. */
async function setUp(overrides: Partial<OrderDetails> = {}): Promise<Shop> {
  const sku = uniqueId('sku');
  const customerId = uniqueId('cust');
  await world.store.setStock({ sku, available: 5 });
  await world.store.openCustomer({ customerId, credit: 10_000 });
  const order: OrderDetails = {
    orderId: uniqueId('order'),
    customerId,
    items: [{ sku, quantity: 2 }],
    amount: 3_000,
    address: { name: 'Grace Hopper', line1: '1 Navy Way', city: 'Arlington', country: 'US' },
    ...overrides,
  };
  return { order, sku };
}

function start(order: OrderDetails) {
  return world.client.workflow.start('orderSaga', {
    taskQueue: TASK_QUEUES.orders,
    workflowId: orderSagaWorkflowId(order.orderId),
    args: [order],
  });
}

async function sagaFailure(result: Promise<unknown>): Promise<{ failure: ApplicationFailure; details: SagaFailureDetails }> {
  const error = await result.then(
    () => expect.fail('the saga was expected to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
  expect(failure.type).toBe('OrderFailed');
  return { failure, details: failure.details?.[0] as SagaFailureDetails };
}

/** The business error at the bottom of the saga's failure: the original cause. */
function originalCause(failure: ApplicationFailure): ApplicationFailure | undefined {
  return (failure.cause as ApplicationFailure | undefined)?.cause as ApplicationFailure | undefined;
}

async function holdings(shop: Shop) {
  const audit = await world.store.audit();
  return {
    available: audit.stock.find((s) => s.sku === shop.sku)?.available,
    credit: audit.customers.find((c) => c.customerId === shop.order.customerId)?.credit,
    reservations: audit.reservations.filter((r) => r.orderId === shop.order.orderId).map((r) => r.status),
    payments: audit.payments.filter((p) => p.orderId === shop.order.orderId).map((p) => p.status),
    shipments: audit.shipments.filter((s) => s.orderId === shop.order.orderId).map((s) => s.status),
  };
}

describe('orderSaga', () => {
  it('reserves, charges and ships, with no compensation', async () => {
    const shop = await setUp();
    const handle = await start(shop.order);

    const result = await handle.result();

    expect(result.orderId).toBe(shop.order.orderId);
    expect(result.trackingNumber).toMatch(/\S/);
    expect(await activitySequence(handle)).toEqual(['reserveInventory', 'chargePayment', 'createShipment']);
    expect(await holdings(shop)).toEqual({
      available: 3,
      credit: 7_000,
      reservations: ['reserved'],
      payments: ['charged'],
      shipments: ['created'],
    });
  });

  it('fails at reserveInventory (out of stock) and releases only the inventory step', async () => {
    const shop = await setUp();
    shop.order.items = [{ sku: shop.sku, quantity: 6 }];
    const handle = await start(shop.order);

    const { details, failure } = await sagaFailure(handle.result());

    expect(originalCause(failure)?.type).toBe('OutOfStockError');
    expect(details).toEqual({
      orderId: shop.order.orderId,
      failedStep: 'reserveInventory',
      compensated: ['releaseInventory'],
      compensationFailures: [],
    });
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['reserveInventory', 1, 'failed'],
      ['releaseInventory', 1, 'completed'],
    ]);
    expect(await holdings(shop)).toEqual({ available: 5, credit: 10_000, reservations: [], payments: [], shipments: [] });
  });

  it('fails at chargePayment (declined, not retried) and compensates in reverse: refund, then release', async () => {
    const shop = await setUp({ amount: 50_000 });
    const handle = await start(shop.order);

    const { details, failure } = await sagaFailure(handle.result());

    expect(originalCause(failure)?.type).toBe('PaymentDeclined');
    expect(details.failedStep).toBe('chargePayment');
    expect(details.compensated).toEqual(['refundPayment', 'releaseInventory']);
    expect((await activityCalls(handle)).map((c) => [c.activity, c.attempt, c.outcome])).toEqual([
      ['reserveInventory', 1, 'completed'],
      ['chargePayment', 1, 'failed'],
      ['refundPayment', 1, 'completed'],
      ['releaseInventory', 1, 'completed'],
    ]);
    expect(await holdings(shop)).toEqual({ available: 5, credit: 10_000, reservations: ['released'], payments: [], shipments: [] });
  });

  it('fails at createShipment (invalid address) and compensates all three in reverse order', async () => {
    const shop = await setUp({ address: { name: 'Nobody', line1: '1 Nowhere', city: 'Atlantis', country: 'XX' } });
    const handle = await start(shop.order);

    const { details, failure } = await sagaFailure(handle.result());

    expect(originalCause(failure)?.type).toBe('InvalidAddressError');
    expect(failure.message).toContain('failed at createShipment');
    expect(details.compensated).toEqual(['cancelShipment', 'refundPayment', 'releaseInventory']);
    expect(await activitySequence(handle)).toEqual([
      'reserveInventory',
      'chargePayment',
      'createShipment',
      'cancelShipment',
      'refundPayment',
      'releaseInventory',
    ]);
    expect(await holdings(shop)).toEqual({
      available: 5,
      credit: 10_000,
      reservations: ['released'],
      payments: ['refunded'],
      shipments: [],
    });
  });

  it('still releases the inventory when the refund compensation fails, and fails with the original cause', async () => {
    const shop = await setUp({ address: { name: 'Nobody', line1: '1 Nowhere', city: 'Atlantis', country: 'XX' } });
    await world.store.addFault({ operation: 'refundPayment', effect: 'fail', match: { orderId: shop.order.orderId } });
    const handle = await start(shop.order);

    const { details, failure } = await sagaFailure(handle.result());

    expect(originalCause(failure)?.type).toBe('InvalidAddressError');
    expect(failure.message).toContain('compensation failed for refundPayment');
    expect(details.compensated).toEqual(['cancelShipment', 'releaseInventory']);
    expect(details.compensationFailures.map((f) => f.step)).toEqual(['refundPayment']);
    expect(await holdings(shop)).toEqual({
      available: 5,
      credit: 7_000,
      reservations: ['released'],
      payments: ['charged'],
      shipments: [],
    });
  });
});
