/**
 * Every branch of the packaged workflows, one execution each: what `npm run corpus` runs and records, and what the
 * replay tests check the committed corpus covers.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { BankClient } from '../services/bank/client';
import type { StoreClient } from '../services/store/client';
import { approveSignal, cancelOrderSignal, rejectSignal } from '../workflows/order';
import { TRANSFER_RETRY_POLICY } from '../workflows/money-transfer';
import {
  type OrderDetails,
  type OrderRequest,
  orderSagaWorkflowId,
  orderWorkflowId,
  TASK_QUEUES,
  type TransferDetails,
  transferWorkflowId,
} from '../workflows/types';
import { whenAwaitingApproval } from './orders';

export const PACKAGED_WORKFLOW_TYPES = ['moneyTransfer', 'orderSaga', 'order'] as const;

type Start = (client: Client) => Promise<WorkflowHandle>;

export interface Branch {
  workflowId: string;
  start: Start;
  /** Prepare faults before the start, or drive the workflow (signals) after it. */
  before?: (services: { bank: BankClient; store: StoreClient }) => Promise<unknown>;
  drive?: (handle: WorkflowHandle) => Promise<unknown>;
}

const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' };
const NOWHERE = { name: 'Nobody', line1: '1 Nowhere', city: 'Atlantis', country: 'XX' };

function transfer(name: string, details: Omit<TransferDetails, 'referenceId'>, before?: Branch['before']): Branch {
  const referenceId = `corpus-${name}`;
  const workflowId = transferWorkflowId(referenceId);
  return {
    workflowId,
    before,
    start: (client) =>
      client.workflow.start('moneyTransfer', { taskQueue: TASK_QUEUES.moneyTransfer, workflowId, args: [{ ...details, referenceId }] }),
  };
}

function order(name: string, overrides: Partial<OrderDetails> = {}): OrderDetails {
  return {
    orderId: `corpus-${name}`,
    customerId: 'corpus-ada',
    items: [{ sku: 'corpus-tee', quantity: 1 }],
    amount: 2_000,
    address: ADDRESS,
    ...overrides,
  };
}

function saga(name: string, overrides: Partial<OrderDetails> = {}, before?: Branch['before']): Branch {
  const details = order(name, overrides);
  const workflowId = orderSagaWorkflowId(details.orderId);
  return {
    workflowId,
    before,
    start: (client) => client.workflow.start('orderSaga', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] }),
  };
}

function humanOrder(name: string, drive: Branch['drive'], overrides: Partial<OrderRequest> = {}): Branch {
  const request: OrderRequest = { ...order(`order-${name}`), ...overrides };
  const workflowId = orderWorkflowId(request.orderId);
  return {
    workflowId,
    drive,
    start: (client) => client.workflow.start('order', { taskQueue: TASK_QUEUES.orders, workflowId, args: [request] }),
  };
}

async function awaitingApproval(handle: WorkflowHandle): Promise<void> {
  const { state } = await whenAwaitingApproval(handle, { intervalMs: 50, timeoutMs: 30_000 });
  if (state !== 'awaiting-approval') throw new Error(`${handle.workflowId} ended ${state} without asking for approval`);
}

/**
 * Histories of branches that earlier versions of the workflows had and the current one does not (a deposit or a
 * refund that gave up after the tutorial's six attempts). They stay in the corpus: executions started then must
 * still replay.
 */
export const EARLIER_BRANCHES: readonly string[] = ['transfer-corpus-deposit-exhausted-refunded', 'transfer-corpus-refund-failed'];

/** Every branch of the packaged workflows, each one execution. */
export const BRANCHES: readonly Branch[] = [
  transfer('completed', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-bob', amount: 1_000 }),
  transfer('refunded-unknown-target', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-ghost', amount: 500 }),
  transfer('unknown-source', { sourceAccount: 'corpus-ghost', targetAccount: 'corpus-bob', amount: 500 }),
  transfer('insufficient-funds', { sourceAccount: 'corpus-carol', targetAccount: 'corpus-alice', amount: 5_000 }),
  transfer('deposit-retried', { sourceAccount: 'corpus-bob', targetAccount: 'corpus-carol', amount: 700 }, ({ bank }) =>
    bank.addFault({ operation: 'deposit', effect: 'fail', count: 2, match: { referenceId: 'corpus-deposit-retried' } }),
  ),
  transfer('refund-retried', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-ghost', amount: 200 }, ({ bank }) =>
    bank.addFault({ operation: 'refund', effect: 'fail', count: 2, match: { referenceId: 'corpus-refund-retried' } }),
  ),
  // The withdraw applied but its answer was lost, then the bank failed until the withdraw's attempts ran out: the
  // refund that follows returns the money.
  transfer('withdrawal-answer-lost', { sourceAccount: 'corpus-bob', targetAccount: 'corpus-carol', amount: 400 }, ({ bank }) =>
    Promise.all([
      bank.addFault({
        operation: 'withdraw',
        effect: 'fail-after-commit',
        count: 1,
        match: { referenceId: 'corpus-withdrawal-answer-lost' },
      }),
      bank.addFault({
        operation: 'withdraw',
        effect: 'fail',
        count: TRANSFER_RETRY_POLICY.maximumAttempts - 1,
        match: { referenceId: 'corpus-withdrawal-answer-lost' },
      }),
    ]),
  ),
  transfer('lost-deposit-response', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-bob', amount: 100 }, ({ bank }) =>
    bank.addFault({ operation: 'deposit', effect: 'fail-after-commit', count: 1, match: { referenceId: 'corpus-lost-deposit-response' } }),
  ),
  transfer('same-account', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-alice', amount: 100 }),
  saga('completed'),
  saga('out-of-stock', { items: [{ sku: 'corpus-tee', quantity: 10_000 }] }),
  saga('payment-declined', { customerId: 'corpus-bo' }),
  saga('invalid-address', { address: NOWHERE }),
  saga('compensation-failed', { address: NOWHERE }, ({ store }) =>
    store.addFault({ operation: 'refundPayment', effect: 'fail', match: { orderId: 'corpus-compensation-failed' } }),
  ),
  humanOrder('approved', async (handle) => {
    await awaitingApproval(handle);
    await handle.signal(approveSignal, 'corpus-operator');
  }),
  humanOrder('rejected', async (handle) => {
    await awaitingApproval(handle);
    await handle.signal(rejectSignal, 'fraud suspected');
  }),
  humanOrder('cancelled', async (handle) => {
    await awaitingApproval(handle);
    await handle.signal(cancelOrderSignal, 'customer changed their mind');
  }),
  // The 24-hour timeout path with a short window, so the corpus records a fired approval timer in seconds.
  humanOrder('auto-rejected', undefined, { approvalTimeout: '2 seconds' }),
  humanOrder('out-of-stock', undefined, { items: [{ sku: 'corpus-tee', quantity: 10_000 }] }),
];
