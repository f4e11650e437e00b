import type { Database, Transaction } from '../db';
import { ServiceError, validationError } from '../errors';
import { listOperations, operationsSchema, runKeyedOperation, sequentialId } from '../idempotency';
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
      assertOpen(await referenceOf(tx, request.referenceId), request.referenceId);
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
      if (reference?.sourceAccountId == null) {
        throw new ServiceError('NothingToRefundError', `reference '${request.referenceId}' never withdrew any money`);
      }
      const amount = reference.withdrawn - reference.deposited - reference.refunded;
      if (amount <= 0) {
        throw new ServiceError(
          'NothingToRefundError',
          `reference '${request.referenceId}' has nothing left to refund: withdrew ${reference.withdrawn} cents, ` +
            `deposited ${reference.deposited}, refunded ${reference.refunded}`,
        );
      }
      await tx.query(
        'update transfer_references set refunded = refunded + $2, closed = true where reference_id = $1',
        [request.referenceId, amount],
      );
      const accountId = reference.sourceAccountId;
      return { ...request, accountId, amount, balance: await addToBalance(tx, accountId, amount) };
    });
  }

  audit(): Promise<BankAudit> {
    return this.#db.transaction(async (tx) => {
      const accounts = await tx.query<Account>(
        'select account_id as "accountId", balance from accounts order by account_id',
      );
      const closed = await tx.query<{ reference_id: string }>(
        'select reference_id from transfer_references where closed order by reference_id',
      );
      const operations = (await listOperations<OperationResult>(tx)).map(
        ({ seq, result, appliedAt }): AppliedBankOperation => ({
          seq,
          operationId: result.operationId,
          idempotencyKey: result.idempotencyKey,
          kind: result.kind,
          accountId: result.accountId,
          amount: result.amount,
          referenceId: result.referenceId,
          appliedAt,
        }),
      );
      return {
        accounts: accounts.rows,
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
  const rows = await tx.query<{ balance: number }>(
    'update accounts set balance = balance + $2 where account_id = $1 returning balance',
    [accountId, cents],
  );
  return (rows.rows[0] as { balance: number }).balance;
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
    throw new ServiceError(
      'TransferClosedError',
      `reference '${referenceId}' was refunded and is closed; no more money moves under it`,
    );
  }
}
