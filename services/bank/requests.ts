import { requireBodyObject, requireCents, requireId, requireNonNegativeCents } from '../validate';
import type { MoneyMovementRequest, OpenAccountRequest, RefundRequest } from './api';

/** Parsing of the bank's request bodies into exactly the fields each operation uses (others are ignored). */

export function parseOpenAccount(input: unknown): OpenAccountRequest {
  const body = requireBodyObject(input);
  return {
    accountId: requireId(body.accountId, 'accountId'),
    balance: requireNonNegativeCents(body.balance, 'balance'),
  };
}

export function parseMoneyMovement(input: unknown): MoneyMovementRequest {
  const body = requireBodyObject(input);
  return {
    accountId: requireId(body.accountId, 'accountId'),
    amount: requireCents(body.amount, 'amount'),
    idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey'),
    referenceId: requireId(body.referenceId, 'referenceId'),
  };
}

export function parseRefund(input: unknown): RefundRequest {
  const body = requireBodyObject(input);
  return {
    referenceId: requireId(body.referenceId, 'referenceId'),
    idempotencyKey: requireId(body.idempotencyKey, 'idempotencyKey'),
  };
}
