import type { Transaction } from '../db';
import { ServiceError, validationError } from '../errors';
import { requireTotalWithin } from '../validate';
import type { ChargeRequest, Customer, OpenCustomerRequest, StoreAudit } from './api';

/** Customers' credit and the charges against it. */

export async function openCustomer(tx: Transaction, request: OpenCustomerRequest): Promise<Customer> {
  // Opening credit is the only new money in the store (a charge and its refund move it), so checking here keeps
  // every credit and the audit's moneyTotal within 2^53 - 1: exact JSON numbers.
  const total = await tx.query<{ total: string }>(
    `select (coalesce((select sum(credit) from customers), 0)
       + coalesce((select sum(amount) from payments where status = 'charged'), 0))::text as total`,
  );
  requireTotalWithin(
    (total.rows[0] as { total: string }).total,
    request.credit,
    'credit',
    "the store's money total (every credit plus every active charge)",
  );
  const inserted = await tx.query(
    'insert into customers (customer_id, credit) values ($1, $2) on conflict (customer_id) do nothing returning customer_id',
    [request.customerId, request.credit],
  );
  if (inserted.rows.length === 0) {
    throw validationError('customerId', `customer '${request.customerId}' already exists`);
  }
  return { customerId: request.customerId, credit: request.credit };
}

/** Takes the amount from the customer's credit: PaymentDeclined when the customer is unknown or short. */
export async function charge(tx: Transaction, payment: { paymentId: string; seq: number; request: ChargeRequest }): Promise<void> {
  const { orderId, customerId, amount } = payment.request;
  const rows = await tx.query<{ credit: number }>('select credit from customers where customer_id = $1', [customerId]);
  const credit = rows.rows[0]?.credit;
  if (credit === undefined) throw new ServiceError('PaymentDeclined', `no customer '${customerId}'`);
  if (credit < amount) {
    throw new ServiceError('PaymentDeclined', `customer '${customerId}' has ${credit} cents of credit; cannot charge ${amount}`);
  }
  await tx.query('update customers set credit = credit - $2 where customer_id = $1', [customerId, amount]);
  await tx.query(`insert into payments (payment_id, seq, order_id, customer_id, amount, status) values ($1, $2, $3, $4, $5, 'charged')`, [
    payment.paymentId,
    payment.seq,
    orderId,
    customerId,
    amount,
  ]);
}

/** Gives back every active charge of the order; false when there was none. */
export async function refundCharges(tx: Transaction, orderId: string): Promise<boolean> {
  const refunded = await tx.query<{ customer_id: string; amount: number }>(
    `update payments set status = 'refunded' where order_id = $1 and status = 'charged' returning customer_id, amount`,
    [orderId],
  );
  for (const { customer_id: customerId, amount } of refunded.rows) {
    await tx.query('update customers set credit = credit + $2 where customer_id = $1', [customerId, amount]);
  }
  return refunded.rows.length > 0;
}

export async function paymentsAudit(tx: Transaction): Promise<Pick<StoreAudit, 'customers' | 'payments' | 'moneyTotal'>> {
  const customers = await tx.query<Customer>('select customer_id as "customerId", credit from customers order by customer_id');
  const payments = await tx.query<StoreAudit['payments'][number]>(
    `select payment_id as "paymentId", order_id as "orderId", customer_id as "customerId", amount, status
     from payments order by seq`,
  );
  const credit = customers.rows.reduce((sum, customer) => sum + customer.credit, 0);
  const charged = payments.rows.reduce((sum, payment) => sum + (payment.status === 'charged' ? payment.amount : 0), 0);
  return { customers: customers.rows, payments: payments.rows, moneyTotal: credit + charged };
}
