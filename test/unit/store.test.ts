import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address, LineItem, StoreAudit } from '../../services/store/api';
import type { StoreClient } from '../../services/store/client';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, expectServiceError, startStore, uniqueId } from './support/services';

let service: InProcessService<StoreClient>;
let store: StoreClient;

beforeAll(async () => {
  service = await startStore();
  store = service.client;
}, SERVICE_START_TIMEOUT_MS);

afterAll(() => service?.stop());

const ADDRESS: Address = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', country: 'GB' };

/** Seeds SKUs with unique names and the given available quantities, in order. */
async function seedSkus(...quantities: number[]): Promise<string[]> {
  const skus: string[] = [];
  for (const available of quantities) {
    const sku = uniqueId('sku');
    await store.setStock({ sku, available });
    skus.push(sku);
  }
  return skus;
}

async function openCustomer(credit: number): Promise<string> {
  const customerId = uniqueId('cust');
  await store.openCustomer({ customerId, credit });
  return customerId;
}

async function available(...skus: string[]): Promise<number[]> {
  const { stock } = await store.audit();
  return skus.map((sku) => stock.find((level) => level.sku === sku)!.available);
}

async function credit(customerId: string): Promise<number> {
  const { customers } = await store.audit();
  return customers.find((customer) => customer.customerId === customerId)!.credit;
}

function key(): string {
  return uniqueId('key');
}

/** One order holding a reservation, a charge and a shipment. */
async function fullOrder() {
  const [sku] = await seedSkus(10);
  const customerId = await openCustomer(1000);
  const orderId = uniqueId('order');
  const items: LineItem[] = [{ sku: sku!, quantity: 3 }];
  await store.reserveInventory({ orderId, items, idempotencyKey: key() });
  await store.chargePayment({ orderId, customerId, amount: 400, idempotencyKey: key() });
  const shipment = await store.createShipment({ orderId, address: ADDRESS, idempotencyKey: key() });
  return { sku: sku!, customerId, orderId, shipmentId: shipment.shipmentId };
}

function statusesOf(audit: StoreAudit, orderId: string) {
  return {
    reservations: audit.reservations.filter((row) => row.orderId === orderId).map((row) => row.status),
    payments: audit.payments.filter((row) => row.orderId === orderId).map((row) => row.status),
    shipments: audit.shipments.filter((row) => row.orderId === orderId).map((row) => row.status),
  };
}

describe('seeding', () => {
  it('setStock sets the available quantity, replacing the previous one', async () => {
    const sku = uniqueId('sku');
    expect(await store.setStock({ sku, available: 5 })).toEqual({ sku, available: 5 });
    await store.setStock({ sku, available: 2 });
    expect(await available(sku)).toEqual([2]);
  });

  it('openCustomer answers the customer; an existing id is a ValidationError on customerId', async () => {
    const customerId = uniqueId('cust');
    expect(await store.openCustomer({ customerId, credit: 700 })).toEqual({ customerId, credit: 700 });
    await expectServiceError(store.openCustomer({ customerId, credit: 1 }), {
      status: 400,
      type: 'ValidationError',
      field: 'customerId',
    });
    expect(await credit(customerId)).toBe(700);
  });

  it('health answers the service name', async () => {
    expect(await store.health()).toEqual({ service: 'store', ok: true });
  });
});

describe('reserveInventory', () => {
  it('takes every item from stock and answers the reservation', async () => {
    const [apples, pears] = await seedSkus(10, 4);
    const orderId = uniqueId('order');
    const idempotencyKey = key();
    const items = [
      { sku: apples!, quantity: 3 },
      { sku: pears!, quantity: 4 },
    ];
    expect(await store.reserveInventory({ orderId, items, idempotencyKey })).toEqual({
      reservationId: expect.stringMatching(/^RSV-\d{6}$/),
      orderId,
      items,
      idempotencyKey,
      replayed: false,
    });
    expect(await available(apples!, pears!)).toEqual([7, 0]);
  });

  it('is all or nothing: one short SKU is OutOfStockError and no stock moves', async () => {
    const [plenty, scarce] = await seedSkus(10, 1);
    const error = await expectServiceError(
      store.reserveInventory({
        orderId: uniqueId('order'),
        items: [
          { sku: plenty!, quantity: 5 },
          { sku: scarce!, quantity: 2 },
        ],
        idempotencyKey: key(),
      }),
      { status: 422, type: 'OutOfStockError' },
    );
    expect(error.message).toBe(`out of stock: sku '${scarce}' has 1 available, the order needs 2`);
    expect(await available(plenty!, scarce!)).toEqual([10, 1]);
  });

  it('counts a SKU listed twice once, with both quantities', async () => {
    const [sku] = await seedSkus(5);
    await expectServiceError(
      store.reserveInventory({
        orderId: uniqueId('order'),
        items: [
          { sku: sku!, quantity: 3 },
          { sku: sku!, quantity: 3 },
        ],
        idempotencyKey: key(),
      }),
      { status: 422, type: 'OutOfStockError' },
    );
    expect(await available(sku!)).toEqual([5]);
  });

  it('an unknown SKU is OutOfStockError', async () => {
    const sku = uniqueId('ghost');
    const error = await expectServiceError(
      store.reserveInventory({ orderId: uniqueId('order'), items: [{ sku, quantity: 1 }], idempotencyKey: key() }),
      { status: 422, type: 'OutOfStockError' },
    );
    expect(error.message).toBe(`out of stock: sku '${sku}' is unknown`);
  });

  it.each([
    { problem: 'no items', items: [], field: 'items', message: 'items must not be empty' },
    {
      problem: 'a zero quantity',
      items: [{ sku: 'x', quantity: 0 }],
      field: 'items[0].quantity',
      message: 'items[0].quantity must be a positive integer, at most 9007199254740991',
    },
    {
      problem: 'an item without a SKU',
      items: [{ quantity: 1 }],
      field: 'items[0].sku',
      message: 'items[0].sku must be a non-empty string',
    },
    { problem: 'an item that is not an object', items: ['x'], field: 'items[0]', message: 'items[0] must be a JSON object' },
  ])('$problem is a ValidationError naming $field', async ({ items, field, message }) => {
    const error = await expectServiceError(
      store.reserveInventory({ orderId: uniqueId('order'), items: items as LineItem[], idempotencyKey: key() }),
      { status: 400, type: 'ValidationError', field },
    );
    expect(error.message).toBe(message);
  });
});

describe('chargePayment', () => {
  it('takes the amount from the customer’s credit and answers the payment', async () => {
    const customerId = await openCustomer(1000);
    const orderId = uniqueId('order');
    const idempotencyKey = key();
    expect(await store.chargePayment({ orderId, customerId, amount: 600, idempotencyKey })).toEqual({
      paymentId: expect.stringMatching(/^PAY-\d{6}$/),
      orderId,
      customerId,
      amount: 600,
      idempotencyKey,
      replayed: false,
    });
    expect(await credit(customerId)).toBe(400);
  });

  it('more than the credit is PaymentDeclined and takes nothing', async () => {
    const customerId = await openCustomer(100);
    const error = await expectServiceError(
      store.chargePayment({ orderId: uniqueId('order'), customerId, amount: 101, idempotencyKey: key() }),
      { status: 422, type: 'PaymentDeclined' },
    );
    expect(error.message).toBe(`customer '${customerId}' has 100 cents of credit; cannot charge 101`);
    expect(await credit(customerId)).toBe(100);
  });

  it('an unknown customer is PaymentDeclined', async () => {
    await expectServiceError(
      store.chargePayment({ orderId: uniqueId('order'), customerId: uniqueId('nobody'), amount: 1, idempotencyKey: key() }),
      { status: 422, type: 'PaymentDeclined' },
    );
  });

  it('a fractional amount is a ValidationError on amount', async () => {
    const customerId = await openCustomer(100);
    await expectServiceError(store.chargePayment({ orderId: uniqueId('order'), customerId, amount: 1.5, idempotencyKey: key() }), {
      status: 400,
      type: 'ValidationError',
      field: 'amount',
    });
    expect(await credit(customerId)).toBe(100);
  });
});

describe('createShipment', () => {
  it('answers a shipment id and a tracking number', async () => {
    const orderId = uniqueId('order');
    const idempotencyKey = key();
    expect(await store.createShipment({ orderId, address: ADDRESS, idempotencyKey })).toEqual({
      shipmentId: expect.stringMatching(/^SHP-\d{6}$/),
      trackingNumber: expect.stringMatching(/^TRK[0-9A-F]{12}$/),
      orderId,
      idempotencyKey,
      replayed: false,
    });
  });

  it.each([
    { problem: 'without a city', address: { ...ADDRESS, city: '' }, message: 'the address lacks city' },
    { problem: 'without name and line1', address: { city: 'Paris', country: 'FR' }, message: 'the address lacks name, line1' },
    {
      problem: 'in a country not shipped to',
      address: { ...ADDRESS, country: 'ZZ' },
      message: "we do not ship to country 'ZZ' (we ship to DE, FR, GB, NL, US)",
    },
  ])('an address $problem is InvalidAddressError and creates nothing', async ({ address, message }) => {
    const orderId = uniqueId('order');
    const error = await expectServiceError(store.createShipment({ orderId, address: address as Address, idempotencyKey: key() }), {
      status: 422,
      type: 'InvalidAddressError',
    });
    expect(error.message).toBe(message);
    expect(statusesOf(await store.audit(), orderId).shipments).toEqual([]);
  });

  it('an address that is not an object is a ValidationError on address; a numeric city on address.city', async () => {
    const orderId = uniqueId('order');
    await expectServiceError(store.createShipment({ orderId, address: 'London' as never, idempotencyKey: key() }), {
      status: 400,
      type: 'ValidationError',
      field: 'address',
    });
    await expectServiceError(store.createShipment({ orderId, address: { ...ADDRESS, city: 7 } as never, idempotencyKey: key() }), {
      status: 400,
      type: 'ValidationError',
      field: 'address.city',
    });
  });
});

describe('undo (compensation) closes the step for the order', () => {
  it('releaseInventory puts the items back; a late reserve for the order is OrderClosedError', async () => {
    const [sku] = await seedSkus(10);
    const orderId = uniqueId('order');
    const items = [{ sku: sku!, quantity: 4 }];
    await store.reserveInventory({ orderId, items, idempotencyKey: key() });
    const idempotencyKey = key();
    expect(await store.releaseInventory({ orderId, idempotencyKey })).toEqual({
      orderId,
      idempotencyKey,
      undone: true,
      replayed: false,
    });
    expect(await available(sku!)).toEqual([10]);
    const error = await expectServiceError(store.reserveInventory({ orderId, items, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    expect(error.message).toBe(`order '${orderId}' is closed for inventory: its inventory was released; it cannot reserve again`);
    expect(await available(sku!)).toEqual([10]);
  });

  it('refundPayment gives the credit back; a late charge for the order is OrderClosedError', async () => {
    const customerId = await openCustomer(1000);
    const orderId = uniqueId('order');
    await store.chargePayment({ orderId, customerId, amount: 300, idempotencyKey: key() });
    expect(await store.refundPayment({ orderId, idempotencyKey: key() })).toMatchObject({ undone: true, replayed: false });
    expect(await credit(customerId)).toBe(1000);
    await expectServiceError(store.chargePayment({ orderId, customerId, amount: 300, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    expect(await credit(customerId)).toBe(1000);
  });

  it('cancelShipment cancels it; a late createShipment for the order is OrderClosedError', async () => {
    const orderId = uniqueId('order');
    await store.createShipment({ orderId, address: ADDRESS, idempotencyKey: key() });
    expect(await store.cancelShipment({ orderId, idempotencyKey: key() })).toMatchObject({ undone: true });
    expect(statusesOf(await store.audit(), orderId).shipments).toEqual(['cancelled']);
    await expectServiceError(store.createShipment({ orderId, address: ADDRESS, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    expect(statusesOf(await store.audit(), orderId).shipments).toEqual(['cancelled']);
  });

  it('undoing when there is nothing to undo succeeds with undone=false and still closes', async () => {
    const [sku] = await seedSkus(10);
    const customerId = await openCustomer(1000);
    const orderId = uniqueId('order');
    expect(await store.releaseInventory({ orderId, idempotencyKey: key() })).toMatchObject({ undone: false });
    expect(await store.refundPayment({ orderId, idempotencyKey: key() })).toMatchObject({ undone: false });
    expect(await store.cancelShipment({ orderId, idempotencyKey: key() })).toMatchObject({ undone: false });
    await expectServiceError(store.reserveInventory({ orderId, items: [{ sku: sku!, quantity: 1 }], idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    await expectServiceError(store.chargePayment({ orderId, customerId, amount: 1, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    await expectServiceError(store.createShipment({ orderId, address: ADDRESS, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
    expect([await available(sku!), await credit(customerId)]).toEqual([[10], 1000]);
  });

  it('undoing a second time has nothing left to undo', async () => {
    const { orderId } = await fullOrder();
    expect(await store.releaseInventory({ orderId, idempotencyKey: key() })).toMatchObject({ undone: true });
    expect(await store.releaseInventory({ orderId, idempotencyKey: key() })).toMatchObject({ undone: false });
  });

  it('closing one step leaves the others open', async () => {
    const [sku] = await seedSkus(10);
    const customerId = await openCustomer(1000);
    const orderId = uniqueId('order');
    await store.releaseInventory({ orderId, idempotencyKey: key() });
    await store.chargePayment({ orderId, customerId, amount: 10, idempotencyKey: key() });
    await store.createShipment({ orderId, address: ADDRESS, idempotencyKey: key() });
    expect(statusesOf(await store.audit(), orderId)).toEqual({ reservations: [], payments: ['charged'], shipments: ['created'] });
    expect(await available(sku!)).toEqual([10]);
  });
});

describe('cancelOrder', () => {
  it('undoes the reservation, the charge and the shipment in one operation and closes all three', async () => {
    const { sku, customerId, orderId } = await fullOrder();
    const idempotencyKey = key();
    expect(await store.cancelOrder({ orderId, idempotencyKey })).toEqual({
      orderId,
      idempotencyKey,
      releasedInventory: true,
      refundedPayment: true,
      cancelledShipment: true,
      replayed: false,
    });
    const audit = await store.audit();
    expect(statusesOf(audit, orderId)).toEqual({ reservations: ['released'], payments: ['refunded'], shipments: ['cancelled'] });
    expect(audit.operations.filter((operation) => operation.idempotencyKey === idempotencyKey)).toEqual([
      { seq: expect.any(Number), idempotencyKey, kind: 'cancelOrder', orderId, appliedAt: expect.any(String) },
    ]);
    expect([await available(sku), await credit(customerId)]).toEqual([[10], 1000]);
    await expectServiceError(store.chargePayment({ orderId, customerId, amount: 1, idempotencyKey: key() }), {
      status: 422,
      type: 'OrderClosedError',
    });
  });

  it('on an order that holds nothing answers all false', async () => {
    const orderId = uniqueId('order');
    expect(await store.cancelOrder({ orderId, idempotencyKey: key() })).toMatchObject({
      releasedInventory: false,
      refundedPayment: false,
      cancelledShipment: false,
    });
  });

  it('answers which parts there were to undo', async () => {
    const customerId = await openCustomer(1000);
    const orderId = uniqueId('order');
    await store.chargePayment({ orderId, customerId, amount: 5, idempotencyKey: key() });
    expect(await store.cancelOrder({ orderId, idempotencyKey: key() })).toMatchObject({
      releasedInventory: false,
      refundedPayment: true,
      cancelledShipment: false,
    });
  });
});

describe('idempotency', () => {
  it('a repeated key answers the first result with replayed=true and changes nothing', async () => {
    const [sku] = await seedSkus(10);
    const request = { orderId: uniqueId('order'), items: [{ sku: sku!, quantity: 2 }], idempotencyKey: key() };
    const first = await store.reserveInventory(request);
    expect(await store.reserveInventory(request)).toEqual({ ...first, replayed: true });
    expect(await available(sku!)).toEqual([8]);
  });

  it('a reserve retried with its own key after the release still replays its first answer', async () => {
    const [sku] = await seedSkus(10);
    const request = { orderId: uniqueId('order'), items: [{ sku: sku!, quantity: 2 }], idempotencyKey: key() };
    const first = await store.reserveInventory(request);
    await store.releaseInventory({ orderId: request.orderId, idempotencyKey: key() });
    expect(await store.reserveInventory(request)).toEqual({ ...first, replayed: true });
    expect(await available(sku!)).toEqual([10]);
  });

  it('the same key with a different request is IdempotencyKeyReused (409) and changes nothing', async () => {
    const customerId = await openCustomer(1000);
    const request = { orderId: uniqueId('order'), customerId, amount: 100, idempotencyKey: key() };
    await store.chargePayment(request);
    await expectServiceError(store.chargePayment({ ...request, amount: 200 }), {
      status: 409,
      type: 'IdempotencyKeyReused',
      field: 'idempotencyKey',
    });
    expect(await credit(customerId)).toBe(900);
  });
});

describe('audit', () => {
  it('keeps moneyTotal and stockTotals constant through reserves, charges and their undoing', async () => {
    const [sku] = await seedSkus(20);
    const customerId = await openCustomer(5000);
    const before = await store.audit();
    const stockTotal = (audit: StoreAudit) => audit.stockTotals.find((level) => level.sku === sku)!.available;

    const first = uniqueId('order');
    const second = uniqueId('order');
    await store.reserveInventory({ orderId: first, items: [{ sku: sku!, quantity: 5 }], idempotencyKey: key() });
    await store.chargePayment({ orderId: first, customerId, amount: 1200, idempotencyKey: key() });
    await store.reserveInventory({ orderId: second, items: [{ sku: sku!, quantity: 7 }], idempotencyKey: key() });
    await store.chargePayment({ orderId: second, customerId, amount: 800, idempotencyKey: key() });
    const during = await store.audit();
    await store.cancelOrder({ orderId: first, idempotencyKey: key() });
    const after = await store.audit();

    expect([before.moneyTotal, during.moneyTotal, after.moneyTotal]).toEqual([before.moneyTotal, before.moneyTotal, before.moneyTotal]);
    expect([stockTotal(before), stockTotal(during), stockTotal(after)]).toEqual([20, 20, 20]);
    expect([await available(sku!), await credit(customerId)]).toEqual([[13], 4200]);
    expect(after.operations.map((operation) => operation.seq)).toEqual(after.operations.map((_, index) => index + 1));
    expect(
      after.operations
        .filter((operation) => [first, second].includes(operation.orderId))
        .map((operation) => [operation.kind, operation.orderId]),
    ).toEqual([
      ['reserveInventory', first],
      ['chargePayment', first],
      ['reserveInventory', second],
      ['chargePayment', second],
      ['cancelOrder', first],
    ]);
  });
});

describe('fault switches', () => {
  it('a rule on chargePayment for one order fails only that order’s charges, and is listed with what is left', async () => {
    const customerId = await openCustomer(1000);
    const [sku] = await seedSkus(1);
    const faulted = uniqueId('order');
    const other = uniqueId('order');
    try {
      const rule = await store.addFault({ operation: 'chargePayment', effect: 'fail', count: 1, match: { orderId: faulted } });
      await store.chargePayment({ orderId: other, customerId, amount: 10, idempotencyKey: key() });
      await store.reserveInventory({ orderId: faulted, items: [{ sku: sku!, quantity: 1 }], idempotencyKey: key() });
      await expectServiceError(store.chargePayment({ orderId: faulted, customerId, amount: 10, idempotencyKey: key() }), {
        status: 503,
        type: 'InjectedFault',
      });
      expect(await credit(customerId)).toBe(990);
      expect(await store.listFaults()).toEqual([{ ...rule, remaining: 0, fired: 1 }]);
    } finally {
      await store.clearFaults();
    }
  });

  it('a rule for an operation the store does not have is a ValidationError on operation', async () => {
    const error = await expectServiceError(store.addFault({ operation: 'withdraw', effect: 'fail' }), {
      status: 400,
      type: 'ValidationError',
      field: 'operation',
    });
    expect(error.message).toBe(
      "operation must be '*' or one of reserveInventory, releaseInventory, chargePayment, refundPayment, createShipment, cancelShipment, cancelOrder",
    );
  });
});
