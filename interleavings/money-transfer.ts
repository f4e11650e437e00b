/**
 * The money transfer under every way its bank calls can answer: the withdraw, the deposit and the refund each
 * succeed or fail for good. No money is created or lost: a deposit that did not happen leaves the withdrawn money
 * refunded, a withdraw that failed is settled by a refund before the transfer says no money moved.
 */
import { defineInterleavings, type InterleavingRun } from 'tempest/interleave';
import { activityCalls, mayHaveApplied } from './properties';

export default defineInterleavings({
  name: 'money-transfer-answers',
  description: 'withdraw, deposit and refund each answering with success or a final failure',
  workflowType: 'moneyTransfer',
  args: (workflowId) => [{ sourceAccount: 'alice', targetAccount: 'bob', amount: 2_500, referenceId: workflowId }],
  activities: {
    withdraw: { returns: 'withdrawal-1', fails: [{ type: 'InsufficientFundsError' }] },
    deposit: { returns: 'deposit-1', fails: [{ type: 'InvalidAccountError' }] },
    refund: { returns: 'refund-1', fails: [{ type: 'RefundRefused' }] },
  },
  properties: [
    {
      // Money that may have left the source either arrived at the target or was refunded (or the transfer says it could not be).
      name: 'money-arrives-or-returns',
      check: (run: InterleavingRun) => {
        const withdrew = activityCalls(run, 'withdraw').some(mayHaveApplied);
        const deposited = activityCalls(run, 'deposit').some((c) => c.answer?.kind === 'completed');
        const refundCalled = activityCalls(run, 'refund').length > 0;
        if (!withdrew || deposited || refundCalled) return true;
        return `the withdraw may have applied, nothing was deposited and no refund was asked for; the transfer ended ${run.outcome.status}`;
      },
    },
    {
      name: 'completes-only-when-deposited',
      check: (run: InterleavingRun) =>
        run.outcome.status !== 'completed' ||
        activityCalls(run, 'deposit').some((c) => c.answer?.kind === 'completed') ||
        'completed without a deposit',
    },
  ],
});
