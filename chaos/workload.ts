/**
 * The bank-and-store workload for chaos scenarios (pure): a seeded mix of money transfers, order sagas and orders
 * with an approval step that can reach every way each workflow ends, plus the accounts, stock and customers to seed
 * the services with. A scenario's `workload` gives the counts and the mix; each operation's `intent` says which
 * ending it aims at, and `branch` names the ending it reached, for the report.
 *
 * - moneyTransfer: completed (`valid`), DepositFailed (`invalid-account`: the target does not exist),
 *   WithdrawalFailed (`insufficient-funds`), InvalidTransferError (`invalid-transfer`: to its own source account).
 *   RefundFailed is not planned: the refund retries until the bank answers, and the bank never refuses it.
 * - orderSaga: completed (`valid`), or OrderFailed at each step, compensating what it did: at the reservation
 *   (`out-of-stock`), the charge (`payment-declined`) or the shipment (`invalid-address`).
 * - order: completed (`approve`), rejected (`reject`), rejected automatically once its approval timed out
 *   (`auto-reject`, with a short `approvalTimeout`), cancelled (`cancel`), or OrderFailed before it waits for an
 *   approval (`out-of-stock`).
 */
import { check } from 'tempest';
import {
  describeOutcome,
  type OperationSpec,
  type PlanContext,
  type PlannedOperation,
  type OperationOutcome,
  type WorkloadSpec,
} from 'tempest/chaos';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import type { OrderDetails, OrderRequest, OrderStatus, TransferDetails } from '../workflows/types';
import { orderSagaWorkflowId, orderWorkflowId, TASK_QUEUES, transferWorkflowId } from '../workflows/types';

/** What a scenario's workload says, beyond concurrency and spreadOver. */
export interface BankStoreParams {
  /** Money transfers to run. */
  transfers: number;
  /** orderSaga executions. */
  sagas: number;
  /** order executions (approval step): each is approved, rejected or cancelled by signal, or left to time out. */
  orders: number;
  /** The fractions of each kind of operation that aim at each ending (the rest aim at completing). */
  mix: Mix;
}

export interface Mix {
  /** Transfers to an unknown account (DepositFailed, the money returned). */
  invalidAccount: number;
  /** Transfers larger than any balance (WithdrawalFailed). */
  insufficientFunds: number;
  /** Transfers to their own source account (InvalidTransferError). */
  invalidTransfer: number;
  /** Sagas to an address the store does not ship to: they fail at the shipment and compensate everything. */
  sagaFailure: number;
  /** Sagas for more stock than there is: they fail at the reservation. */
  outOfStock: number;
  /** Sagas for more than the customer's credit: they fail at the charge and release the reservation. */
  paymentDeclined: number;
  /** Orders cancelled while they wait for their approval. */
  cancel: number;
  /** Orders nobody decides: their approval times out after AUTO_REJECT_AFTER and they are rejected automatically. */
  autoReject: number;
  /** Orders for more stock than there is: they fail before they wait for an approval. */
  orderFailure: number;
}

/** What the services are seeded with before the workload. */
export interface Seeding {
  accounts: { accountId: string; balance: number }[];
  stock: { sku: string; available: number }[];
  customers: { customerId: string; credit: number }[];
}

/** What each operation means to do: how a checker knows which ending is right. */
export type Intent =
  | 'valid'
  | 'invalid-account'
  | 'insufficient-funds'
  | 'invalid-transfer'
  | 'invalid-address'
  | 'out-of-stock'
  | 'payment-declined'
  | 'approve'
  | 'reject'
  | 'auto-reject'
  | 'cancel';

const ACCOUNTS = 8;
const OPENING_BALANCE = 10_000;
const SKUS = 3;
const STOCK = 10_000;
const CUSTOMERS = 4;
const CREDIT = 10_000_000;
/** How long an order nobody decides waits for its approval: short, so that the run sees it rejected automatically. */
export const AUTO_REJECT_AFTER = '2 seconds';
/** More operations than this in one run would not finish in any sensible time. */
const MAX_OPERATIONS = 5_000;
const ADDRESS = { name: 'Chaos Monkey', line1: '1 Fault Line', city: 'Berlin', country: 'DE' };
/** The store does not ship to XX: a saga with this address fails at its last step and must compensate everything. */
const UNSHIPPABLE = { ...ADDRESS, country: 'XX' };
const MIX_FIELDS = [
  'invalidAccount',
  'insufficientFunds',
  'invalidTransfer',
  'sagaFailure',
  'outOfStock',
  'paymentDeclined',
  'cancel',
  'autoReject',
  'orderFailure',
] as const;

function params(fields: Record<string, unknown>): BankStoreParams {
  for (const key of Object.keys(fields))
    check(
      ['transfers', 'sagas', 'orders', 'mix'].includes(key),
      key,
      'not a workload field (known: transfers, sagas, orders, mix, concurrency, spreadOver)',
    );
  const count = (key: 'transfers' | 'sagas' | 'orders'): number => {
    const value = fields[key] ?? 0;
    check(Number.isSafeInteger(value) && (value as number) >= 0, key, `expected a whole number, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const [transfers, sagas, orders] = [count('transfers'), count('sagas'), count('orders')];
  check(transfers + sagas + orders > 0, 'transfers', 'runs nothing: give transfers, sagas or orders');
  check(
    transfers + sagas + orders <= MAX_OPERATIONS,
    'transfers',
    `${transfers + sagas + orders} operations; a run takes at most ${MAX_OPERATIONS}`,
  );
  const given = (fields.mix ?? {}) as Record<string, unknown>;
  check(typeof given === 'object' && given !== null, 'mix', `expected fractions of ${MIX_FIELDS.join(', ')}`);
  const mix: Mix = {
    invalidAccount: 0,
    insufficientFunds: 0,
    invalidTransfer: 0,
    sagaFailure: 0,
    outOfStock: 0,
    paymentDeclined: 0,
    cancel: 0,
    autoReject: 0,
    orderFailure: 0,
  };
  for (const [key, value] of Object.entries(given)) {
    check((MIX_FIELDS as readonly string[]).includes(key), `mix.${key}`, `expected ${MIX_FIELDS.join(', ')}`);
    check(
      typeof value === 'number' && value >= 0 && value <= 1,
      `mix.${key}`,
      `expected a fraction from 0 to 1, got ${JSON.stringify(value)}`,
    );
    mix[key as keyof Mix] = value;
  }
  const atMostOne = (...keys: (keyof Mix)[]): void =>
    check(keys.reduce((sum, key) => sum + mix[key], 0) <= 1, 'mix', `${keys.join(' + ')} exceed 1`);
  atMostOne('invalidAccount', 'insufficientFunds', 'invalidTransfer');
  atMostOne('sagaFailure', 'outOfStock', 'paymentDeclined');
  atMostOne('cancel', 'autoReject', 'orderFailure');
  return { transfers, sagas, orders, mix };
}

function plan({ params: p, random, id }: PlanContext<BankStoreParams>): { operations: OperationSpec[]; setup: Seeding } {
  const seeding: Seeding = {
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({ accountId: id(`acct${i}`), balance: OPENING_BALANCE })),
    stock: Array.from({ length: SKUS }, (_, i) => ({ sku: id(`sku${i}`), available: STOCK })),
    customers: Array.from({ length: CUSTOMERS }, (_, i) => ({ customerId: id(`cust${i}`), credit: CREDIT })),
  };
  const accounts = seeding.accounts.map((a) => a.accountId);
  // Each operation's intent and arguments are drawn in turn; every intent is then made sure of (cover), and only
  // then are the operations built, so that a plan is the same whichever intents the draws missed.
  const transfers: Drawn<TransferDetails>[] = [];
  for (let i = 0; i < p.transfers; i++) {
    const intent = pick(
      random.next(),
      [
        [p.mix.invalidAccount, 'invalid-account'],
        [p.mix.insufficientFunds, 'insufficient-funds'],
        [p.mix.invalidTransfer, 'invalid-transfer'],
      ],
      'valid',
    );
    const sourceAccount = random.pick(accounts);
    const targetAccount =
      intent === 'invalid-account'
        ? id('ghost')
        : intent === 'invalid-transfer'
          ? sourceAccount
          : random.pick(accounts.filter((a) => a !== sourceAccount));
    const amount = intent === 'insufficient-funds' ? OPENING_BALANCE * ACCOUNTS + 1 : random.int(1, 2_000);
    transfers.push({ intent, details: { sourceAccount, targetAccount, amount, referenceId: id(`t${i}`) } });
  }

  const order = (name: string): OrderDetails => {
    const skus = seeding.stock.map((s) => s.sku);
    const chosen = Array.from(new Set(Array.from({ length: random.int(1, 2) }, () => random.pick(skus))));
    return {
      orderId: id(name),
      customerId: random.pick(seeding.customers).customerId,
      items: chosen.map((sku) => ({ sku, quantity: random.int(1, 3) })),
      amount: random.int(100, 5_000),
      address: ADDRESS,
    };
  };
  const sagas: Drawn<OrderDetails>[] = [];
  for (let i = 0; i < p.sagas; i++) {
    const intent = pick(
      random.next(),
      [
        [p.mix.sagaFailure, 'invalid-address'],
        [p.mix.outOfStock, 'out-of-stock'],
        [p.mix.paymentDeclined, 'payment-declined'],
      ],
      'valid',
    );
    sagas.push({ intent, details: order(`s${i}`) });
  }
  const orders: Drawn<OrderDetails>[] = [];
  // One in five of the orders someone decides is rejected.
  const decided = 1 - p.mix.cancel - p.mix.autoReject - p.mix.orderFailure;
  for (let i = 0; i < p.orders; i++) {
    const details = order(`o${i}`);
    const intent = pick(
      random.next(),
      [
        [p.mix.cancel, 'cancel'],
        [p.mix.autoReject, 'auto-reject'],
        [p.mix.orderFailure, 'out-of-stock'],
        [decided * 0.2, 'reject'],
      ],
      'approve',
    );
    orders.push({ intent, details });
  }
  cover(
    transfers,
    [
      [p.mix.invalidAccount, 'invalid-account'],
      [p.mix.insufficientFunds, 'insufficient-funds'],
      [p.mix.invalidTransfer, 'invalid-transfer'],
    ],
    'valid',
    ['valid'],
  );
  cover(
    sagas,
    [
      [p.mix.sagaFailure, 'invalid-address'],
      [p.mix.outOfStock, 'out-of-stock'],
      [p.mix.paymentDeclined, 'payment-declined'],
    ],
    'valid',
  );
  cover(
    orders,
    [
      [p.mix.cancel, 'cancel'],
      [p.mix.autoReject, 'auto-reject'],
      [p.mix.orderFailure, 'out-of-stock'],
      [decided * 0.2, 'reject'],
    ],
    'approve',
  );

  const operations: OperationSpec[] = [
    ...transfers.map(({ intent, details }, i): OperationSpec => {
      // A transfer drawn valid and aimed elsewhere by cover gets what its intent needs, with no further draw.
      const aimed: TransferDetails =
        intent === 'invalid-account'
          ? { ...details, targetAccount: id('ghost') }
          : intent === 'insufficient-funds'
            ? { ...details, amount: OPENING_BALANCE * ACCOUNTS + 1 }
            : intent === 'invalid-transfer'
              ? { ...details, targetAccount: details.sourceAccount }
              : details;
      return {
        id: `t${i}`,
        kind: 'transfer',
        intent,
        workflowType: 'moneyTransfer',
        workflowId: transferWorkflowId(aimed.referenceId),
        taskQueue: TASK_QUEUES.moneyTransfer,
        args: [aimed],
      };
    }),
    ...sagas.map(({ intent, details }, i): OperationSpec => {
      const aimed = failing(details, intent);
      return {
        id: `s${i}`,
        kind: 'saga',
        intent,
        workflowType: 'orderSaga',
        workflowId: orderSagaWorkflowId(aimed.orderId),
        taskQueue: TASK_QUEUES.orders,
        args: [aimed],
      };
    }),
    ...orders.map(({ intent, details }, i) => orderOperation(`o${i}`, intent, details)),
  ];
  return { operations, setup: seeding };
}

/** An operation's intent, and its arguments as drawn. */
interface Drawn<Details> {
  intent: Intent;
  details: Details;
}

/**
 * Every intent with a share gets at least one operation: the draws may miss one in a small run, and a run should
 * reach every ending it was asked for. The last operation of the intent drawn most often gives way to a missing
 * one, as long as that leaves one of its own (and one of the default, when the default has a share of its own);
 * `donors` limits which intents may give way (a transfer's arguments depend on the intent it was drawn with). A
 * plan whose draws missed nothing is left as it was drawn.
 */
function cover<Details>(drawn: Drawn<Details>[], shares: readonly [number, Intent][], otherwise: Intent, donors?: readonly Intent[]): void {
  const defaultHasShare = shares.reduce((sum, [share]) => sum + share, 0) < 1;
  const count = (intent: Intent): number => drawn.filter((d) => d.intent === intent).length;
  const candidates = [otherwise, ...shares.map(([, intent]) => intent)].filter((intent) => !donors || donors.includes(intent));
  for (const [share, intent] of shares) {
    if (share === 0 || count(intent) > 0) continue;
    const spare = (donor: Intent): number => count(donor) - (donor !== otherwise || defaultHasShare ? 1 : 0);
    const donor = candidates.filter((c) => spare(c) > 0).sort((a, b) => spare(b) - spare(a))[0];
    if (!donor) return;
    drawn.findLast((d) => d.intent === donor)!.intent = intent;
  }
}

/** The order as its intent makes it fail: an address the store does not ship to, more stock than it has, more than any credit. */
function failing(details: OrderDetails, intent: Intent): OrderDetails {
  return intent === 'invalid-address'
    ? { ...details, address: UNSHIPPABLE }
    : intent === 'out-of-stock'
      ? { ...details, items: [{ sku: details.items[0]!.sku, quantity: STOCK + 1 }] }
      : intent === 'payment-declined'
        ? { ...details, amount: CREDIT + 1 }
        : details;
}

/**
 * An order and the decision its intent takes: a signal once it waits for approval (approve, reject, cancel); none
 * for one left to time out (with a short approval timeout) or one that fails before it waits (out of stock).
 */
function orderOperation(id: string, intent: Intent, planned: OrderDetails): OperationSpec {
  const details: OrderRequest = intent === 'auto-reject' ? { ...planned, approvalTimeout: AUTO_REJECT_AFTER } : failing(planned, intent);
  const operation = {
    id,
    kind: 'order',
    intent,
    workflowType: 'order',
    workflowId: orderWorkflowId(details.orderId),
    taskQueue: TASK_QUEUES.orders,
    args: [details],
  };
  if (intent === 'auto-reject' || intent === 'out-of-stock') return operation;
  const signal = { cancel: 'cancelOrder', reject: 'reject', approve: 'approve' }[intent as 'cancel' | 'reject' | 'approve'];
  return {
    ...operation,
    // Decide once the order waits for approval; an order that went past that point (it failed) is left alone.
    steps: [
      {
        signal,
        args: ['chaos workload'],
        name: intent,
        waitFor: {
          query: 'getStatus',
          until: (status) => !['received', 'reserving'].includes((status as OrderStatus).state),
          onlyIf: (status) => (status as OrderStatus).state === 'awaiting-approval',
        },
      },
    ],
  };
}

/** The first intent whose share of [0, 1) holds `roll`, in order; `otherwise` past them all. */
function pick(roll: number, shares: readonly [number, Intent][], otherwise: Intent): Intent {
  let upTo = 0;
  for (const [share, intent] of shares) {
    upTo += share;
    if (roll < upTo) return intent;
  }
  return otherwise;
}

/**
 * The ending an operation reached, for the report: its workflow's status and failure type, and for an order the
 * state it completed in and who decided ('completed (rejected, auto-rejected)').
 */
export function branch(op: Pick<PlannedOperation, 'kind'>, outcome: OperationOutcome): string {
  const status = outcome.result as OrderStatus | undefined;
  if (op.kind !== 'order' || outcome.status !== 'completed' || !status?.state) return describeOutcome(outcome);
  return status.approval && status.state !== 'cancelled'
    ? `completed (${status.state}, ${status.approval.decision})`
    : `completed (${status.state})`;
}

async function prepare({ parts, setup }: { parts: Record<string, { url: string }>; setup: Seeding }): Promise<void> {
  const bank = new BankClient({ baseUrl: parts.bank!.url });
  const store = new StoreClient({ baseUrl: parts.store!.url });
  await Promise.all([
    ...setup.accounts.map((account) => bank.openAccount(account)),
    ...setup.stock.map((stock) => store.setStock(stock)),
    ...setup.customers.map((customer) => store.openCustomer(customer)),
  ]);
}

export const bankStoreWorkload: WorkloadSpec<BankStoreParams, Seeding> = { params, plan, prepare, branch };
