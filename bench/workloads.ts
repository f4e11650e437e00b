/**
 * The packaged benchmark workloads, defined the way any team defines its own (tempest/bench): a money transfer,
 * an order saga, and an order left without approval so its 24-hour timer fires (a time-skipping test that skips a
 * day). Each seeds the services with plenty, so no bounded run runs out. tempest.config.ts points `benchmarks` here.
 */
import { defineWorkload } from 'tempest/bench';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import {
  orderSagaWorkflowId,
  type OrderDetails,
  type OrderStatus,
  orderWorkflowId,
  type TransferDetails,
  transferWorkflowId,
} from '../workflows/types';

/** Enough for any bounded run: a billion dollars of cents per account and customer, a billion items of stock. */
const PLENTY_CENTS = 100_000_000_000;
const PLENTY_STOCK = 1_000_000_000;
/** Spread the load over a few accounts and customers, as real traffic would, instead of one hot row. */
const ACCOUNTS = 8;
const AMOUNT_CENTS = 1_250;

/** Stock and customers for orders under `prefix`, and the i-th order of a run. */
async function orders(storeUrl: string, prefix: string): Promise<(run: string, index: number) => OrderDetails> {
  const store = new StoreClient({ baseUrl: storeUrl });
  const sku = `${prefix}-sku`;
  const customers = Array.from({ length: ACCOUNTS }, (_, k) => `${prefix}-cust${k}`);
  await Promise.all([
    store.setStock({ sku, available: PLENTY_STOCK }),
    ...customers.map((customerId) => store.openCustomer({ customerId, credit: PLENTY_CENTS })),
  ]);
  return (run, index) => ({
    orderId: `${prefix}-${run}-${index}`,
    customerId: customers[index % ACCOUNTS]!,
    items: [{ sku, quantity: 1 }],
    amount: AMOUNT_CENTS,
    address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
  });
}

export const moneyTransfer = defineWorkload({
  name: 'moneyTransfer',
  workflowType: 'moneyTransfer',
  async prepare({ parts, prefix }) {
    const bank = new BankClient({ baseUrl: parts.bank!.url });
    const accounts = Array.from({ length: ACCOUNTS }, (_, k) => `${prefix}-acct${k}`);
    await Promise.all(accounts.map((accountId) => bank.openAccount({ accountId, balance: PLENTY_CENTS })));
    return (run, index) => {
      const details: TransferDetails = {
        sourceAccount: accounts[index % ACCOUNTS]!,
        targetAccount: accounts[(index + 1) % ACCOUNTS]!,
        amount: AMOUNT_CENTS,
        referenceId: `${prefix}-${run}-${index}`,
      };
      return { workflowId: transferWorkflowId(details.referenceId), args: [details] };
    };
  },
  // retry-latency fails the deposit a few times, and times the workflow's own retry policy.
  retry: { activity: 'deposit' },
});

export const orderSaga = defineWorkload({
  name: 'orderSaga',
  workflowType: 'orderSaga',
  async prepare({ parts, prefix }) {
    const order = await orders(parts.store!.url, prefix);
    return (run, index) => {
      const details = order(run, index);
      return { workflowId: orderSagaWorkflowId(details.orderId), args: [details] };
    };
  },
});

/** An order nobody approves: its 24-hour approval timer fires and it is rejected and undone. Only where time skips. */
export const orderApprovalTimeout = defineWorkload({
  name: 'order-approval-timeout-24h',
  workflowType: 'order',
  suites: ['time-skipping'],
  async prepare({ parts, prefix }) {
    const order = await orders(parts.store!.url, prefix);
    return (run, index) => {
      const details = order(run, index);
      return { workflowId: orderWorkflowId(details.orderId), args: [details] };
    };
  },
  expect(result) {
    // The 24-hour timer must really have fired: anything else means time did not skip as expected.
    const status = result as OrderStatus;
    if (status.state !== 'rejected' || status.approval?.decision !== 'auto-rejected') {
      throw new Error(
        `order ${status.orderId} ended ${status.state} (${status.approval?.decision ?? 'no decision'}), expected rejected by the 24-hour timeout`,
      );
    }
  },
});

export default [moneyTransfer, orderSaga, orderApprovalTimeout];
