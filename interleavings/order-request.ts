/** The order both packaged order workflows are explored with, its id the run's workflow id. */
import type { OrderRequest } from '../workflows/types';

export const orderRequest = (orderId: string): OrderRequest => ({
  orderId,
  customerId: 'ada',
  items: [{ sku: 'tee', quantity: 1 }],
  amount: 2_000,
  address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
});
