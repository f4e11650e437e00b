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
 * - refund: credits back to the withdrawn account what the reference withdrew minus what it deposited, and closes
 *   the reference. That may be nothing (the reference never withdrew, or deposited everything): it still closes, so
 *   a caller that does not know whether its withdraw applied can refund, and a withdraw of it that arrives late can
 *   never apply (`accountId` and `balance` are null when the reference never withdrew). TransferClosedError when the
 *   reference is closed already.
 * - TransferClosedError is a 422 like the other business errors (not 409): the request is well-formed and its key
 *   is fresh, but the transfer's state forbids it, and no retry can change that.
 * - Deduplication is by idempotency key only: a repeated key returns the first result with `replayed: true`; the same
 *   key with a different request is IdempotencyKeyReused (409). Two different keys are two operations, so a client
 *   that changes its key per attempt can apply money twice, and the audit shows it.
 * - Validation (400 ValidationError naming the field; see services/contract.ts): malformed JSON, an amount that is
 *   not a positive integer up to 2^53 - 1, an id or key that is blank, too long, or holds a control character or a
 *   lone surrogate, an unknown field type. (Source equal to target is the workflow's concern: the bank sees one
 *   account per call.)
 * - Exact money: the bank keeps its potential total (every balance plus what open references could still refund)
 *   within 2^53 - 1, so every balance and the audit's totalBalance are exact. New money past it is a 400: an opening
 *   `balance`, or a deposit `amount` beyond what its reference withdrew. A transfer (a deposit of what its reference
 *   withdrew) and a refund are never refused for it. What one reference withdrew, and what it deposited, stay within
 *   2^53 - 1 too (a 400 on `amount`).
 */

export type BankOperation = 'withdraw' | 'deposit' | 'refund';

export interface OpenAccountRequest {
  accountId: string;
  /** Opening balance in cents, >= 0. */
  balance: number;
}

export interface Account {
  accountId: string;
  balance: number;
}

export interface MoneyMovementRequest {
  accountId: string;
  amount: number;
  idempotencyKey: string;
  /** The transfer this movement belongs to. */
  referenceId: string;
}

export interface RefundRequest {
  referenceId: string;
  idempotencyKey: string;
}

export interface OperationResult {
  operationId: string;
  kind: BankOperation;
  /** The account the operation moved money in or out of; null for a refund of a reference that never withdrew. */
  accountId: string | null;
  amount: number;
  /** The account's balance right after this operation applied; null when accountId is. */
  balance: number | null;
  referenceId: string;
  idempotencyKey: string;
  /** True when this answer repeats an earlier call with the same key (nothing changed this time). */
  replayed: boolean;
}

export interface AppliedBankOperation {
  /** Order of application, starting at 1. */
  seq: number;
  operationId: string;
  idempotencyKey: string;
  kind: BankOperation;
  accountId: string | null;
  amount: number;
  referenceId: string;
  appliedAt: string;
}

export interface BankAudit {
  accounts: Account[];
  /** Sum of all balances, in cents. */
  totalBalance: number;
  /** Every applied operation, in order. */
  operations: AppliedBankOperation[];
  /** References that were refunded (closed). */
  closedReferences: string[];
}
