import { ApplicationFailure, patched, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { asFailure, causeOf } from './failures';
import type { TransferDetails, TransferResult } from './types';

/** The tutorial's retry policy: exponential backoff, bounded attempts, business errors never retried. */
export const TRANSFER_RETRY_POLICY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 6,
  nonRetryableErrorTypes: ['InvalidAccountError', 'InsufficientFundsError'],
} satisfies RetryPolicy;

/**
 * Once the withdraw has been tried, the transfer only ends when the bank has answered for every step: the deposit and
 * the refund retry until it does (business errors aside). Giving up on a step whose outcome is unknown would report
 * money as moved, or as not moved, without knowing.
 */
export const SETTLE_RETRY_POLICY = {
  initialInterval: TRANSFER_RETRY_POLICY.initialInterval,
  backoffCoefficient: TRANSFER_RETRY_POLICY.backoffCoefficient,
  maximumInterval: TRANSFER_RETRY_POLICY.maximumInterval,
  nonRetryableErrorTypes: TRANSFER_RETRY_POLICY.nonRetryableErrorTypes,
} satisfies RetryPolicy;

/**
 * The patch that marks executions started with the rules above (a failed withdraw is followed by a refund; the
 * deposit and refund retry until answered). Executions started before it keep the tutorial's rules to the end, so
 * their histories replay as they ran, strict included.
 */
export const SETTLE_UNCERTAIN_STEPS = 'settle-uncertain-steps';

const tutorial = proxyActivities<Activities>({ startToCloseTimeout: '5 seconds', retry: TRANSFER_RETRY_POLICY });
const settling = proxyActivities<Activities>({ startToCloseTimeout: '5 seconds', retry: SETTLE_RETRY_POLICY });

/**
 * Move `amount` from the source to the target account: withdraw, then deposit. When the deposit fails for good,
 * refund the source and fail with a message that says whether the money was returned.
 *
 * A withdraw that fails may still have applied: its answer lost and the bank unreachable until its attempts ran
 * out, or an earlier attempt still on its way to the bank. So a failed withdraw is followed by a refund under the
 * transfer's reference, which returns whatever the bank took and closes the reference so that no withdraw of it can
 * apply later: only then is "no money was moved" true. (The Temporal tutorial's workflow reports it at once, and
 * loses the money when the withdraw had applied.) Histories recorded before this rule replay as they ran.
 */
export async function moneyTransfer(details: TransferDetails): Promise<TransferResult> {
  validateTransfer(details);
  const { sourceAccount, targetAccount, amount, referenceId } = details;
  const settles = patched(SETTLE_UNCERTAIN_STEPS);
  const { withdraw } = tutorial;
  const { deposit, refund } = settles ? settling : tutorial;

  let withdrawalId: string;
  try {
    withdrawalId = await withdraw(details);
  } catch (error) {
    if (settles) {
      try {
        await refund(details);
      } catch (refundError) {
        throw ApplicationFailure.create({
          type: 'RefundFailed',
          message: `Withdrawal of ${amount} from ${sourceAccount} failed: ${causeOf(error)}. Whether it took money from ${sourceAccount} is unknown: the bank refused to close the transfer: ${causeOf(refundError)}.`,
          nonRetryable: true,
          cause: asFailure(refundError),
        });
      }
    }
    throw ApplicationFailure.create({
      type: 'WithdrawalFailed',
      message: `Withdrawal of ${amount} from ${sourceAccount} failed: ${causeOf(error)}. No money was moved.`,
      nonRetryable: true,
      cause: asFailure(error),
    });
  }

  let depositId: string;
  try {
    depositId = await deposit(details);
  } catch (depositError) {
    try {
      await refund(details);
    } catch (refundError) {
      throw ApplicationFailure.create({
        type: 'RefundFailed',
        message: `Deposit of ${amount} into ${targetAccount} failed: ${causeOf(depositError)}. The money could not be returned to ${sourceAccount}: ${causeOf(refundError)}.`,
        nonRetryable: true,
        cause: asFailure(refundError),
      });
    }
    throw ApplicationFailure.create({
      type: 'DepositFailed',
      message: `Deposit of ${amount} into ${targetAccount} failed: ${causeOf(depositError)}. The money was returned to ${sourceAccount}.`,
      nonRetryable: true,
      cause: asFailure(depositError),
    });
  }

  return { referenceId, withdrawalId, depositId };
}

function validateTransfer({ sourceAccount, targetAccount, amount, referenceId }: TransferDetails): void {
  const problem = !referenceId
    ? 'referenceId is empty'
    : !sourceAccount || !targetAccount
      ? 'sourceAccount and targetAccount must both be set'
      : sourceAccount === targetAccount
        ? `sourceAccount and targetAccount are the same account (${sourceAccount})`
        : !Number.isSafeInteger(amount) || amount <= 0
          ? `amount must be a positive integer number of cents, got ${amount}`
          : undefined;
  if (problem) throw ApplicationFailure.nonRetryable(`Invalid transfer ${referenceId}: ${problem}`, 'InvalidTransferError');
}
