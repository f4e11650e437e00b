import type { Transaction } from '../db';
import { ServiceError } from '../errors';
import { requireTotalWithin } from '../validate';
import type { LineItem, StockLevel, StockRequest, StoreAudit } from './api';

/** Stock and reservations. */

export async function setStock(tx: Transaction, request: StockRequest): Promise<StockLevel> {
  // Setting stock is the only way a SKU's total (available plus reserved) changes, so checking here keeps every
  // quantity and the audit's stockTotals within 2^53 - 1.
  const reserved = await tx.query<{ quantity: string }>(
    `select coalesce(sum((item->>'quantity')::bigint), 0)::text as quantity
     from reservations, json_array_elements(items) as item
     where status = 'reserved' and item->>'sku' = $1`,
    [request.sku],
  );
  requireTotalWithin(
    (reserved.rows[0] as { quantity: string }).quantity,
    request.available,
    'available',
    `the total of sku '${request.sku}' (available plus reserved)`,
  );
  await tx.query('insert into stock (sku, available) values ($1, $2) on conflict (sku) do update set available = excluded.available', [
    request.sku,
    request.available,
  ]);
  return { sku: request.sku, available: request.available };
}

/** Takes every item from stock, or none: OutOfStockError naming each SKU that is short or unknown. */
export async function reserveItems(
  tx: Transaction,
  reservation: { reservationId: string; seq: number; orderId: string; items: LineItem[] },
): Promise<void> {
  const needed = quantitiesBySku(reservation.items);
  const shortages: string[] = [];
  for (const [sku, quantity] of needed) {
    const rows = await tx.query<{ available: number }>('select available from stock where sku = $1', [sku]);
    const available = rows.rows[0]?.available;
    if (available === undefined) shortages.push(`sku '${sku}' is unknown`);
    else if (available < quantity) shortages.push(`sku '${sku}' has ${available} available, the order needs ${quantity}`);
  }
  if (shortages.length > 0) throw new ServiceError('OutOfStockError', `out of stock: ${shortages.join('; ')}`);
  for (const [sku, quantity] of needed) {
    await tx.query('update stock set available = available - $2 where sku = $1', [sku, quantity]);
  }
  await tx.query(`insert into reservations (reservation_id, seq, order_id, items, status) values ($1, $2, $3, $4::json, 'reserved')`, [
    reservation.reservationId,
    reservation.seq,
    reservation.orderId,
    JSON.stringify(reservation.items),
  ]);
}

/** Puts back every active reservation of the order; false when there was none. */
export async function releaseReservations(tx: Transaction, orderId: string): Promise<boolean> {
  const released = await tx.query<{ items: LineItem[] }>(
    `update reservations set status = 'released' where order_id = $1 and status = 'reserved' returning items`,
    [orderId],
  );
  const returned = quantitiesBySku(released.rows.flatMap((row) => row.items));
  for (const [sku, quantity] of returned) {
    await tx.query('update stock set available = available + $2 where sku = $1', [sku, quantity]);
  }
  return released.rows.length > 0;
}

export async function inventoryAudit(tx: Transaction): Promise<Pick<StoreAudit, 'stock' | 'reservations' | 'stockTotals'>> {
  const stock = await tx.query<StockLevel>('select sku, available from stock order by sku');
  const reservations = await tx.query<StoreAudit['reservations'][number]>(
    `select reservation_id as "reservationId", order_id as "orderId", items, status from reservations order by seq`,
  );
  const reserved = quantitiesBySku(
    reservations.rows.filter((reservation) => reservation.status === 'reserved').flatMap((reservation) => reservation.items),
  );
  const stockTotals = stock.rows.map(({ sku, available }) => ({ sku, available: available + (reserved.get(sku) ?? 0) }));
  return { stock: stock.rows, reservations: reservations.rows, stockTotals };
}

function quantitiesBySku(items: LineItem[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return quantities;
}
