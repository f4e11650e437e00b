/**
 * `tempest demo`: the main job on the embedded default. Starts the local stack (dev server with Web UI, bank and
 * store services, workers), runs money transfers and orders through every interesting path, and prints what
 * happened, the services' audit, and where to look in the Web UI.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { startStack } from '../../harness/stack.ts';
import { bundleWorkflows, installQuietRuntime, NativeConnection, packagedActivities, WorkerGroup } from '../../harness/worker.ts';
import { BankClient } from '../../../services/bank/client.ts';
import type { BankAudit } from '../../../services/bank/api.ts';
import { StoreClient } from '../../../services/store/client.ts';
import type { StoreAudit } from '../../../services/store/api.ts';
import { whenAwaitingApproval } from '../../harness/orders.ts';
import { approveSignal } from '../../../workflows/order.ts';
import {
  type OrderDetails,
  orderSagaWorkflowId,
  orderWorkflowId,
  TASK_QUEUES,
  type TransferDetails,
  transferWorkflowId,
} from '../../../workflows/types.ts';
import { EXIT, HarnessError, Interrupted } from '../errors.ts';
import { interruptSignal, unlessInterrupted, whenAborted } from '../interrupt.ts';
import { formatCents } from '../format.ts';

interface DemoOptions {
  json?: boolean;
  keepRunning?: boolean;
  dataDir?: string;
}

type Outcome = 'completed' | 'failed';

interface RunOutcome {
  workflow: string;
  workflowId: string;
  scenario: string;
  expected: Outcome;
  outcome: Outcome;
  detail: string;
}

const ACCOUNTS = { alice: 100_000, bob: 50_000, carol: 2_500 } as const;
const STOCK = { 'tempest-tee': 10, 'tempest-mug': 5 } as const;
const CUSTOMERS = { 'cust-ada': 20_000, 'cust-bo': 1_000 } as const;

export async function runDemo(options: DemoOptions): Promise<void> {
  const interrupted = interruptSignal();
  const say = (line: string): void => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  installQuietRuntime();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tempest-demo-'));
  const run = Date.now().toString(36);

  say(`Starting the local stack (state in ${dataDir}) ...`);
  const starting = startStack({ dataDir, ui: true });
  const stack = await unlessInterrupted(interrupted, starting).catch(async (error: unknown) => {
    if (error instanceof Interrupted) {
      await starting.then((s) => s.stop(), () => undefined);
      throw error;
    }
    throw new HarnessError(`could not start the local stack: ${error instanceof Error ? error.message : String(error)}`);
  });
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  let workers: WorkerGroup | undefined;
  try {
    connection = await Connection.connect({ address: stack.temporal.address });
    nativeConnection = await NativeConnection.connect({ address: stack.temporal.address });
    say(`  Temporal dev server ${stack.temporal.address}, Web UI ${stack.temporal.uiUrl}`);
    say(`  bank service ${stack.bank.url}, store service ${stack.store.url}`);
    const bank = new BankClient({ baseUrl: stack.bank.url });
    const store = new StoreClient({ baseUrl: stack.store.url });
    await seed(bank, store);

    workers = await WorkerGroup.create({
      connection: nativeConnection,
      workflowBundle: await bundleWorkflows(),
      activities: packagedActivities({ bankUrl: stack.bank.url, storeUrl: stack.store.url }),
    });
    void workers.start();
    const client = new Client({ connection });
    say('Running workflows ...');

    const transfer = async (scenario: string, expected: Outcome, details: TransferDetails): Promise<RunOutcome> => {
      const workflowId = transferWorkflowId(details.referenceId);
      return outcomeOf({ workflow: 'moneyTransfer', workflowId, scenario, expected }, async () => {
        const result = await client.workflow.execute('moneyTransfer', { taskQueue: TASK_QUEUES.moneyTransfer, workflowId, args: [details] });
        return `withdrawal ${result.withdrawalId}, deposit ${result.depositId}`;
      });
    };
    const saga = async (scenario: string, expected: Outcome, details: OrderDetails): Promise<RunOutcome> => {
      const workflowId = orderSagaWorkflowId(details.orderId);
      return outcomeOf({ workflow: 'orderSaga', workflowId, scenario, expected }, async () => {
        const result = await client.workflow.execute('orderSaga', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] });
        return `reservation ${result.reservationId}, payment ${result.paymentId}, shipment ${result.shipmentId} (tracking ${result.trackingNumber})`;
      });
    };
    const order = (id: string): OrderDetails => ({
      orderId: `${id}-${run}`,
      customerId: 'cust-ada',
      items: [{ sku: 'tempest-tee', quantity: 2 }, { sku: 'tempest-mug', quantity: 1 }],
      amount: 4_500,
      address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
    });

    // The deposit of this transfer fails twice at the bank (a 503), then succeeds on the third attempt.
    await bank.addFault({ operation: 'deposit', effect: 'fail', count: 2, match: { referenceId: `flaky-${run}` } });
    // Every client call made for the run is cancelled on Ctrl-C, so none is left retrying on a closed connection.
    const outcomes = await unlessInterrupted(interrupted, connection.withAbortSignal(interrupted, () => Promise.all([
      transfer('a transfer completes', 'completed', { sourceAccount: 'alice', targetAccount: 'bob', amount: 12_500, referenceId: `ok-${run}` }),
      transfer('unknown target: the deposit is refused and the money refunded', 'failed', { sourceAccount: 'alice', targetAccount: 'mallory', amount: 5_000, referenceId: `refund-${run}` }),
      transfer('insufficient funds: nothing moves, no retry', 'failed', { sourceAccount: 'carol', targetAccount: 'alice', amount: 10_000, referenceId: `poor-${run}` }),
      transfer('the deposit fails twice (503), is retried, and completes', 'completed', { sourceAccount: 'bob', targetAccount: 'carol', amount: 3_000, referenceId: `flaky-${run}` }),
      saga('an order saga reserves, charges and ships', 'completed', order('saga-ok')),
      saga('payment declined: the saga refunds and releases in reverse', 'failed', { ...order('saga-declined'), customerId: 'cust-bo' }),
      approvedOrder(client, order('approved'), say),
    ])));

    const [bankAudit, storeAudit] = await Promise.all([bank.audit(), store.audit()]);
    const summary = {
      temporal: { address: stack.temporal.address, webUi: stack.temporal.uiUrl },
      services: { bank: stack.bank.url, store: stack.store.url },
      dataDir,
      outcomes: outcomes.map((o) => ({ ...o, webUi: `${stack.temporal.uiUrl}/namespaces/default/workflows/${o.workflowId}` })),
      audit: { bank: bankAudit, store: storeAudit },
      moneyConserved: bankAudit.totalBalance === sum(Object.values(ACCOUNTS)),
      allAsExpected: outcomes.every((o) => o.outcome === o.expected),
    };
    if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else printSummary(outcomes, bankAudit, storeAudit, stack.temporal.uiUrl ?? '');
    if (!summary.moneyConserved || !summary.allAsExpected) {
      process.exitCode = EXIT.verdictFailed;
      say('\nThe demo did not go as expected (see above).');
    }

    if (options.keepRunning) {
      say(`\nServers are up: open ${stack.temporal.uiUrl} . Press Ctrl-C to stop.`);
      await whenAborted(interrupted);
    }
  } finally {
    await workers?.shutdown();
    await Promise.allSettled([connection?.close(), nativeConnection?.close()]);
    await stack.stop();
  }
}

async function seed(bank: BankClient, store: StoreClient): Promise<void> {
  await Promise.all([
    ...Object.entries(ACCOUNTS).map(([accountId, balance]) => bank.openAccount({ accountId, balance })),
    ...Object.entries(STOCK).map(([sku, available]) => store.setStock({ sku, available })),
    ...Object.entries(CUSTOMERS).map(([customerId, credit]) => store.openCustomer({ customerId, credit })),
  ]);
}

/** Run the order workflow, show its status while it waits for approval, approve it, and wait for the end. */
async function approvedOrder(client: Client, details: OrderDetails, say: (line: string) => void): Promise<RunOutcome> {
  const workflowId = orderWorkflowId(details.orderId);
  return outcomeOf({ workflow: 'order', workflowId, scenario: 'an order waits for approval, is approved and ships', expected: 'completed' }, async () => {
    const handle = await client.workflow.start('order', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] });
    const status = await whenAwaitingApproval(handle, { timeoutMs: 30_000 });
    if (status.state === 'awaiting-approval') {
      say(`  ${workflowId}: getStatus says '${status.state}'; sending approve`);
      await handle.signal(approveSignal, 'demo-operator');
    }
    const final = await handle.result();
    return `state ${final.state}, tracking ${final.trackingNumber}`;
  });
}

async function outcomeOf(run: Omit<RunOutcome, 'outcome' | 'detail'>, execute: () => Promise<string>): Promise<RunOutcome> {
  try {
    return { ...run, outcome: 'completed', detail: await execute() };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return { ...run, outcome: 'failed', detail: error.cause?.message ?? error.message };
  }
}

function printSummary(outcomes: RunOutcome[], bank: BankAudit, store: StoreAudit, uiUrl: string): void {
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out('\nResults');
  for (const o of outcomes) {
    const verdict = o.outcome === o.expected ? 'as expected' : `UNEXPECTED (expected ${o.expected})`;
    out(`  ${o.workflow.padEnd(13)} ${o.scenario}`);
    out(`  ${' '.repeat(13)} ${o.outcome}, ${verdict}: ${o.detail}`);
  }
  const opening = sum(Object.values(ACCOUNTS));
  out('\nBank audit');
  for (const account of bank.accounts) out(`  ${account.accountId.padEnd(8)} ${formatCents(account.balance).padStart(12)}`);
  out(`  total    ${formatCents(bank.totalBalance).padStart(12)}  (opened with ${formatCents(opening)}: ${bank.totalBalance === opening ? 'money conserved' : 'MONEY NOT CONSERVED'})`);
  out(`  ${bank.operations.length} operations applied, each idempotency key once: ${new Set(bank.operations.map((o) => o.idempotencyKey)).size === bank.operations.length}`);
  out('\nStore audit');
  for (const s of store.stock) out(`  ${s.sku.padEnd(12)} ${String(s.available).padStart(3)} available`);
  for (const c of store.customers) out(`  ${c.customerId.padEnd(12)} ${formatCents(c.credit).padStart(12)} credit`);
  out(`  payments: ${store.payments.map((p) => `${p.orderId} ${formatCents(p.amount)} ${p.status}`).join('; ') || 'none'}`);
  out(`  shipments: ${store.shipments.map((s) => `${s.orderId} ${s.status}`).join('; ') || 'none'}`);
  out(`\nTemporal Web UI: ${uiUrl}/namespaces/default/workflows`);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
