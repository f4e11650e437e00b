import { randomUUID } from 'node:crypto';
import type { Transaction } from '../db';
import { ServiceError } from '../errors';
import { type Address, SHIPPING_COUNTRIES, type StoreAudit } from './api';

/** Shipments and the addresses they go to. */

/** Creates the shipment and returns its tracking number: InvalidAddressError when the address cannot be shipped to. */
export async function createShipment(
  tx: Transaction,
  shipment: { shipmentId: string; seq: number; orderId: string; address: Address },
): Promise<string> {
  assertShippable(shipment.address);
  const trackingNumber = `TRK${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
  await tx.query(
    `insert into shipments (shipment_id, seq, order_id, tracking_number, address, status)
     values ($1, $2, $3, $4, $5::json, 'created')`,
    [shipment.shipmentId, shipment.seq, shipment.orderId, trackingNumber, JSON.stringify(shipment.address)],
  );
  return trackingNumber;
}

/** Cancels every active shipment of the order; false when there was none. */
export async function cancelShipments(tx: Transaction, orderId: string): Promise<boolean> {
  const cancelled = await tx.query(
    `update shipments set status = 'cancelled' where order_id = $1 and status = 'created' returning shipment_id`,
    [orderId],
  );
  return cancelled.rows.length > 0;
}

export async function shipmentsAudit(tx: Transaction): Promise<StoreAudit['shipments']> {
  const shipments = await tx.query<StoreAudit['shipments'][number]>(
    `select shipment_id as "shipmentId", order_id as "orderId", tracking_number as "trackingNumber", status
     from shipments order by seq`,
  );
  return shipments.rows;
}

function assertShippable(address: Address): void {
  const missing = (['name', 'line1', 'city'] as const).filter((field) => address[field].trim() === '');
  if (missing.length > 0) {
    throw new ServiceError('InvalidAddressError', `the address lacks ${missing.join(', ')}`);
  }
  if (!(SHIPPING_COUNTRIES as readonly string[]).includes(address.country)) {
    throw new ServiceError(
      'InvalidAddressError',
      `we do not ship to country '${address.country}' (we ship to ${SHIPPING_COUNTRIES.join(', ')})`,
    );
  }
}
