/**
 * The packaged workflows' corpus: runs every branch of moneyTransfer, orderSaga and order on a fresh local stack
 * (real dev server, real services, real workers), then records their histories with the same recorder a team
 * points at its own cluster. Reproducible: `npm run corpus` (tempest histories corpus).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startStack } from '../harness/stack.ts';
import { bundleWorkflows, NativeConnection, packagedActivities, WorkerGroup } from '../harness/worker.ts';
import { BankClient } from '../../services/bank/client.ts';
import { StoreClient } from '../../services/store/client.ts';
import { PROJECT_ROOT } from '../toolchain/tools.ts';
import { whenAwaitingApproval } from '../harness/orders.ts';
import { approveSignal, cancelOrderSignal, rejectSignal } from '../../workflows/order.ts';
import { TRANSFER_RETRY_POLICY } from '../../workflows/money-transfer.ts';
import {
  type OrderDetails,
  type OrderRequest,
  orderSagaWorkflowId,
  orderWorkflowId,
  TASK_QUEUES,
  type TransferDetails,
  transferWorkflowId,
} from '../../workflows/types.ts';
import { readManifest, writeManifest } from './corpus.ts';
import { type RecordEvent, recordHistories, type RecordSummary } from './record.ts';

export const PACKAGED_WORKFLOW_TYPES = ['moneyTransfer', 'orderSaga', 'order'] as const;

type Start = (client: Client) => Promise<WorkflowHandle>;

interface Branch {
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
    start: (client) => client.workflow.start('moneyTransfer', { taskQueue: TASK_QUEUES.moneyTransfer, workflowId, args: [{ ...details, referenceId }] }),
  };
}

function order(name: string, overrides: Partial<OrderDetails> = {}): OrderDetails {
  return { orderId: `corpus-${name}`, customerId: 'corpus-ada', items: [{ sku: 'corpus-tee', quantity: 1 }], amount: 2_000, address: ADDRESS, ...overrides };
}

function saga(name: string, overrides: Partial<OrderDetails> = {}, before?: Branch['before']): Branch {
  const details = order(name, overrides);
  const workflowId = orderSagaWorkflowId(details.orderId);
  return { workflowId, before, start: (client) => client.workflow.start('orderSaga', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] }) };
}

function humanOrder(name: string, drive: Branch['drive'], overrides: Partial<OrderRequest> = {}): Branch {
  const request: OrderRequest = { ...order(`order-${name}`), ...overrides };
  const workflowId = orderWorkflowId(request.orderId);
  return { workflowId, drive, start: (client) => client.workflow.start('order', { taskQueue: TASK_QUEUES.orders, workflowId, args: [request] }) };
}

async function awaitingApproval(handle: WorkflowHandle): Promise<void> {
  const { state } = await whenAwaitingApproval(handle, { intervalMs: 50, timeoutMs: 30_000 });
  if (state !== 'awaiting-approval') throw new Error(`${handle.workflowId} ended ${state} without asking for approval`);
}

/** Every branch of the packaged workflows, each one execution. */
export const BRANCHES: readonly Branch[] = [
  transfer('completed', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-bob', amount: 1_000 }),
  transfer('refunded-unknown-target', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-ghost', amount: 500 }),
  transfer('unknown-source', { sourceAccount: 'corpus-ghost', targetAccount: 'corpus-bob', amount: 500 }),
  transfer('insufficient-funds', { sourceAccount: 'corpus-carol', targetAccount: 'corpus-alice', amount: 5_000 }),
  transfer('deposit-retried', { sourceAccount: 'corpus-bob', targetAccount: 'corpus-carol', amount: 700 }, ({ bank }) =>
    bank.addFault({ operation: 'deposit', effect: 'fail', count: 2, match: { referenceId: 'corpus-deposit-retried' } })),
  transfer('deposit-exhausted-refunded', { sourceAccount: 'corpus-bob', targetAccount: 'corpus-carol', amount: 300 }, ({ bank }) =>
    bank.addFault({ operation: 'deposit', effect: 'fail', count: TRANSFER_RETRY_POLICY.maximumAttempts, match: { referenceId: 'corpus-deposit-exhausted-refunded' } })),
  transfer('refund-failed', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-ghost', amount: 200 }, ({ bank }) =>
    bank.addFault({ operation: 'refund', effect: 'fail', match: { referenceId: 'corpus-refund-failed' } })),
  transfer('lost-deposit-response', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-bob', amount: 100 }, ({ bank }) =>
    bank.addFault({ operation: 'deposit', effect: 'fail-after-commit', count: 1, match: { referenceId: 'corpus-lost-deposit-response' } })),
  transfer('same-account', { sourceAccount: 'corpus-alice', targetAccount: 'corpus-alice', amount: 100 }),
  saga('completed'),
  saga('out-of-stock', { items: [{ sku: 'corpus-tee', quantity: 10_000 }] }),
  saga('payment-declined', { customerId: 'corpus-bo' }),
  saga('invalid-address', { address: NOWHERE }),
  saga('compensation-failed', { address: NOWHERE }, ({ store }) =>
    store.addFault({ operation: 'refundPayment', effect: 'fail', match: { orderId: 'corpus-compensation-failed' } })),
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

/** The checkout's commit, marked -dirty when the work tree has uncommitted changes. */
export function gitCodeVersion(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'workflows', 'activities'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * Run every branch on a fresh local stack and record the histories into `outDir`, replacing the packaged
 * workflows' earlier corpus (histories of other workflow types are left alone).
 */
export async function producePackagedCorpus(options: { outDir: string; onEvent?: (event: RecordEvent) => void; onProgress?: (line: string) => void }): Promise<RecordSummary> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-corpus-'));
  const stack = await startStack({ dataDir });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const nativeConnection = await NativeConnection.connect({ address: stack.temporal.address });
  let workers: WorkerGroup | undefined;
  try {
    const bank = new BankClient({ baseUrl: stack.bank.url });
    const store = new StoreClient({ baseUrl: stack.store.url });
    await Promise.all([
      bank.openAccount({ accountId: 'corpus-alice', balance: 100_000 }),
      bank.openAccount({ accountId: 'corpus-bob', balance: 50_000 }),
      bank.openAccount({ accountId: 'corpus-carol', balance: 1_000 }),
      store.setStock({ sku: 'corpus-tee', available: 100 }),
      store.openCustomer({ customerId: 'corpus-ada', credit: 100_000 }),
      store.openCustomer({ customerId: 'corpus-bo', credit: 500 }),
    ]);
    workers = await WorkerGroup.create({
      connection: nativeConnection,
      workflowBundle: await bundleWorkflows(),
      activities: packagedActivities({ bankUrl: stack.bank.url, storeUrl: stack.store.url }),
    });
    void workers.start();
    const client = new Client({ connection });
    options.onProgress?.(`running ${BRANCHES.length} executions on ${stack.temporal.address} (retries take real time: about 30 s)`);
    await Promise.all(
      BRANCHES.map(async (branch) => {
        await branch.before?.({ bank, store });
        const handle = await branch.start(client);
        await branch.drive?.(handle);
        await handle.result().catch(() => undefined); // failures are branches too
      }),
    );

    const manifest = readManifest(options.outDir);
    const packaged = new Set<string>(PACKAGED_WORKFLOW_TYPES);
    for (const entry of manifest.histories.filter((e) => packaged.has(e.workflowType))) rmSync(path.join(options.outDir, entry.file), { force: true });
    writeManifest(options.outDir, { ...manifest, histories: manifest.histories.filter((e) => !packaged.has(e.workflowType)) });

    return await recordHistories({
      cluster: { address: stack.temporal.address, namespace: 'default' },
      selection: { workflowIds: BRANCHES.map((b) => b.workflowId), limit: BRANCHES.length },
      outDir: options.outDir,
      codeVersion: gitCodeVersion(),
      stackTraces: 'redact',
      onEvent: options.onEvent,
    });
  } finally {
    await workers?.shutdown();
    await Promise.allSettled([connection.close(), nativeConnection.close()]);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
