import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { order as orderWorkflow } from '../../workflows/order';
import { approveSignal, cancelOrderSignal, getStatusQuery, rejectSignal } from '../../workflows/order';
import { type OrderRequest, type OrderState, orderWorkflowId, TASK_QUEUES } from '../../workflows/types';
import { activityCalls, activitySequence } from '../support/history';
import { uniqueId, useTimeSkippingWorld } from '../support/time-skipping';

const world = useTimeSkippingWorld();
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Shop {
  request: OrderRequest;
  sku: string;
}

async function setUp(overrides: Partial<OrderRequest> = {}): Promise<Shop> {
  const sku = uniqueId('sku');
  const customerId = uniqueId('cust');
  await world.store.setStock({ sku, available: 4 });
  await world.store.openCustomer({ customerId, credit: 10_000 });
  const request: OrderRequest = {
    orderId: uniqueId('order'),
    customerId,
    items: [{ sku, quantity: 1 }],
    amount: 2_000,
    address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
    ...overrides,
  };
  return { request, sku };
}

function start(request: OrderRequest): Promise<WorkflowHandle<typeof orderWorkflow>> {
  return world.client.workflow.start('order', {
    taskQueue: TASK_QUEUES.orders,
    workflowId: orderWorkflowId(request.orderId),
    args: [request],
  });
}

/** Query until the order reaches `state` (time does not skip while we only query). */
async function reach(handle: WorkflowHandle<typeof orderWorkflow>, state: OrderState): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(getStatusQuery)).state === state) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect.fail(`order never reached state ${state}`);
}

async function holdings(shop: Shop) {
  const audit = await world.store.audit();
  return {
    available: audit.stock.find((s) => s.sku === shop.sku)?.available,
    credit: audit.customers.find((c) => c.customerId === shop.request.customerId)?.credit,
  };
}

describe('order', () => {
  it('reserves inventory and charges payment in parallel, then waits for approval', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');

    const calls = await activityCalls(handle);
    expect(calls.map((c) => c.activity).sort()).toEqual(['chargePayment', 'reserveInventory']);
    // Scheduled by the same workflow task: both were in flight at once.
    expect(calls[0]!.scheduledBy).toBe(calls[1]!.scheduledBy);
    const status = await handle.query(getStatusQuery);
    expect(status.reservationId).toMatch(/\S/);
    expect(status.paymentId).toMatch(/\S/);
    await handle.signal(cancelOrderSignal, 'test cleanup');
    await handle.result();
  });

  it('ships once approved and answers getStatus with the final state', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');

    await handle.signal(approveSignal, 'ops@example.com');
    const result = await handle.result();

    expect(result.state).toBe('completed');
    expect(result.approval).toEqual({ decision: 'approved', by: 'ops@example.com' });
    expect(result.trackingNumber).toMatch(/\S/);
    expect((await handle.query(getStatusQuery)).state).toBe('completed');
    expect(await holdings(shop)).toEqual({ available: 3, credit: 8_000 });
  });

  it('undoes everything and ends rejected when a reject signal arrives', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');

    await handle.signal(rejectSignal, 'fraud suspected');
    const result = await handle.result();

    expect(result.state).toBe('rejected');
    expect(result.approval).toEqual({ decision: 'rejected', reason: 'fraud suspected' });
    expect((await activitySequence(handle)).slice(2)).toEqual(['cancelOrder']);
    expect(await holdings(shop)).toEqual({ available: 4, credit: 10_000 });
  });

  it('rejects automatically after 24 hours without an answer (time skipped)', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');
    const simulatedStart = await world.env.currentTimeMs();

    const result = await handle.result();

    expect(result.state).toBe('rejected');
    expect(result.approval?.decision).toBe('auto-rejected');
    expect((await world.env.currentTimeMs()) - simulatedStart).toBeGreaterThanOrEqual(DAY);
    expect(await holdings(shop)).toEqual({ available: 4, credit: 10_000 });
  });

  it('is still awaiting approval after 23 hours, and an approval then still ships', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');

    await world.env.sleep(23 * HOUR);
    expect((await handle.query(getStatusQuery)).state).toBe('awaiting-approval');
    await handle.signal(approveSignal, 'late-approver');

    expect((await handle.result()).state).toBe('completed');
  });

  it('honours a month-long approval window: waiting at day 29, auto-rejected at day 30', async () => {
    const shop = await setUp({ approvalTimeout: '30 days' });
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');
    const simulatedStart = await world.env.currentTimeMs();

    await world.env.sleep(29 * DAY);
    expect((await handle.query(getStatusQuery)).state).toBe('awaiting-approval');
    const result = await handle.result();

    expect(result.approval?.decision).toBe('auto-rejected');
    expect((await world.env.currentTimeMs()) - simulatedStart).toBeGreaterThanOrEqual(30 * DAY);
  });

  it('runs the cancel activity and ends cancelled when cancelOrder arrives while awaiting approval', async () => {
    const shop = await setUp();
    const handle = await start(shop.request);
    await reach(handle, 'awaiting-approval');

    await handle.signal(cancelOrderSignal, 'customer changed their mind');
    const result = await handle.result();

    expect(result.state).toBe('cancelled');
    expect(result.cancelReason).toBe('customer changed their mind');
    expect((await activitySequence(handle)).slice(2)).toEqual(['cancelOrder']);
    expect(await holdings(shop)).toEqual({ available: 4, credit: 10_000 });
  });

  it('fails and refunds the parallel charge when the reservation is out of stock', async () => {
    const shop = await setUp();
    shop.request.items = [{ sku: shop.sku, quantity: 9 }];
    const handle = await start(shop.request);

    const error = await handle.result().then(
      () => expect.fail('the order was expected to fail'),
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('OrderFailed');
    expect(failure.message).toContain('everything was undone');
    expect((await activitySequence(handle)).slice(2)).toEqual(['cancelOrder']);
    expect(await holdings(shop)).toEqual({ available: 4, credit: 10_000 });
  });
});
