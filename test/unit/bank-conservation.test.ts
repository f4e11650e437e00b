import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppliedBankOperation, BankOperation, OperationResult } from '../../services/bank/api';
import type { BankClient } from '../../services/bank/client';
import { ServiceCallError } from '../../services/client';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, startBank, uniqueId } from './support/services';

/**
 * Property: whatever sequence of withdraw / deposit / refund calls a client makes, with idempotency keys drawn from a
 * small pool (so keys repeat, for the same or a different request) and fault rules switched on between calls, money
 * is conserved (balances = opening total - money in transit), every key is applied at most once, and every answer the
 * client got matches the operation the audit shows for its key.
 */

let service: InProcessService<BankClient>;
let bank: BankClient;

beforeAll(async () => {
  service = await startBank();
  bank = service.client;
}, SERVICE_START_TIMEOUT_MS);

afterAll(() => service?.stop());

const ACCOUNTS = 3;
const REFERENCES = 3;
const KEYS = 6;

/** What the client means by one idempotency key (a slot): the request it sends whenever it uses that key. */
type Intent = { kind: 'withdraw' | 'deposit'; account: number; amount: number; reference: number } | { kind: 'refund'; reference: number };

type Command =
  /** Send the slot's request; `conflicting` sends the slot's key with a different request (a buggy client). */
  | { kind: 'call'; slot: number; conflicting: boolean }
  | { kind: 'fault'; effect: 'fail' | 'fail-after-commit'; operation: BankOperation | '*'; count: number };

const intentArbitrary: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('withdraw' as const, 'deposit' as const),
      account: fc.nat(ACCOUNTS - 1),
      amount: fc.constantFrom(100, 250, 400),
      reference: fc.nat(REFERENCES - 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), reference: fc.nat(REFERENCES - 1) }) },
);

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      slot: fc.nat(KEYS - 1),
      conflicting: fc.nat(9).map((roll) => roll === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      effect: fc.constantFrom('fail' as const, 'fail-after-commit' as const),
      operation: fc.constantFrom('withdraw' as const, 'deposit' as const, 'refund' as const, '*' as const),
      count: fc.integer({ min: 1, max: 2 }),
    }),
  },
);

/** Answers a correct bank may give to these calls; anything else (a 500, an unreachable service) fails the property. */
function isExpectedRefusal(error: unknown): boolean {
  if (!(error instanceof ServiceCallError)) return false;
  // The only ValidationError these calls can earn: withdrawing under a reference from a second account.
  if (error.type === 'ValidationError') return error.field === 'accountId';
  return ['InsufficientFundsError', 'TransferClosedError', 'IdempotencyKeyReused', 'InjectedFault'].includes(error.type);
}

it('money is conserved and every idempotency key applies at most once, under repeated keys and injected faults', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: ACCOUNTS, maxLength: ACCOUNTS }),
      fc.array(intentArbitrary, { minLength: KEYS, maxLength: KEYS }),
      fc.array(commandArbitrary, { minLength: 5, maxLength: 40 }),
      async (openingBalances, intents, commands) => {
        const run = uniqueId('run');
        const accountIds = openingBalances.map((_, index) => `${run}-account-${index}`);
        const referenceId = (reference: number) => `${run}-ref-${reference}`;
        await bank.clearFaults();
        for (const [index, balance] of openingBalances.entries()) {
          await bank.openAccount({ accountId: accountIds[index]!, balance });
        }

        const answers: OperationResult[] = [];
        for (const command of commands) {
          if (command.kind === 'fault') {
            await bank.addFault({ operation: command.operation, effect: command.effect, count: command.count });
            continue;
          }
          const intent = intents[command.slot]!;
          const idempotencyKey = `${run}-key-${command.slot}`;
          const change = command.conflicting ? 1 : 0;
          try {
            answers.push(
              intent.kind === 'refund'
                ? await bank.refund({ referenceId: referenceId((intent.reference + change) % REFERENCES), idempotencyKey })
                : await bank[intent.kind]({
                    accountId: accountIds[intent.account]!,
                    amount: intent.amount + change,
                    referenceId: referenceId(intent.reference),
                    idempotencyKey,
                  }),
            );
          } catch (error) {
            if (!isExpectedRefusal(error)) throw error;
          }
        }
        await bank.clearFaults();

        const audit = await bank.audit();
        const applied = audit.operations.filter((operation) => operation.idempotencyKey.startsWith(`${run}-`));
        const balances = accountIds.map((id) => audit.accounts.find((account) => account.accountId === id)!.balance);

        // Each idempotency key appears at most once among applied operations.
        const keys = applied.map((operation) => operation.idempotencyKey);
        expect(new Set(keys).size).toBe(keys.length);

        // Money is conserved: what left the accounts and did not come back is in transit.
        const total = (kind: BankOperation) =>
          applied.filter((operation) => operation.kind === kind).reduce((sum, operation) => sum + operation.amount, 0);
        const inTransit = total('withdraw') - total('deposit') - total('refund');
        const openingTotal = openingBalances.reduce((sum, balance) => sum + balance, 0);
        expect(balances.reduce((sum, balance) => sum + balance, 0)).toBe(openingTotal - inTransit);

        // Each account's balance is its opening balance plus its applied operations.
        const expectedBalances = accountIds.map((id, index) =>
          applied
            .filter((operation) => operation.accountId === id)
            .reduce((balance, operation) => balance + signedAmount(operation), openingBalances[index]!),
        );
        expect(balances).toEqual(expectedBalances);

        // Every answer (first or replayed) is the operation the audit holds for its key.
        for (const answer of answers) {
          const operation = applied.find((candidate) => candidate.idempotencyKey === answer.idempotencyKey);
          expect(operation).toMatchObject({ operationId: answer.operationId, kind: answer.kind, amount: answer.amount });
        }

        expectRefundsCloseTheirReference(applied);
      },
    ),
    { numRuns: 50 },
  );
}, 120_000);

function signedAmount(operation: AppliedBankOperation): number {
  return operation.kind === 'withdraw' ? -operation.amount : operation.amount;
}

/**
 * A refund returns exactly what its reference withdrew and did not deposit (nothing when it deposited as much or
 * more), and nothing moves under it afterwards.
 */
function expectRefundsCloseTheirReference(applied: AppliedBankOperation[]): void {
  const referenceIds = new Set(applied.map((operation) => operation.referenceId));
  for (const referenceId of referenceIds) {
    const operations = applied.filter((operation) => operation.referenceId === referenceId);
    const refundAt = operations.findIndex((operation) => operation.kind === 'refund');
    if (refundAt === -1) continue;
    const before = operations.slice(0, refundAt);
    const sum = (kind: BankOperation) =>
      before.filter((operation) => operation.kind === kind).reduce((total, operation) => total + operation.amount, 0);
    expect(operations[refundAt]!.amount).toBe(Math.max(0, sum('withdraw') - sum('deposit')));
    expect(operations.slice(refundAt + 1)).toEqual([]);
  }
}
