/**
 * Planning a chaos run (pure): scenario + seed -> every operation the workload will start (with its input and
 * intent), every fault (resolved target, start and heal time), and the data to seed the services with.
 * The same scenario and seed always give the same plan; the run id only namespaces the ids.
 */
import type { OrderDetails, OrderRequest, TransferDetails } from '../../workflows/types.ts';
import { orderSagaWorkflowId, orderWorkflowId, transferWorkflowId } from '../../workflows/types.ts';
import { Random } from './random.ts';
import { durationMs, type FaultAction, type Scenario, timingWindow } from './scenario.ts';

export type Intent = 'valid' | 'invalid-account' | 'insufficient-funds' | 'invalid-address' | 'approve' | 'reject' | 'cancel';

export type PlannedOperation =
  | { id: string; kind: 'transfer'; intent: Intent; workflowId: string; startAtMs: number; input: TransferDetails }
  | { id: string; kind: 'saga'; intent: Intent; workflowId: string; startAtMs: number; input: OrderDetails }
  | { id: string; kind: 'order'; intent: Intent; workflowId: string; startAtMs: number; input: OrderRequest };

/** A fault with its target resolved ('worker' becomes a particular worker) and its times fixed. */
export interface PlannedFault {
  id: string;
  action: FaultAction;
  atMs: number;
  /** When the harness heals it; undefined for a deploy, which is permanent. */
  healAtMs?: number;
}

export interface Seeding {
  accounts: { accountId: string; balance: number }[];
  stock: { sku: string; available: number }[];
  customers: { customerId: string; credit: number }[];
}

export interface Plan {
  scenario: string;
  seed: number;
  runId: string;
  seeding: Seeding;
  operations: PlannedOperation[];
  faults: PlannedFault[];
  /** Every fault is healed by then; the settle bound counts from here. */
  faultPhaseEndsMs: number;
}

const ACCOUNTS = 8;
const OPENING_BALANCE = 10_000;
const SKUS = 3;
const CUSTOMERS = 4;
const ADDRESS = { name: 'Chaos Monkey', line1: '1 Fault Line', city: 'Berlin', country: 'DE' };
/** The store does not ship to XX: a saga with this address fails at its last step and must compensate everything. */
const UNSHIPPABLE = { ...ADDRESS, country: 'XX' };

function resolveAction(action: FaultAction, workers: number, random: Random): FaultAction {
  if ((action.kind === 'kill' || action.kind === 'pause') && action.process === 'worker') {
    return { ...action, process: `worker-${random.int(1, workers)}` };
  }
  return action;
}

export function planScenario(scenario: Scenario, seed: number, runId: string): Plan {
  const random = new Random(seed);
  const id = (name: string): string => `${runId}-${name}`;
  const seeding: Seeding = {
    accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({ accountId: id(`acct${i}`), balance: OPENING_BALANCE })),
    stock: Array.from({ length: SKUS }, (_, i) => ({ sku: id(`sku${i}`), available: 10_000 })),
    customers: Array.from({ length: CUSTOMERS }, (_, i) => ({ customerId: id(`cust${i}`), credit: 10_000_000 })),
  };
  const { workload } = scenario;
  const spreadMs = workload.spreadOver === undefined ? 0 : durationMs(workload.spreadOver, 'workload.spreadOver');
  const startAt = (): number => (spreadMs === 0 ? 0 : random.int(0, spreadMs));
  const operations: PlannedOperation[] = [];

  const accounts = seeding.accounts.map((a) => a.accountId);
  for (let i = 0; i < (workload.transfers ?? 0); i++) {
    const roll = random.next();
    const intent: Intent = roll < (workload.mix?.invalidAccount ?? 0)
      ? 'invalid-account'
      : roll < (workload.mix?.invalidAccount ?? 0) + (workload.mix?.insufficientFunds ?? 0)
        ? 'insufficient-funds'
        : 'valid';
    const sourceAccount = random.pick(accounts);
    const targetAccount = intent === 'invalid-account' ? id('ghost') : random.pick(accounts.filter((a) => a !== sourceAccount));
    const amount = intent === 'insufficient-funds' ? OPENING_BALANCE * ACCOUNTS + 1 : random.int(1, 2_000);
    const referenceId = id(`t${i}`);
    operations.push({ id: `t${i}`, kind: 'transfer', intent, workflowId: transferWorkflowId(referenceId), startAtMs: startAt(), input: { sourceAccount, targetAccount, amount, referenceId } });
  }

  const order = (name: string): OrderDetails => {
    const skus = seeding.stock.map((s) => s.sku);
    const lines = random.int(1, 2);
    const chosen = Array.from(new Set(Array.from({ length: lines }, () => random.pick(skus))));
    return {
      orderId: id(name),
      customerId: random.pick(seeding.customers).customerId,
      items: chosen.map((sku) => ({ sku, quantity: random.int(1, 3) })),
      amount: random.int(100, 5_000),
      address: ADDRESS,
    };
  };
  for (let i = 0; i < (workload.sagas ?? 0); i++) {
    const fails = random.chance(workload.mix?.sagaFailure ?? 0);
    const input = { ...order(`s${i}`), ...(fails ? { address: UNSHIPPABLE } : {}) };
    operations.push({ id: `s${i}`, kind: 'saga', intent: fails ? 'invalid-address' : 'valid', workflowId: orderSagaWorkflowId(input.orderId), startAtMs: startAt(), input });
  }
  for (let i = 0; i < (workload.orders ?? 0); i++) {
    const input = order(`o${i}`);
    const roll = random.next();
    const cancel = workload.mix?.cancel ?? 0;
    const intent: Intent = roll < cancel ? 'cancel' : roll < cancel + (1 - cancel) * 0.2 ? 'reject' : 'approve';
    operations.push({ id: `o${i}`, kind: 'order', intent, workflowId: orderWorkflowId(input.orderId), startAtMs: startAt(), input });
  }
  operations.sort((a, b) => a.startAtMs - b.startAtMs || a.id.localeCompare(b.id));

  const faults: PlannedFault[] = scenario.faults.map((fault, i) => {
    const [atLow, atHigh] = timingWindow(fault.at, `faults[${i}].at`);
    const atMs = random.int(atLow, atHigh);
    const action = resolveAction(fault.action, scenario.workers, random);
    if (action.kind === 'deploy') return { id: `f${i}`, action, atMs };
    const lasting = fault.for === undefined ? undefined : timingWindow(fault.for, `faults[${i}].for`);
    return { id: `f${i}`, action, atMs, healAtMs: lasting ? atMs + random.int(lasting[0], lasting[1]) : undefined };
  });
  const lastTimed = Math.max(spreadMs, ...faults.map((f) => f.healAtMs ?? f.atMs));
  // A fault without a duration lasts until the fault phase ends: a second after everything else.
  const faultPhaseEndsMs = faults.some((f) => f.healAtMs === undefined && f.action.kind !== 'deploy') ? lastTimed + 1000 : lastTimed;
  for (const fault of faults) if (fault.healAtMs === undefined && fault.action.kind !== 'deploy') fault.healAtMs = faultPhaseEndsMs;

  return { scenario: scenario.name, seed, runId, seeding, operations, faults, faultPhaseEndsMs };
}
