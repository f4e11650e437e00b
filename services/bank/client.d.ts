import { ServiceClient, type ServiceClientOptions } from '../client';
import type { Account, BankAudit, MoneyMovementRequest, OpenAccountRequest, OperationResult, RefundRequest } from './api';
/** Typed client of the bank service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export declare class BankClient extends ServiceClient {
    constructor(options: ServiceClientOptions);
    openAccount(request: OpenAccountRequest): Promise<Account>;
    getAccount(accountId: string): Promise<Account>;
    withdraw(request: MoneyMovementRequest): Promise<OperationResult>;
    deposit(request: MoneyMovementRequest): Promise<OperationResult>;
    refund(request: RefundRequest): Promise<OperationResult>;
    audit(): Promise<BankAudit>;
}
