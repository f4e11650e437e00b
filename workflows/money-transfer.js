import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { asFailure, causeOf } from './failures';
/** The tutorial's retry policy: exponential backoff, bounded attempts, business errors never retried. */
export const TRANSFER_RETRY_POLICY = {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['InvalidAccountError', 'InsufficientFundsError'],
};
const { withdraw, deposit, refund } = proxyActivities({
    startToCloseTimeout: '5 seconds',
    retry: TRANSFER_RETRY_POLICY,
});
/**
 * Move `amount` from the source to the target account: withdraw, then deposit. When the deposit fails for
 * good, refund the source and fail with a message that says whether the money was returned.
 */
export async function moneyTransfer(details) {
    validateTransfer(details);
    const { sourceAccount, targetAccount, amount, referenceId } = details;
    let withdrawalId;
    try {
        withdrawalId = await withdraw(details);
    }
    catch (error) {
        throw ApplicationFailure.create({
            type: 'WithdrawalFailed',
            message: `Withdrawal of ${amount} from ${sourceAccount} failed: ${causeOf(error)}. No money was moved.`,
            nonRetryable: true,
            cause: asFailure(error),
        });
    }
    let depositId;
    try {
        depositId = await deposit(details);
    }
    catch (depositError) {
        try {
            await refund(details);
        }
        catch (refundError) {
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
function validateTransfer({ sourceAccount, targetAccount, amount, referenceId }) {
    const problem = !referenceId
        ? 'referenceId is empty'
        : !sourceAccount || !targetAccount
            ? 'sourceAccount and targetAccount must both be set'
            : sourceAccount === targetAccount
                ? `sourceAccount and targetAccount are the same account (${sourceAccount})`
                : !Number.isSafeInteger(amount) || amount <= 0
                    ? `amount must be a positive integer number of cents, got ${amount}`
                    : undefined;
    if (problem)
        throw ApplicationFailure.nonRetryable(`Invalid transfer ${referenceId}: ${problem}`, 'InvalidTransferError');
}
//# sourceMappingURL=money-transfer.js.map