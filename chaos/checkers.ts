/**
 * The bank-and-store invariants, from the services' audits, the workflows' outcomes and the operation history: money
 * is conserved, each transfer ended exactly one valid way, no idempotency key was applied twice, each saga completed
 * or was fully compensated, in reverse order of its steps, and what the client was told (ok, fail) is what the
 * services hold. tempest's built-in checkers (every workflow finished, histories replay, no workflow task failed,
 * business errors never retried, retries within policy, the client agrees with each outcome) run alongside them.
 */
import {
  appliedAtMostOnce,
  type ClientView,
  clientView,
  compensatedInReverse,
  conserved,
  defineChecker,
  describeClientView,
  describeOutcome,
  outcomeOf,
  type PlannedOperation,
  type RunObservations,
  signed,
} from 'tempest/chaos';
import type { AppliedBankOperation, BankAudit } from '../services/bank/api';
import type { StoreAudit } from '../services/store/api';
import type { OrderDetails, OrderSagaResult, OrderStatus, TransferDetails, TransferResult } from '../workflows/types';
import { branch, type Intent, type Seeding } from './workload';

/** What the system's snapshot reads: both services' audits. */
export interface Audits {
  bank: BankAudit;
  store: StoreAudit;
}

type Run = RunObservations<Audits, Seeding>;

/**
 * Money is neither created nor lost: the bank's total equals the opening total. When it does not, the evidence
 * names each transfer whose withdrawals differ from its deposits plus refunds.
 */
export function moneyEvidence(audit: Pick<BankAudit, 'totalBalance' | 'operations'>, openingTotal: number): string[] {
  if (audit.totalBalance === openingTotal) return [];
  const flows = new Map<string, { out: number; back: number }>();
  for (const op of audit.operations) {
    const flow = flows.get(op.referenceId) ?? { out: 0, back: 0 };
    if (op.kind === 'withdraw') flow.out += op.amount;
    else flow.back += op.amount;
    flows.set(op.referenceId, flow);
  }
  return [
    ...conserved({ 'total balance': { before: openingTotal, after: audit.totalBalance } }),
    ...[...flows]
      .filter(([, f]) => f.out !== f.back)
      .map(([ref, f]) => `transfer ${ref}: withdrew ${f.out}, deposited or refunded ${f.back} (${signed(f.back - f.out)})`),
  ];
}

/** One line per idempotency key applied more than once, naming the operations that applied it. */
export function keysAppliedTwice(operations: readonly Pick<AppliedBankOperation, 'idempotencyKey' | 'seq'>[]): string[] {
  return appliedAtMostOnce(
    operations,
    (op) => op.idempotencyKey,
    (op) => `operation ${op.seq}`,
  );
}

export const moneyConserved = defineChecker<Audits, Seeding>({
  name: 'money-conserved',
  description: "the bank's total balance is what it opened with",
  check: (run) => moneyEvidence(run.after.bank, run.before.bank.totalBalance),
});

const transfers = (run: Run): (PlannedOperation & { args: [TransferDetails] })[] =>
  run.plan.operations.filter((op) => op.kind === 'transfer') as (PlannedOperation & { args: [TransferDetails] })[];

/**
 * Each transfer ended exactly one valid way, and the bank's ledger agrees with how it ended: completed with
 * [withdraw, deposit] of its amount; failed at the deposit with [withdraw, refund] (money returned); failed at the
 * withdraw with the transfer closed by a refund of whatever the withdraw took ([withdraw, refund] of its amount, or
 * [refund 0]), or with nothing applied (executions started before that rule, and invalid transfers); or never started
 * (its client cut off before the start reached the server), with nothing applied. A transfer that was meant to fail
 * (unknown account, insufficient funds) never completes.
 */
export const transfersEndedValidly = defineChecker<Audits, Seeding>({
  name: 'transfers-ended-validly',
  description: 'each transfer completed, or failed with its money back at the source, and the ledger agrees',
  check: (run) =>
    transfers(run).flatMap((op) => {
      const [transfer] = op.args;
      const outcome = outcomeOf(run, op);
      const ledger = run.after.bank.operations.filter((o) => o.referenceId === transfer.referenceId);
      const kinds = ledger.map((o) => `${o.kind} ${o.amount}`).join(', ') || 'nothing';
      const amount = transfer.amount;
      const is = (...expected: string[]): boolean =>
        ledger.length === expected.length && ledger.every((o, i) => `${o.kind} ${o.amount}` === expected[i]);
      const valid =
        outcome.status === 'completed'
          ? (op.intent as Intent) === 'valid' && is(`withdraw ${amount}`, `deposit ${amount}`)
          : outcome.status === 'failed' && outcome.failureType === 'DepositFailed'
            ? is(`withdraw ${amount}`, `refund ${amount}`)
            : outcome.status === 'failed' && outcome.failureType === 'WithdrawalFailed'
              ? is() || is('refund 0') || is(`withdraw ${amount}`, `refund ${amount}`)
              : outcome.status === 'failed' && outcome.failureType === 'InvalidTransferError'
                ? is()
                : // Never started: a fault cut its client off before the start reached the server.
                  outcome.status === 'unknown'
                  ? is()
                  : false;
      return valid
        ? []
        : [
            `transfer ${op.id} (${op.workflowId}, ${op.intent}, ${amount} from ${transfer.sourceAccount} to ${transfer.targetAccount}): ended ${describeOutcome(outcome)}, the bank applied ${kinds}`,
          ];
    }),
});

/** No idempotency key was applied twice, in the bank or in the store. */
export const keysAppliedOnce = defineChecker<Audits, Seeding>({
  name: 'keys-applied-once',
  description: 'no idempotency key was applied twice, in the bank or in the store',
  check: (run) => [
    ...keysAppliedTwice(run.after.bank.operations).map((line) => `bank: ${line}`),
    ...keysAppliedTwice(run.after.store.operations).map((line) => `store: ${line}`),
  ],
});

/** What an order holds in the store: its active reservations, charges and shipments. */
function heldBy(store: StoreAudit, orderId: string): { reservations: number; charges: number; shipments: number } {
  return {
    reservations: store.reservations.filter((r) => r.orderId === orderId && r.status === 'reserved').length,
    charges: store.payments.filter((p) => p.orderId === orderId && p.status === 'charged').length,
    shipments: store.shipments.filter((s) => s.orderId === orderId && s.status === 'created').length,
  };
}

const describeHeld = (held: ReturnType<typeof heldBy>): string =>
  `${held.reservations} reservation(s), ${held.charges} charge(s), ${held.shipments} shipment(s)`;

/**
 * Each saga (orderSaga, and order with its approval) completed with exactly one reservation, charge and shipment,
 * or ended without holding any (fully compensated); and the store's money and stock totals are unchanged.
 */
export const sagasCompletedOrCompensated = defineChecker<Audits, Seeding>({
  name: 'sagas-completed-or-compensated',
  description: "each saga shipped holding one reservation, charge and shipment, or holds none; the store's money and stock are conserved",
  check: (run) => {
    const { store } = run.after;
    const evidence: string[] = [];
    for (const op of run.plan.operations) {
      if (op.kind !== 'saga' && op.kind !== 'order') continue;
      const outcome = outcomeOf(run, op);
      const { orderId } = op.args[0] as OrderDetails;
      const held = heldBy(store, orderId);
      const state = (outcome.result as OrderStatus | undefined)?.state;
      const shipped = outcome.status === 'completed' && (op.kind === 'saga' || state === 'completed');
      const expected = shipped ? 1 : 0;
      // A saga that never started (its client cut off before the start reached the server) must hold nothing.
      const ended = outcome.status !== 'running';
      if (!ended || held.reservations !== expected || held.charges !== expected || held.shipments !== expected) {
        const how = op.kind === 'order' && outcome.status === 'completed' ? `completed in state ${state}` : describeOutcome(outcome);
        evidence.push(`${op.kind} ${op.id} (${op.workflowId}): ended ${how} but holds ${describeHeld(held)}; expected ${expected} of each`);
      }
    }
    const opening = run.before.store;
    evidence.push(...conserved({ 'store money total': { before: opening.moneyTotal, after: store.moneyTotal } }));
    for (const stock of opening.stockTotals) {
      const now = store.stockTotals.find((s) => s.sku === stock.sku)?.available ?? 0;
      evidence.push(...conserved({ [`stock of ${stock.sku}`]: { before: stock.available, after: now } }));
    }
    return evidence;
  },
});

/** The order saga's steps, in the order it takes them, each with the store operation that undoes it. */
export const SAGA_STEPS = [
  { step: 'reserveInventory', compensation: 'releaseInventory' },
  { step: 'chargePayment', compensation: 'refundPayment' },
  { step: 'createShipment', compensation: 'cancelShipment' },
] as const;

/**
 * Each saga's compensations took effect in the store in reverse order of its steps (its audit lists the applied
 * operations in order). Forward order leaves the same end state, so only the order of effects shows it: a refund
 * before the shipment is cancelled pays back an order that may still ship.
 */
export const compensationsInReverse = defineChecker<Audits, Seeding>({
  name: 'compensations-in-reverse',
  description: "each saga's compensations took effect in reverse order of its steps, as the store's operation log shows",
  check: (run) =>
    run.plan.operations
      .filter((op) => op.kind === 'saga')
      .flatMap((op) => {
        const { orderId } = op.args[0] as OrderDetails;
        const applied = run.after.store.operations
          .filter((o) => o.orderId === orderId)
          .sort((a, b) => a.seq - b.seq)
          .map((o) => o.kind);
        return compensatedInReverse(SAGA_STEPS, applied).map((line) => `saga ${op.id} (${op.workflowId}): ${line}`);
      }),
});

/** The bank's ledger of one transfer, as "withdraw 100, refund 100" ("nothing" when empty). */
function ledgerOf(run: Run, referenceId: string): { ops: BankAudit['operations']; text: string } {
  const ops = run.after.bank.operations.filter((o) => o.referenceId === referenceId);
  return { ops, text: ops.map((o) => `${o.kind} ${o.amount}`).join(', ') || 'nothing' };
}

/** Why what the client was told (ok) is not what the services hold; undefined when it is. */
function okButNotApplied(run: Run, op: PlannedOperation, view: ClientView): string | undefined {
  if (op.kind === 'transfer') {
    const { referenceId, amount } = op.args[0] as TransferDetails;
    const result = view.value as Partial<TransferResult> | undefined;
    const ledger = ledgerOf(run, referenceId);
    const applied = (id: string | undefined, kind: string): boolean =>
      ledger.ops.some((o) => o.operationId === id && o.kind === kind && o.amount === amount);
    const held =
      applied(result?.withdrawalId, 'withdraw') && applied(result?.depositId, 'deposit') && !ledger.ops.some((o) => o.kind === 'refund');
    return held
      ? undefined
      : `was answered withdrawal ${result?.withdrawalId} and deposit ${result?.depositId} of ${amount}, but the bank applied ${ledger.text}`;
  }
  const { orderId } = op.args[0] as OrderDetails;
  const { store } = run.after;
  const reserved = (id: string | undefined): boolean =>
    store.reservations.some((r) => r.reservationId === id && r.orderId === orderId && r.status === 'reserved');
  const charged = (id: string | undefined): boolean =>
    store.payments.some((p) => p.paymentId === id && p.orderId === orderId && p.status === 'charged');
  if (op.kind === 'saga') {
    const result = view.value as Partial<OrderSagaResult> | undefined;
    const shipped = store.shipments.some((s) => s.shipmentId === result?.shipmentId && s.orderId === orderId && s.status === 'created');
    return reserved(result?.reservationId) && charged(result?.paymentId) && shipped
      ? undefined
      : `was answered reservation ${result?.reservationId}, payment ${result?.paymentId} and shipment ${result?.shipmentId}, but the store holds ${describeHeld(heldBy(store, orderId))} for it`;
  }
  if (op.kind === 'order') {
    const status = view.value as Partial<OrderStatus> | undefined;
    const held = heldBy(store, orderId);
    if (status?.state === 'completed') {
      const shipped = store.shipments.some(
        (s) => s.trackingNumber === status.trackingNumber && s.orderId === orderId && s.status === 'created',
      );
      return reserved(status.reservationId) &&
        charged(status.paymentId) &&
        shipped &&
        held.reservations === 1 &&
        held.charges === 1 &&
        held.shipments === 1
        ? undefined
        : `was answered completed (reservation ${status.reservationId}, payment ${status.paymentId}, tracking ${status.trackingNumber}), but the store holds ${describeHeld(held)} for it`;
    }
    if (status?.state === 'rejected' || status?.state === 'cancelled') {
      return held.reservations + held.charges + held.shipments === 0
        ? undefined
        : `was answered ${status.state}, but the store holds ${describeHeld(held)} for it`;
    }
    return `was answered state ${status?.state}, which is no end of an order`;
  }
  return undefined;
}

/** What an operation the client saw fail still holds; undefined when it holds nothing. */
function failedButApplied(run: Run, op: PlannedOperation): string | undefined {
  if (op.kind === 'transfer') {
    const { referenceId } = op.args[0] as TransferDetails;
    const ledger = ledgerOf(run, referenceId);
    const total = (kind: string): number => ledger.ops.filter((o) => o.kind === kind).reduce((sum, o) => sum + o.amount, 0);
    return total('deposit') === 0 && total('withdraw') === total('refund') ? undefined : `the bank applied ${ledger.text}`;
  }
  const held = heldBy(run.after.store, (op.args[0] as OrderDetails).orderId);
  return held.reservations + held.charges + held.shipments === 0 ? undefined : `the store holds ${describeHeld(held)} for it`;
}

/**
 * Every operation the client saw succeed took effect as it was told: the ids it was answered name what the
 * services hold (a transfer's withdrawal and deposit, not refunded; a saga's reservation, charge and shipment; an
 * order's, or nothing for an order answered rejected or cancelled). From the operation history.
 */
export const okOperationsApplied = defineChecker<Audits, Seeding>({
  name: 'ok-operations-applied',
  description: 'every operation the client saw succeed took effect: the ids it was answered name what the bank and store hold',
  check: (run) =>
    run.plan.operations.flatMap((op) => {
      const view = clientView(run, op);
      const problem = view.type === 'ok' ? okButNotApplied(run, op, view) : undefined;
      return problem ? [`${op.kind} ${op.id} (${op.workflowId}): the client saw ok; it ${problem}`] : [];
    }),
});

/**
 * Every operation the client saw fail took no effect (a Jepsen `fail`): a transfer moved no money (no deposit,
 * every withdrawal refunded), a saga or order holds no reservation, charge or shipment. A business error (a
 * declined payment, an unknown account) must leave nothing behind. From the operation history.
 */
export const failedOperationsAppliedNothing = defineChecker<Audits, Seeding>({
  name: 'failed-operations-applied-nothing',
  description: 'every operation the client saw fail took no effect: no money moved, nothing held in the store',
  check: (run) =>
    run.plan.operations.flatMap((op) => {
      const view = clientView(run, op);
      const problem = view.type === 'fail' ? failedButApplied(run, op) : undefined;
      return problem ? [`${op.kind} ${op.id} (${op.workflowId}): the client saw ${describeClientView(view)}, but ${problem}`] : [];
    }),
});

/** The endings each intent of a saga or order may reach (names as `branch` gives them). */
const INTENDED: Partial<Record<`${'saga' | 'order'} ${Intent}`, string[]>> = {
  'saga invalid-address': ['failed (OrderFailed)'],
  'saga out-of-stock': ['failed (OrderFailed)'],
  'saga payment-declined': ['failed (OrderFailed)'],
  // An approved order may still fail for good at its shipment; one nobody decided may fail before it waits.
  'order approve': ['completed (completed, approved)', 'failed (OrderFailed)'],
  'order reject': ['completed (rejected, rejected)'],
  'order cancel': ['completed (cancelled)'],
  'order auto-reject': ['completed (rejected, auto-rejected)', 'failed (OrderFailed)'],
  'order out-of-stock': ['failed (OrderFailed)'],
};

/**
 * Each saga meant to fail failed, and each order ended as it was decided: approved ones shipped, rejected ones
 * rejected, cancelled ones cancelled, those nobody decided rejected automatically once their approval timed out,
 * out-of-stock ones failed. A decision counts once the server acknowledged it (the operation history); an order
 * still running is all-finished's to name.
 */
export const endedAsIntended = defineChecker<Audits, Seeding>({
  name: 'ended-as-intended',
  description:
    'each saga meant to fail failed, and each order ended as it was decided (approved, rejected, cancelled, or rejected automatically when nobody decided)',
  check: (run) =>
    run.plan.operations.flatMap((op) => {
      const expected = INTENDED[`${op.kind} ${op.intent}` as keyof typeof INTENDED];
      const outcome = outcomeOf(run, op);
      if (!expected || outcome.status === 'running' || outcome.status === 'unknown') return [];
      // A decision the server did not acknowledge (never sent: the order went past waiting; or unanswered) proves nothing.
      if (op.steps.length > 0 && !clientView(run, op).steps.some((step) => step.acknowledged)) return [];
      const reached = branch(op, outcome);
      return expected.includes(reached)
        ? []
        : [`${op.kind} ${op.id} (${op.workflowId}, ${op.intent}): ended ${reached}; expected ${expected.join(' or ')}`];
    }),
});

export const bankStoreCheckers = [
  moneyConserved,
  transfersEndedValidly,
  keysAppliedOnce,
  sagasCompletedOrCompensated,
  compensationsInReverse,
  okOperationsApplied,
  failedOperationsAppliedNothing,
  endedAsIntended,
];
