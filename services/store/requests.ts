import type { JsonObject } from '../validate';
import {
  optionalString,
  requireArray,
  requireBodyObject,
  requireCents,
  requireCount,
  requireId,
  requireNonNegativeCents,
  requireObject,
  requireTotalWithin,
} from '../validate';
import type {
  Address,
  ChargeRequest,
  LineItem,
  OpenCustomerRequest,
  OrderStepRequest,
  ReserveRequest,
  ShipmentRequest,
  StockRequest,
} from './api';

/** Parsing of the store's request bodies into exactly the fields each operation uses (others are ignored). */

export function parseStock(input: unknown): StockRequest {
  const body = requireBodyObject(input);
  return { sku: requireId(body.sku, 'sku'), available: requireCount(body.available, 'available', { min: 0 }) };
}

export function parseOpenCustomer(input: unknown): OpenCustomerRequest {
  const body = requireBodyObject(input);
  return { customerId: requireId(body.customerId, 'customerId'), credit: requireNonNegativeCents(body.credit, 'credit') };
}

export function parseReserve(input: unknown): ReserveRequest {
  const body = requireBodyObject(input);
  const orderId = requireId(body.orderId, 'orderId');
  const items = requireArray(body.items, 'items', { nonEmpty: true }).map(parseLineItem);
  // A SKU listed twice counts once with both quantities; the sum must stay exact too.
  const totals = new Map<string, number>();
  items.forEach(({ sku, quantity }, index) => {
    const total = totals.get(sku) ?? 0;
    requireTotalWithin(total, quantity, `items[${index}].quantity`, `the order's quantity of sku '${sku}'`);
    totals.set(sku, total + quantity);
  });
  return { orderId, items, idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey') };
}

function parseLineItem(value: unknown, index: number): LineItem {
  const item = requireObject(value, `items[${index}]`);
  return {
    sku: requireId(item.sku, `items[${index}].sku`),
    quantity: requireCount(item.quantity, `items[${index}].quantity`, { min: 1 }),
  };
}

export function parseCharge(input: unknown): ChargeRequest {
  const body = requireBodyObject(input);
  return {
    orderId: requireId(body.orderId, 'orderId'),
    customerId: requireId(body.customerId, 'customerId'),
    amount: requireCents(body.amount, 'amount'),
    idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey'),
  };
}

export function parseShipment(input: unknown): ShipmentRequest {
  const body = requireBodyObject(input);
  return {
    orderId: requireId(body.orderId, 'orderId'),
    address: parseAddress(requireObject(body.address, 'address')),
    idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey'),
  };
}

/** Only the types are checked here; a missing part or an unknown country is the store's InvalidAddressError. */
function parseAddress(address: JsonObject): Address {
  const part = (field: keyof Address) => optionalString(address[field], `address.${field}`) ?? '';
  return { name: part('name'), line1: part('line1'), city: part('city'), country: part('country') };
}

export function parseOrderStep(input: unknown): OrderStepRequest {
  const body = requireBodyObject(input);
  return {
    orderId: requireId(body.orderId, 'orderId'),
    idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey'),
  };
}
