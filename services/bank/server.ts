import type http from 'node:http';
import type { HealthBody } from '../contract';
import type { Database } from '../db';
import { FaultSwitchboard, operationRoute } from '../faults';
import { createJsonServer, type Log, type Route } from '../http';
import { requireId } from '../validate';
import type { BankOperation } from './api';
import { BankLedger } from './ledger';
import { parseMoneyMovement, parseOpenAccount, parseRefund } from './requests';

const BANK_OPERATIONS: readonly BankOperation[] = ['withdraw', 'deposit', 'refund'];

export interface BankServerOptions {
  /** A database opened with `bankSchema` (see ./ledger). The caller owns it and closes it after the server. */
  db: Database;
  /** Where internal errors are logged; stderr by default. */
  log?: Log;
}

/** The bank's HTTP server (routes in ./api.ts), not yet listening. */
export function createBankServer(options: BankServerOptions): http.Server {
  const ledger = new BankLedger(options.db);
  const faults = new FaultSwitchboard(BANK_OPERATIONS);
  const health: HealthBody = { service: 'bank', ok: true };

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/accounts',
      handler: async ({ body }) => ({ status: 201, body: await ledger.openAccount(parseOpenAccount(body)) }),
    },
    {
      method: 'GET',
      path: '/accounts/:accountId',
      handler: async ({ params }) => ({ body: await ledger.getAccount(requireId(params.accountId, 'accountId')) }),
    },
    operationRoute(faults, {
      path: '/withdraw',
      operation: 'withdraw',
      parse: parseMoneyMovement,
      apply: (request) => ledger.withdraw(request),
    }),
    operationRoute(faults, {
      path: '/deposit',
      operation: 'deposit',
      parse: parseMoneyMovement,
      apply: (request) => ledger.deposit(request),
    }),
    operationRoute(faults, {
      path: '/refund',
      operation: 'refund',
      parse: parseRefund,
      apply: (request) => ledger.refund(request),
    }),
    { method: 'GET', path: '/audit', handler: async () => ({ body: await ledger.audit() }) },
    { method: 'GET', path: '/health', handler: async () => ({ body: health }) },
    ...faults.routes(),
  ];
  return createJsonServer(routes, options.log);
}
