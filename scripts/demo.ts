/**
 * `npm run demo`: the packaged examples on the embedded default, through tempest's public API. Starts the project's
 * system locally (the pinned dev server with its Web UI, the bank and store, workers), runs money transfers and
 * orders through every interesting path, and prints what happened, the services' audit, and where the Web UI was.
 *
 *   node --import ./scripts/register.mjs scripts/demo.ts [--json] [--keep-running] [--data-dir <dir>]
 *
 * Exit 0 when every outcome is as expected and money is conserved, 1 when not, 2 on a usage or start error,
 * 130 on Ctrl-C. Its temporary state is removed on every exit path (unless --data-dir names where to keep it).
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { loadProject } from 'tempest';
import { loadSystem } from 'tempest/chaos';
import { type LocalSystem, runLocalSystem } from 'tempest/testing';
import type { BankAudit } from '../services/bank/api';
import { BankClient } from '../services/bank/client';
import type { StoreAudit } from '../services/store/api';
import { StoreClient } from '../services/store/client';
import { approveSignal } from '../workflows/order';
import {
  type OrderDetails,
  orderSagaWorkflowId,
  orderWorkflowId,
  TASK_QUEUES,
  type TransferDetails,
  transferWorkflowId,
} from '../workflows/types';
import { formatCents, whenAwaitingApproval } from './orders';

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

function options(): { json: boolean; keepRunning: boolean; dataDir?: string } {
  try {
    const { values } = parseArgs({
      options: { json: { type: 'boolean' }, 'keep-running': { type: 'boolean' }, 'data-dir': { type: 'string' } },
    });
    return { json: values.json ?? false, keepRunning: values['keep-running'] ?? false, dataDir: values['data-dir'] };
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message} (usage: [--json] [--keep-running] [--data-dir <dir>])\n`);
    process.exit(2);
  }
}

const flags = options();
const say = (line = ''): void => {
  if (!flags.json) process.stdout.write(`${line}\n`);
};
const interrupted = new AbortController();
// Every in-flight client call listens on it.
setMaxListeners(0, interrupted.signal);
let interruptedAt = 0;
const onSignal = (): void => {
  // One Ctrl-C can arrive twice at once (the terminal's, and the one npm run passes on): only a later one is a second.
  if (interrupted.signal.aborted) {
    if (Date.now() - interruptedAt < 1000) return;
    process.exit(130);
  }
  interruptedAt = Date.now();
  process.stderr.write('\ndemo: stopping (press Ctrl-C again to exit at once)\n');
  interrupted.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// What `tempest up` does (runLocalSystem): the system up, its addresses said, then the demo's own workflows, up
// until Ctrl-C with --keep-running, and nothing left behind.
try {
  const project = await loadProject();
  const system = await loadSystem(project);
  process.exitCode = await runLocalSystem({
    system,
    projectRoot: project.root,
    dataDir: flags.dataDir,
    ui: true,
    stateDir: path.join(project.outDir, 'demo'),
    log: say,
    signal: interrupted.signal,
    use: runDemo,
    keepRunning: flags.keepRunning,
  });
  if (!flags.keepRunning) say('Add --keep-running to keep the servers up and explore the Web UI.');
} catch (error) {
  process.exitCode = interrupted.signal.aborted ? 130 : 2;
  if (!interrupted.signal.aborted) process.stderr.write(`demo: ${(error as Error).message.split('\n')[0]}\n`);
}

async function runDemo({ client, parts, temporal }: LocalSystem): Promise<number> {
  const run = Date.now().toString(36);
  const bank = new BankClient({ baseUrl: parts.bank!.url });
  const store = new StoreClient({ baseUrl: parts.store!.url });
  await Promise.all([
    ...Object.entries(ACCOUNTS).map(([accountId, balance]) => bank.openAccount({ accountId, balance })),
    ...Object.entries(STOCK).map(([sku, available]) => store.setStock({ sku, available })),
    ...Object.entries(CUSTOMERS).map(([customerId, credit]) => store.openCustomer({ customerId, credit })),
  ]);
  say('Running workflows ...');

  const transfer = (scenario: string, expected: Outcome, details: TransferDetails): Promise<RunOutcome> => {
    const workflowId = transferWorkflowId(details.referenceId);
    return outcomeOf({ workflow: 'moneyTransfer', workflowId, scenario, expected }, async () => {
      const result = await client.workflow.execute('moneyTransfer', { taskQueue: TASK_QUEUES.moneyTransfer, workflowId, args: [details] });
      return `withdrawal ${result.withdrawalId}, deposit ${result.depositId}`;
    });
  };
  const saga = (scenario: string, expected: Outcome, details: OrderDetails): Promise<RunOutcome> => {
    const workflowId = orderSagaWorkflowId(details.orderId);
    return outcomeOf({ workflow: 'orderSaga', workflowId, scenario, expected }, async () => {
      const result = await client.workflow.execute('orderSaga', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] });
      return `reservation ${result.reservationId}, payment ${result.paymentId}, shipment ${result.shipmentId} (tracking ${result.trackingNumber})`;
    });
  };
  const order = (id: string): OrderDetails => ({
    orderId: `${id}-${run}`,
    customerId: 'cust-ada',
    items: [
      { sku: 'tempest-tee', quantity: 2 },
      { sku: 'tempest-mug', quantity: 1 },
    ],
    amount: 4_500,
    address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
  });

  // The deposit of this transfer fails twice at the bank (a 503), then succeeds on the third attempt.
  await bank.addFault({ operation: 'deposit', effect: 'fail', count: 2, match: { referenceId: `flaky-${run}` } });
  // Every client call is cancelled on Ctrl-C, so none is left retrying on a closed connection.
  const outcomes = await client.connection.withAbortSignal(interrupted.signal, () =>
    Promise.all([
      transfer('a transfer completes', 'completed', {
        sourceAccount: 'alice',
        targetAccount: 'bob',
        amount: 12_500,
        referenceId: `ok-${run}`,
      }),
      transfer('unknown target: the deposit is refused and the money refunded', 'failed', {
        sourceAccount: 'alice',
        targetAccount: 'mallory',
        amount: 5_000,
        referenceId: `refund-${run}`,
      }),
      transfer('insufficient funds: nothing moves, no retry', 'failed', {
        sourceAccount: 'carol',
        targetAccount: 'alice',
        amount: 10_000,
        referenceId: `poor-${run}`,
      }),
      transfer('the deposit fails twice (503), is retried, and completes', 'completed', {
        sourceAccount: 'bob',
        targetAccount: 'carol',
        amount: 3_000,
        referenceId: `flaky-${run}`,
      }),
      saga('an order saga reserves, charges and ships', 'completed', order('saga-ok')),
      saga('payment declined: the saga refunds and releases in reverse', 'failed', { ...order('saga-declined'), customerId: 'cust-bo' }),
      approvedOrder(client, order('approved')),
    ]),
  );

  const [bankAudit, storeAudit] = await Promise.all([bank.audit(), store.audit()]);
  const opening = Object.values(ACCOUNTS).reduce((a, b) => a + b, 0);
  const summary = {
    temporal: { address: temporal.address, webUi: temporal.uiUrl },
    parts,
    outcomes: outcomes.map((o) => ({ ...o, webUi: `${temporal.uiUrl}/namespaces/default/workflows/${o.workflowId}` })),
    audit: { bank: bankAudit, store: storeAudit },
    moneyConserved: bankAudit.totalBalance === opening,
    allAsExpected: outcomes.every((o) => o.outcome === o.expected),
  };
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(outcomes, bankAudit, storeAudit, opening, temporal.uiUrl ?? '');
  if (summary.moneyConserved && summary.allAsExpected) return 0;
  say('\nThe demo did not go as expected (see above).');
  return 1;
}

/** Run the order workflow, show its status while it waits for approval, approve it, and wait for the end. */
function approvedOrder(client: Client, details: OrderDetails): Promise<RunOutcome> {
  const workflowId = orderWorkflowId(details.orderId);
  return outcomeOf(
    { workflow: 'order', workflowId, scenario: 'an order waits for approval, is approved and ships', expected: 'completed' },
    async () => {
      const handle = await client.workflow.start('order', { taskQueue: TASK_QUEUES.orders, workflowId, args: [details] });
      const status = await whenAwaitingApproval(handle, { timeoutMs: 30_000 });
      if (status.state === 'awaiting-approval') {
        say(`  ${workflowId}: getStatus says '${status.state}'; sending approve`);
        await handle.signal(approveSignal, 'demo-operator');
      }
      const final = await handle.result();
      return `state ${final.state}, tracking ${final.trackingNumber}`;
    },
  );
}

async function outcomeOf(run: Omit<RunOutcome, 'outcome' | 'detail'>, execute: () => Promise<string>): Promise<RunOutcome> {
  try {
    return { ...run, outcome: 'completed', detail: await execute() };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return { ...run, outcome: 'failed', detail: error.cause?.message ?? error.message };
  }
}

function printSummary(outcomes: RunOutcome[], bank: BankAudit, store: StoreAudit, opening: number, uiUrl: string): void {
  say('\nResults');
  for (const o of outcomes) {
    const verdict = o.outcome === o.expected ? 'as expected' : `UNEXPECTED (expected ${o.expected})`;
    say(`  ${o.workflow.padEnd(13)} ${o.scenario}`);
    say(`  ${' '.repeat(13)} ${o.outcome}, ${verdict}: ${o.detail}`);
  }
  say('\nBank audit');
  for (const account of bank.accounts) say(`  ${account.accountId.padEnd(8)} ${formatCents(account.balance).padStart(12)}`);
  say(
    `  total    ${formatCents(bank.totalBalance).padStart(12)}  (opened with ${formatCents(opening)}: ${bank.totalBalance === opening ? 'money conserved' : 'MONEY NOT CONSERVED'})`,
  );
  say(
    `  ${bank.operations.length} operations applied, each idempotency key once: ${new Set(bank.operations.map((o) => o.idempotencyKey)).size === bank.operations.length}`,
  );
  say('\nStore audit');
  for (const s of store.stock) say(`  ${s.sku.padEnd(12)} ${String(s.available).padStart(3)} available`);
  for (const c of store.customers) say(`  ${c.customerId.padEnd(12)} ${formatCents(c.credit).padStart(12)} credit`);
  say(`  payments: ${store.payments.map((p) => `${p.orderId} ${formatCents(p.amount)} ${p.status}`).join('; ') || 'none'}`);
  say(`  shipments: ${store.shipments.map((s) => `${s.orderId} ${s.status}`).join('; ') || 'none'}`);
  say(`\nTemporal Web UI: ${uiUrl}/namespaces/default/workflows`);
}
