import { operationsSchema } from '../idempotency';

/** The store's tables. `seq` columns hold the seq of the operation that created the row (audit order). */
export const storeSchema = `
create table if not exists stock (
  sku text primary key,
  available bigint not null check (available >= 0)
);
create table if not exists customers (
  customer_id text primary key,
  credit bigint not null check (credit >= 0)
);
create table if not exists reservations (
  reservation_id text primary key,
  seq bigint not null,
  order_id text not null,
  items json not null,
  status text not null check (status in ('reserved', 'released'))
);
create index if not exists reservations_by_order on reservations (order_id);
create table if not exists payments (
  payment_id text primary key,
  seq bigint not null,
  order_id text not null,
  customer_id text not null,
  amount bigint not null check (amount > 0),
  status text not null check (status in ('charged', 'refunded'))
);
create index if not exists payments_by_order on payments (order_id);
create table if not exists shipments (
  shipment_id text primary key,
  seq bigint not null,
  order_id text not null,
  tracking_number text not null,
  address json not null,
  status text not null check (status in ('created', 'cancelled'))
);
create index if not exists shipments_by_order on shipments (order_id);
-- An order step that was undone (compensated): nothing of that kind may be applied to the order any more.
create table if not exists closed_order_steps (
  order_id text not null,
  step text not null check (step in ('inventory', 'payment', 'shipment')),
  primary key (order_id, step)
);
${operationsSchema}`;
