import type { Transaction } from '../db';
import { ServiceError } from '../errors';

/** The three kinds of thing an order holds; undoing one closes it for the order. */
export type OrderStep = 'inventory' | 'payment' | 'shipment';

const CLOSED_BECAUSE: Record<OrderStep, string> = {
  inventory: 'its inventory was released; it cannot reserve again',
  payment: 'its payment was refunded; it cannot be charged again',
  shipment: 'its shipment was cancelled; it cannot ship again',
};

export async function assertStepOpen(tx: Transaction, orderId: string, step: OrderStep): Promise<void> {
  const closed = await tx.query('select 1 from closed_order_steps where order_id = $1 and step = $2', [orderId, step]);
  if (closed.rows.length > 0) {
    throw new ServiceError('OrderClosedError', `order '${orderId}' is closed for ${step}: ${CLOSED_BECAUSE[step]}`);
  }
}

export async function closeStep(tx: Transaction, orderId: string, step: OrderStep): Promise<void> {
  await tx.query('insert into closed_order_steps (order_id, step) values ($1, $2) on conflict do nothing', [orderId, step]);
}
