import { describe, expect, it } from 'vitest';
import { checkKeysAppliedOnce, checkMoneyConserved } from '../../src/chaos/checkers/money';
import type { AppliedBankOperation, BankAudit } from '../../services/bank/api';

function op(seq: number, kind: AppliedBankOperation['kind'], referenceId: string, amount: number, key = `${referenceId}:${kind}`): AppliedBankOperation {
  return { seq, operationId: `op${seq}`, idempotencyKey: key, kind, accountId: kind === 'deposit' ? 'b' : 'a', amount, referenceId, appliedAt: '2026-01-01T00:00:00Z' };
}

function audit(totalBalance: number, operations: AppliedBankOperation[]): BankAudit {
  return { accounts: [], totalBalance, operations, closedReferences: [] };
}

describe('checkMoneyConserved', () => {
  it('holds when the total equals the opening total', () => {
    const ops = [op(1, 'withdraw', 't1', 100), op(2, 'deposit', 't1', 100)];
    expect(checkMoneyConserved(audit(1_000, ops), 1_000)).toEqual({ checker: 'money-conserved', ok: true, evidence: [] });
  });

  it('names the transfer that deposited twice when money was created', () => {
    const ops = [op(1, 'withdraw', 't1', 100), op(2, 'deposit', 't1', 100), op(3, 'deposit', 't1', 100, 't1:deposit:attempt-2'), op(4, 'withdraw', 't2', 5), op(5, 'deposit', 't2', 5)];
    expect(checkMoneyConserved(audit(1_100, ops), 1_000)).toEqual({
      checker: 'money-conserved',
      ok: false,
      evidence: ['total balance is 1100, opening total was 1000 (+100)', 'transfer t1: withdrew 100, deposited or refunded 200 (+100)'],
    });
  });

  it('names the transfer whose withdrawn money was never deposited nor refunded', () => {
    const verdict = checkMoneyConserved(audit(900, [op(1, 'withdraw', 't9', 100)]), 1_000);
    expect(verdict.ok).toBe(false);
    expect(verdict.evidence).toContain('transfer t9: withdrew 100, deposited or refunded 0 (-100)');
  });
});

describe('checkKeysAppliedOnce', () => {
  it('holds when every key appears once', () => {
    expect(checkKeysAppliedOnce([op(1, 'withdraw', 't1', 1), op(2, 'deposit', 't1', 1)]).ok).toBe(true);
  });

  it('reports a key applied twice with the operations that applied it', () => {
    const ops = [op(1, 'deposit', 't1', 1), op(2, 'withdraw', 't2', 1), op(7, 'deposit', 't1', 1)];
    expect(checkKeysAppliedOnce(ops).evidence).toEqual(['key t1:deposit applied 2 times (operations 1, 7)']);
  });
});
