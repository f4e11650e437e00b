/**
 * Checkers over the workflows' outcomes and the services' audits: each transfer ended exactly one valid way,
 * each saga completed or was fully compensated (and the store neither created nor lost money or stock), no
 * idempotency key applied twice in either service, every workflow finished, every history replays clean.
 */
import type { Observations, WorkflowOutcome } from '../observations.ts';
import { keysAppliedTwice } from './money.ts';
import type { PlannedOperation } from '../plan.ts';
import { type Verdict, verdict } from './verdict.ts';

function outcomeOf(observations: Observations, op: PlannedOperation): WorkflowOutcome {
  return observations.outcomes.find((o) => o.workflowId === op.workflowId) ?? { workflowId: op.workflowId, op: op.id, status: 'unknown' };
}

function describe(outcome: WorkflowOutcome): string {
  return outcome.failureType ? `${outcome.status} (${outcome.failureType})` : outcome.status;
}

/**
 * Each transfer ended exactly one valid way, and the bank's ledger agrees with how it ended:
 * completed with [withdraw, deposit] of its amount; failed with [withdraw, refund] (money returned); or rejected
 * with nothing applied. A transfer that was meant to fail (unknown account, insufficient funds) never completes.
 */
export function checkTransfersEndedValidly(observations: Observations): Verdict {
  const evidence: string[] = [];
  for (const op of observations.plan.operations) {
    if (op.kind !== 'transfer') continue;
    const outcome = outcomeOf(observations, op);
    const ledger = observations.bank.operations.filter((o) => o.referenceId === op.input.referenceId);
    const kinds = ledger.map((o) => `${o.kind} ${o.amount}`).join(', ') || 'nothing';
    const amount = op.input.amount;
    const is = (...expected: string[]): boolean => ledger.length === expected.length && ledger.every((o, i) => `${o.kind} ${o.amount}` === expected[i]);
    const valid =
      outcome.status === 'completed'
        ? op.intent === 'valid' && is(`withdraw ${amount}`, `deposit ${amount}`)
        : outcome.status === 'failed' && outcome.failureType === 'DepositFailed'
          ? is(`withdraw ${amount}`, `refund ${amount}`)
          : outcome.status === 'failed' && (outcome.failureType === 'WithdrawalFailed' || outcome.failureType === 'InvalidTransferError')
            ? is()
            : false;
    if (!valid) {
      evidence.push(`transfer ${op.id} (${op.workflowId}, ${op.intent}, ${amount} from ${op.input.sourceAccount} to ${op.input.targetAccount}): ended ${describe(outcome)}, the bank applied ${kinds}`);
    }
  }
  return verdict('transfers-ended-validly', evidence);
}

/**
 * Each saga (orderSaga, and order with its approval) completed with exactly one reservation, charge and shipment,
 * or ended without holding any (fully compensated); and the store's money and stock totals are unchanged.
 */
export function checkSagasCompletedOrCompensated(observations: Observations): Verdict {
  const evidence: string[] = [];
  const { store } = observations;
  for (const op of observations.plan.operations) {
    if (op.kind === 'transfer') continue;
    const outcome = outcomeOf(observations, op);
    const orderId = op.input.orderId;
    const held = {
      reservations: store.reservations.filter((r) => r.orderId === orderId && r.status === 'reserved').length,
      charges: store.payments.filter((p) => p.orderId === orderId && p.status === 'charged').length,
      shipments: store.shipments.filter((s) => s.orderId === orderId && s.status === 'created').length,
    };
    const shipped = outcome.status === 'completed' && (op.kind === 'saga' || (outcome.result as { state?: string } | undefined)?.state === 'completed');
    const expected = shipped ? 1 : 0;
    const ended = outcome.status !== 'running' && outcome.status !== 'unknown';
    if (!ended || held.reservations !== expected || held.charges !== expected || held.shipments !== expected) {
      const state = op.kind === 'order' && outcome.status === 'completed' ? `completed in state ${(outcome.result as { state?: string } | undefined)?.state}` : describe(outcome);
      evidence.push(
        `${op.kind} ${op.id} (${op.workflowId}): ended ${state} but holds ${held.reservations} reservation(s), ${held.charges} charge(s), ${held.shipments} shipment(s); expected ${expected} of each`,
      );
    }
  }
  if (store.moneyTotal !== observations.openingStore.moneyTotal) {
    evidence.push(`store money total is ${store.moneyTotal}, it opened at ${observations.openingStore.moneyTotal} (${store.moneyTotal - observations.openingStore.moneyTotal > 0 ? '+' : ''}${store.moneyTotal - observations.openingStore.moneyTotal})`);
  }
  for (const opening of observations.openingStore.stockTotals) {
    const now = store.stockTotals.find((s) => s.sku === opening.sku)?.available ?? 0;
    if (now !== opening.available) evidence.push(`stock of ${opening.sku} totals ${now}, it opened at ${opening.available}`);
  }
  return verdict('sagas-completed-or-compensated', evidence);
}

/** No idempotency key was applied twice, in the bank or in the store. */
export function checkKeysAppliedOnceEverywhere(observations: Observations): Verdict {
  return verdict('keys-applied-once', [
    ...keysAppliedTwice(observations.bank.operations).map((line) => `bank: ${line}`),
    ...keysAppliedTwice(observations.store.operations).map((line) => `store: ${line}`),
  ]);
}

/** Errors that mean "the answer is no": retrying one cannot change it, and may turn a refusal into a late yes. */
export const BUSINESS_ERRORS: ReadonlySet<string> = new Set(['InvalidAccountError', 'InsufficientFundsError', 'PaymentDeclined', 'OutOfStockError', 'InvalidAddressError']);

/** No activity was retried after a business error (a retry policy that retries a declined payment is a bug). */
export function checkBusinessErrorsNotRetried(observations: Observations): Verdict {
  return verdict(
    'business-errors-not-retried',
    observations.retries
      .filter((r) => BUSINESS_ERRORS.has(r.afterFailure))
      .map((r) => `${r.workflowId}: activity ${r.activity} was retried after ${r.afterFailure} (attempt ${r.attempt})`),
  );
}

/** Every workflow reached a terminal state within the settle bound after the faults healed. */
export function checkAllFinished(observations: Observations): Verdict {
  return verdict(
    'all-finished',
    observations.unsettled.map((workflowId) => `${workflowId} had not finished ${observations.settleWithinMs / 1000} s after the faults healed`),
  );
}

/** The histories recorded during the run replay clean against the code the workers ended with. */
export function checkHistoriesReplay(observations: Observations): Verdict {
  return verdict(
    'histories-replay',
    observations.replay.filter((r) => r.status !== 'passed').map((r) => `${r.workflowId}: ${r.status}${r.detail ? `: ${r.detail}` : ''}`),
  );
}
