/**
 * Bank service API (HTTP + JSON). Amounts are integer cents.
 *
 * Routes
 * - `POST /accounts`        OpenAccountRequest -> Account (201; an id that exists already is a 400 ValidationError on `accountId`)
 * - `GET  /accounts/:id`    -> Account (422 InvalidAccountError when unknown)
 * - `POST /withdraw`        MoneyMovementRequest -> OperationResult
 * - `POST /deposit`         MoneyMovementRequest -> OperationResult
 * - `POST /refund`          RefundRequest -> OperationResult
 * - `GET  /audit`           -> BankAudit
 * - `GET  /health`          -> HealthBody
 * - `POST|GET|DELETE /_faults` fault switches (see services/contract.ts)
 *
 * Rules (each call is one database transaction: all or nothing)
 * - withdraw: InvalidAccountError when the account is unknown, InsufficientFundsError when the balance is short,
 *   TransferClosedError when the reference was already refunded. A reference withdraws from one account only (a
 *   transfer has one source, which its refund credits): a withdraw from another account is a 400 ValidationError
 *   on `accountId`.
 * - deposit: InvalidAccountError when unknown, TransferClosedError when the reference was already refunded
 *   (so a late deposit can never land after its transfer's money went back).
 * - refund: credits back to the withdrawn account what the reference withdrew minus what it deposited and already
 *   refunded, then closes the reference. NothingToRefundError when that is zero (never withdrawn, or already deposited).
 * - TransferClosedError is a 422 like the other business errors (not 409): the request is well-formed and its key
 *   is fresh, but the transfer's state forbids it, and no retry can change that.
 * - Deduplication is by idempotency key only: a repeated key returns the first result with `replayed: true`; the same
 *   key with a different request is IdempotencyKeyReused (409). Two different keys are two operations, so a client
 *   that changes its key per attempt can apply money twice, and the audit shows it.
 * - Validation (400 ValidationError naming the field): malformed JSON, an amount that is not a positive safe integer,
 *   an empty id or key, an unknown field type. (Source equal to target is the workflow's concern: the bank sees
 *   one account per call.)
 */
export {};
//# sourceMappingURL=api.js.map