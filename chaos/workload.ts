/**
 * The bank-and-store workload for chaos scenarios (pure): a seeded mix of money transfers (valid, to an unknown
 * account, too large), order sagas (shipped, or failing at the last step so they must compensate) and orders with
 * an approval step (approved, rejected, cancelled), plus the accounts, stock and customers to seed the services
 * with. A scenario's `workload` gives the counts and the mix.
 */
import { check, type PlanContext, type OperationSpec, type WorkloadSpec } from 'tempest/chaos';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import type { OrderDetails, OrderStatus, TransferDetails } from '../workflows/types';
import { orderSagaWorkflowId, orderWorkflowId, TASK_QUEUES, transferWorkflowId } from '../workflows/types';

/** What a scenario's workload says, beyond concurrency and spreadOver. */
export interface BankStoreParams {
  /** Money transfers to run. */
  transfers: number;
  /** orderSaga executions. */
  sagas: number;
  /** order executions (approval step): each is approved, rejected or cancelled by signal. */
  orders: number;
  /**
   * Fractions of the transfers that are invalid (unknown account) or too large (insufficient funds), of the sagas
   * that fail (an address the store does not ship to, so they must compensate), and of orders that get cancelled.
   */
  mix: { invalidAccount: number; insufficientFunds: number; sagaFailure: number; cancel: number };
}

/** What the services are seeded with before the workload. */
export interface Seeding {
  accounts: { accountId: string; balance: number }[];
  stock: { sku: string; available: number }[];
  customers: { customerId: string; credit: number }[];
}

/** What each operation means to do: how a checker knows which ending is right. */
export type Intent = 'valid' | 'invalid-account' | 'insufficient-funds' | 'invalid-address' | 'approve' | 'reject' | 'cancel';

const ACCOUNTS = 8;
const OPENING_BALANCE = 10_000;
const SKUS = 3;
const CUSTOMERS = 4;
/** More operations than this in one run would not finish in any sensible time. */
const MAX_OPERATIONS = 5_000;
const ADDRESS = { name: 'Chaos Monkey', line1: '1 Fault Line', city: 'Berlin', country: 'DE' };
/** The store does not ship to XX: a saga with this address fails at its last step and must compensate everything. */
const UNSHIPPABLE = { ...ADDRESS, country: 'XX' };
const MIX_FIELDS = ['invalidAccount', 'insufficientFunds', 'sagaFailure', 'cancel'] as const;

function params(fields: Record<string, unknown>): BankStoreParams {
  for (const key of Object.keys(fields)) check(['transfers', 'sagas', 'orders', 'mix'].includes(key), key, 'not a workload field (known: transfers, sagas, orders, mix, concurrency, spreadOver)');
  const count = (key: 'transfers' | 'sagas' | 'orders'): number => {
    const value = fields[key] ?? 0;
    check(Number.isSafeInteger(value) && (value as number) >= 0, key, `expected a whole number, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const [transfers, sagas, orders] = [count('transfers'), count('sagas'), count('orders')];
  check(transfers + sagas + orders > 0, 'transfers', 'runs nothing: give transfers, sagas or orders');
  check(transfers + sagas + orders <= MAX_OPERATIONS, 'transfers', `${transfers + sagas + orders} operations; a run takes at most ${MAX_OPERATIONS}`);
  const given = (fields.mix ?? {}) as Record<string, unknown>;
  check(typeof given === 'object' && given !== null, 'mix', 'expected { invalidAccount, insufficientFunds, sagaFailure, cancel } fractions');
  const mix = { invalidAccount: 0, insufficientFunds: 0, sagaFailure: 0, cancel: 0 };
  for (const [key, value] of Object.entries(given)) {
    check((MIX_FIELDS as readonly string[]).includes(key), `mix.${key}`, `expected ${MIX_FIELDS.join(', ')}`);
    check(typeof value === 'number' && value >= 0 && value <= 1, `mix.${key}`, `expected a fraction from 0 to 1, got ${JSON.stringify(value)}`);
    mix[key as keyof typeof mix] = value;
  }
  check(mix.invalidAccount + mix.insufficientFunds <= 1, 'mix', 'invalidAccount + insufficientFunds exceed 1');
  return { transfers, sagas, orders, mix };
}

function plan({ params: p, random, id }: PlanContext<BankStoreParams>): { operations: OperationSpec[]; setup: Seeding } {
  const seeding: Seeding = {
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({ accountId: id(`acct${i}`), balance: OPENING_BALANCE })),
    stock: Array.from({ length: SKUS }, (_, i) => ({ sku: id(`sku${i}`), available: 10_000 })),
    customers: Array.from({ length: CUSTOMERS }, (_, i) => ({ customerId: id(`cust${i}`), credit: 10_000_000 })),
  };
  const operations: OperationSpec[] = [];
  const accounts = seeding.accounts.map((a) => a.accountId);
  for (let i = 0; i < p.transfers; i++) {
    const roll = random.next();
    const intent: Intent =
      roll < p.mix.invalidAccount ? 'invalid-account' : roll < p.mix.invalidAccount + p.mix.insufficientFunds ? 'insufficient-funds' : 'valid';
    const sourceAccount = random.pick(accounts);
    const targetAccount = intent === 'invalid-account' ? id('ghost') : random.pick(accounts.filter((a) => a !== sourceAccount));
    const amount = intent === 'insufficient-funds' ? OPENING_BALANCE * ACCOUNTS + 1 : random.int(1, 2_000);
    const details: TransferDetails = { sourceAccount, targetAccount, amount, referenceId: id(`t${i}`) };
    operations.push({ id: `t${i}`, kind: 'transfer', intent, workflowType: 'moneyTransfer', workflowId: transferWorkflowId(details.referenceId), taskQueue: TASK_QUEUES.moneyTransfer, args: [details] });
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
  for (let i = 0; i < p.sagas; i++) {
    const fails = random.chance(p.mix.sagaFailure);
    const details = { ...order(`s${i}`), ...(fails ? { address: UNSHIPPABLE } : {}) };
    operations.push({ id: `s${i}`, kind: 'saga', intent: fails ? 'invalid-address' : 'valid', workflowType: 'orderSaga', workflowId: orderSagaWorkflowId(details.orderId), taskQueue: TASK_QUEUES.orders, args: [details] });
  }
  for (let i = 0; i < p.orders; i++) {
    const details = order(`o${i}`);
    const roll = random.next();
    const intent: Intent = roll < p.mix.cancel ? 'cancel' : roll < p.mix.cancel + (1 - p.mix.cancel) * 0.2 ? 'reject' : 'approve';
    const signal = { cancel: 'cancelOrder', reject: 'reject', approve: 'approve' }[intent as 'cancel' | 'reject' | 'approve'];
    operations.push({
      id: `o${i}`,
      kind: 'order',
      intent,
      workflowType: 'order',
      workflowId: orderWorkflowId(details.orderId),
      taskQueue: TASK_QUEUES.orders,
      args: [details],
      // Decide once the order waits for approval; an order that went past that point (out of stock) is left alone.
      steps: [{
        signal,
        args: ['chaos workload'],
        name: intent,
        waitFor: {
          query: 'getStatus',
          until: (status) => !['received', 'reserving'].includes((status as OrderStatus).state),
          onlyIf: (status) => (status as OrderStatus).state === 'awaiting-approval',
        },
      }],
    });
  }
  return { operations, setup: seeding };
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

export const bankStoreWorkload: WorkloadSpec<BankStoreParams, Seeding> = { params, plan, prepare };
