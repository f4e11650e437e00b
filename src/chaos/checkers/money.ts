import type { AppliedBankOperation, BankAudit } from '../../../services/bank/api.ts';
import { type Verdict, verdict } from './verdict.ts';

/**
 * Money is neither created nor lost: the bank's total equals the opening total. When it does not, the
 * evidence names each transfer whose withdrawals differ from its deposits plus refunds.
 */
export function checkMoneyConserved(audit: BankAudit, openingTotal: number): Verdict {
  if (audit.totalBalance === openingTotal) return verdict('money-conserved', []);
  const flows = new Map<string, { out: number; back: number }>();
  for (const op of audit.operations) {
    const flow = flows.get(op.referenceId) ?? { out: 0, back: 0 };
    if (op.kind === 'withdraw') flow.out += op.amount;
    else flow.back += op.amount;
    flows.set(op.referenceId, flow);
  }
  const unbalanced = [...flows].filter(([, f]) => f.out !== f.back);
  return verdict('money-conserved', [
    `total balance is ${audit.totalBalance}, opening total was ${openingTotal} (${signed(audit.totalBalance - openingTotal)})`,
    ...unbalanced.map(([ref, f]) => `transfer ${ref}: withdrew ${f.out}, deposited or refunded ${f.back} (${signed(f.back - f.out)})`),
  ]);
}

/** One line per idempotency key that was applied more than once, naming the operations that applied it. */
export function keysAppliedTwice(operations: readonly { idempotencyKey: string; seq: number }[]): string[] {
  const seen = new Map<string, number[]>();
  for (const op of operations) seen.set(op.idempotencyKey, [...(seen.get(op.idempotencyKey) ?? []), op.seq]);
  return [...seen].filter(([, seqs]) => seqs.length > 1).map(([key, seqs]) => `key ${key} applied ${seqs.length} times (operations ${seqs.join(', ')})`);
}

/** No idempotency key was applied twice. */
export function checkKeysAppliedOnce(operations: readonly Pick<AppliedBankOperation, 'idempotencyKey' | 'seq'>[]): Verdict {
  return verdict('keys-applied-once', keysAppliedTwice(operations));
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
