/**
 * The benchmark workloads: which workflow, with which inputs, against which seeded accounts, stock and customers.
 * Shared by the harness driver and the raw SDK baseline, so both run exactly the same workflows with the same
 * inputs and the overhead comparison is apples to apples.
 */
import type { ServiceClients } from '../../activities/index.ts';
import type { OrderDetails, TransferDetails } from '../../workflows/types.ts';
import { orderSagaWorkflowId, transferWorkflowId } from '../../workflows/types.ts';

export type WorkloadName = 'moneyTransfer' | 'orderSaga';

export type WorkloadInput = TransferDetails | OrderDetails;

export interface WorkflowCall<Input extends WorkloadInput = WorkloadInput> {
  workflowType: WorkloadName;
  workflowId: string;
  args: [Input];
}

/** One call per (run, index): `run` makes ids unique across samples and drivers. */
export type CallFactory<Input extends WorkloadInput = WorkloadInput> = (run: string, index: number) => WorkflowCall<Input>;

export interface Workload<Input extends WorkloadInput = WorkloadInput> {
  name: WorkloadName;
  /** Seed the services (under `prefix`) with enough money, stock and credit that no bounded run runs out. */
  prepare(clients: ServiceClients, prefix: string): Promise<CallFactory<Input>>;
}

/** Enough for any bounded run: a billion dollars of cents per account and customer, a billion items of stock. */
const PLENTY_CENTS = 100_000_000_000;
const PLENTY_STOCK = 1_000_000_000;
/** Spread the load over a few accounts and customers, as real traffic would, instead of one hot row. */
const ACCOUNTS = 8;
const AMOUNT_CENTS = 1_250;

export const moneyTransferWorkload: Workload<TransferDetails> = {
  name: 'moneyTransfer',
  async prepare({ bank }, prefix) {
    const accounts = Array.from({ length: ACCOUNTS }, (_, k) => `${prefix}-acct${k}`);
    await Promise.all(accounts.map((accountId) => bank.openAccount({ accountId, balance: PLENTY_CENTS })));
    return (run, index) => {
      const details: TransferDetails = {
        sourceAccount: accounts[index % ACCOUNTS]!,
        targetAccount: accounts[(index + 1) % ACCOUNTS]!,
        amount: AMOUNT_CENTS,
        referenceId: `${prefix}-${run}-${index}`,
      };
      return { workflowType: 'moneyTransfer', workflowId: transferWorkflowId(details.referenceId), args: [details] };
    };
  },
};

export const orderSagaWorkload: Workload<OrderDetails> = {
  name: 'orderSaga',
  async prepare({ store }, prefix) {
    const sku = `${prefix}-sku`;
    const customers = Array.from({ length: ACCOUNTS }, (_, k) => `${prefix}-cust${k}`);
    await Promise.all([
      store.setStock({ sku, available: PLENTY_STOCK }),
      ...customers.map((customerId) => store.openCustomer({ customerId, credit: PLENTY_CENTS })),
    ]);
    return (run, index) => {
      const details: OrderDetails = {
        orderId: `${prefix}-${run}-${index}`,
        customerId: customers[index % ACCOUNTS]!,
        items: [{ sku, quantity: 1 }],
        amount: AMOUNT_CENTS,
        address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
      };
      return { workflowType: 'orderSaga', workflowId: orderSagaWorkflowId(details.orderId), args: [details] };
    };
  },
};

export const WORKLOADS: readonly Workload[] = [moneyTransferWorkload, orderSagaWorkload];
