import type { Database, Transaction } from '../db';
import { ServiceError, validationError } from '../errors';
import { listOperations, operationsSchema, runKeyedOperation, sequentialId } from '../idempotency';
import { requireTotalWithin } from '../validate';
import type {
  Account,
  AppliedBankOperation,
  BankAudit,
  BankOperation,
  MoneyMovementRequest,
  OpenAccountRequest,
  OperationResult,
  RefundRequest,
} from './api';

/** The bank's ledger: accounts, money movements and refunds on the database, free of HTTP. Rules: ./api.ts. */

export const bankSchema = `
create table if not exists accounts (
  account_id text primary key,
  balance bigint not null check (balance >= 0)
);
create table if not exists transfer_references (
  reference_id text primary key,
  -- The account the reference withdraws from; null until its first withdraw.
  source_account_id text,
  withdrawn bigint not null default 0,
  deposited bigint not null default 0,
  refunded bigint not null default 0,
  closed boolean not null default false
);
-- The most the balances could ever sum to without new money: every balance plus what open references could still
-- refund (withdrawn - deposited - refunded). Opening balances and deposits that are new money may not take it past
-- 2^53 - 1, so every balance and the audit's total stay exact JSON numbers, and a refund (a compensation) never
-- has to be refused for it.
create table if not exists bank_totals (
  id integer primary key check (id = 1),
  potential_total bigint not null
);
insert into bank_totals (id, potential_total)
select 1, coalesce((select sum(balance) from accounts), 0)
  + coalesce((select sum(greatest(withdrawn - deposited - refunded, 0)) from transfer_references where not closed), 0)
on conflict (id) do nothing;
${operationsSchema}`;

interface TransferReference {
  sourceAccountId: string | null;
  withdrawn: number;
  deposited: number;
  refunded: number;
  closed: boolean;
}

const ID_PREFIX: Record<BankOperation, string> = { withdraw: 'W', deposit: 'D', refund: 'R' };

export class BankLedger {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  openAccount(request: OpenAccountRequest): Promise<Account> {
    return this.#db.transaction(async (tx) => {
      await addToPotentialTotal(tx, request.balance, 'balance');
      const inserted = await tx.query(
        'insert into accounts (account_id, balance) values ($1, $2) on conflict (account_id) do nothing returning account_id',
        [request.accountId, request.balance],
      );
      if (inserted.rows.length === 0) {
        throw validationError('accountId', `account '${request.accountId}' already exists`);
      }
      return { accountId: request.accountId, balance: request.balance };
    });
  }

  getAccount(accountId: string): Promise<Account> {
    return this.#db.transaction(async (tx) => ({ accountId, balance: await balanceOf(tx, accountId) }));
  }

  withdraw(request: MoneyMovementRequest): Promise<OperationResult> {
    return this.#keyed('withdraw', request, async (tx) => {
      const balance = await balanceOf(tx, request.accountId);
      const reference = await referenceOf(tx, request.referenceId);
      assertOpen(reference, request.referenceId);
      if (reference?.sourceAccountId != null && reference.sourceAccountId !== request.accountId) {
        throw validationError(
          'accountId',
          `reference '${request.referenceId}' already withdraws from account '${reference.sourceAccountId}'`,
        );
      }
      if (balance < request.amount) {
        throw new ServiceError(
          'InsufficientFundsError',
          `account '${request.accountId}' has ${balance} cents; cannot withdraw ${request.amount}`,
        );
      }
      requireTotalWithin(reference?.withdrawn ?? 0, request.amount, 'amount', `what reference '${request.referenceId}' withdrew`);
      const after = { ...(reference ?? NEW_REFERENCE), withdrawn: (reference?.withdrawn ?? 0) + request.amount };
      // Money leaves the balance and becomes refundable: the potential total never grows.
      await addToPotentialTotal(tx, refundable(after) - refundable(reference) - request.amount, 'amount');
      await tx.query(
        `insert into transfer_references (reference_id, source_account_id, withdrawn) values ($1, $2, $3)
         on conflict (reference_id) do update
         set withdrawn = transfer_references.withdrawn + excluded.withdrawn, source_account_id = excluded.source_account_id`,
        [request.referenceId, request.accountId, request.amount],
      );
      return { ...request, balance: await addToBalance(tx, request.accountId, -request.amount) };
    });
  }

  deposit(request: MoneyMovementRequest): Promise<OperationResult> {
    return this.#keyed('deposit', request, async (tx) => {
      await balanceOf(tx, request.accountId);
      const reference = await referenceOf(tx, request.referenceId);
      assertOpen(reference, request.referenceId);
      requireTotalWithin(reference?.deposited ?? 0, request.amount, 'amount', `what reference '${request.referenceId}' deposited`);
      const after = { ...(reference ?? NEW_REFERENCE), deposited: (reference?.deposited ?? 0) + request.amount };
      // What the reference withdrew moves on; any more than that is new money, which the bank's total must hold.
      await addToPotentialTotal(tx, request.amount + refundable(after) - refundable(reference), 'amount');
      await tx.query(
        `insert into transfer_references (reference_id, deposited) values ($1, $2)
         on conflict (reference_id) do update set deposited = transfer_references.deposited + excluded.deposited`,
        [request.referenceId, request.amount],
      );
      return { ...request, balance: await addToBalance(tx, request.accountId, request.amount) };
    });
  }

  refund(request: RefundRequest): Promise<OperationResult> {
    return this.#keyed('refund', request, async (tx) => {
      const reference = await referenceOf(tx, request.referenceId);
      assertOpen(reference, request.referenceId);
      // Whatever the reference still holds goes back, possibly nothing (it never withdrew, or it deposited it all):
      // the refund closes it either way, so a withdraw or deposit of it that arrives late can never apply.
      const amount = refundable(reference);
      // The amount was refundable and no longer is, and the balance gets it back: the potential total stays.
      await tx.query(
        `insert into transfer_references (reference_id, refunded, closed) values ($1, $2, true)
         on conflict (reference_id) do update set refunded = transfer_references.refunded + excluded.refunded, closed = true`,
        [request.referenceId, amount],
      );
      const accountId = reference?.sourceAccountId ?? null;
      const balance = accountId === null ? null : await addToBalance(tx, accountId, amount);
      return { ...request, accountId, amount, balance };
    });
  }

  audit(): Promise<BankAudit> {
    return this.#db.transaction(async (tx) => {
      const accounts = await tx.query<Account>('select account_id as "accountId", balance from accounts order by account_id');
      const closed = await tx.query<{ reference_id: string }>(
        'select reference_id from transfer_references where closed order by reference_id',
      );
      const operations = (await listOperations<OperationResult>(tx)).map(({ seq, result, appliedAt }): AppliedBankOperation => ({
        seq,
        operationId: result.operationId,
        idempotencyKey: result.idempotencyKey,
        kind: result.kind,
        accountId: result.accountId,
        amount: result.amount,
        referenceId: result.referenceId,
        appliedAt,
      }));
      return {
        accounts: accounts.rows,
        // Exact: the balances sum to at most the potential total, which stays within 2^53 - 1.
        totalBalance: accounts.rows.reduce((sum, account) => sum + account.balance, 0),
        operations,
        closedReferences: closed.rows.map((row) => row.reference_id),
      };
    });
  }

  #keyed<Request extends { idempotencyKey: string }>(
    kind: BankOperation,
    request: Request,
    apply: (tx: Transaction) => Promise<Omit<OperationResult, 'operationId' | 'kind' | 'replayed'>>,
  ): Promise<OperationResult> {
    return runKeyedOperation<OperationResult, Request>(
      this.#db,
      { kind, idempotencyKey: request.idempotencyKey, request },
      async (tx, seq) => ({ operationId: sequentialId(ID_PREFIX[kind], seq), kind, ...(await apply(tx)) }),
    );
  }
}

/** The account's balance; InvalidAccountError when there is no such account. */
async function balanceOf(tx: Transaction, accountId: string): Promise<number> {
  const rows = await tx.query<{ balance: number }>('select balance from accounts where account_id = $1', [accountId]);
  const account = rows.rows[0];
  if (!account) throw new ServiceError('InvalidAccountError', `no account '${accountId}'`);
  return account.balance;
}

async function addToBalance(tx: Transaction, accountId: string, cents: number): Promise<number> {
  const rows = await tx.query<{ balance: number }>('update accounts set balance = balance + $2 where account_id = $1 returning balance', [
    accountId,
    cents,
  ]);
  return (rows.rows[0] as { balance: number }).balance;
}

const NEW_REFERENCE: TransferReference = { sourceAccountId: null, withdrawn: 0, deposited: 0, refunded: 0, closed: false };

/** What an open reference could still refund: withdrawn minus deposited and refunded, never below 0. */
function refundable(reference: TransferReference | undefined): number {
  if (!reference || reference.closed) return 0;
  return Math.max(0, reference.withdrawn - reference.deposited - reference.refunded);
}

/** Moves the bank's potential total by `cents`; growing it past 2^53 - 1 is a ValidationError on `field`. */
async function addToPotentialTotal(tx: Transaction, cents: number, field: string): Promise<void> {
  if (cents === 0) return;
  if (cents > 0) {
    const rows = await tx.query<{ total: string }>('select potential_total::text as total from bank_totals where id = 1');
    requireTotalWithin(
      (rows.rows[0] as { total: string }).total,
      cents,
      field,
      "the bank's total (every balance plus what open transfers could refund)",
    );
  }
  await tx.query('update bank_totals set potential_total = potential_total + $1 where id = 1', [cents]);
}

async function referenceOf(tx: Transaction, referenceId: string): Promise<TransferReference | undefined> {
  const rows = await tx.query<TransferReference>(
    `select source_account_id as "sourceAccountId", withdrawn, deposited, refunded, closed
     from transfer_references where reference_id = $1`,
    [referenceId],
  );
  return rows.rows[0];
}

function assertOpen(reference: TransferReference | undefined, referenceId: string): void {
  if (reference?.closed) {
    throw new ServiceError('TransferClosedError', `reference '${referenceId}' was refunded and is closed; no more money moves under it`);
  }
}
