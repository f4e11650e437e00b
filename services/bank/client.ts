import { ServiceClient, type ServiceClientOptions } from '../client';
import type { Account, BankAudit, MoneyMovementRequest, OpenAccountRequest, OperationResult, RefundRequest } from './api';

/** Typed client of the bank service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export class BankClient extends ServiceClient {
  constructor(options: ServiceClientOptions) {
    super('bank', options);
  }

  openAccount(request: OpenAccountRequest): Promise<Account> {
    return this.call('openAccount', 'POST', '/accounts', request);
  }

  getAccount(accountId: string): Promise<Account> {
    return this.call('getAccount', 'GET', `/accounts/${encodeURIComponent(accountId)}`);
  }

  withdraw(request: MoneyMovementRequest): Promise<OperationResult> {
    return this.call('withdraw', 'POST', '/withdraw', request);
  }

  deposit(request: MoneyMovementRequest): Promise<OperationResult> {
    return this.call('deposit', 'POST', '/deposit', request);
  }

  refund(request: RefundRequest): Promise<OperationResult> {
    return this.call('refund', 'POST', '/refund', request);
  }

  audit(): Promise<BankAudit> {
    return this.call('audit', 'GET', '/audit');
  }
}
