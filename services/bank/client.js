import { ServiceClient } from '../client';
/** Typed client of the bank service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export class BankClient extends ServiceClient {
    constructor(options) {
        super('bank', options);
    }
    openAccount(request) {
        return this.call('openAccount', 'POST', '/accounts', request);
    }
    getAccount(accountId) {
        return this.call('getAccount', 'GET', `/accounts/${encodeURIComponent(accountId)}`);
    }
    withdraw(request) {
        return this.call('withdraw', 'POST', '/withdraw', request);
    }
    deposit(request) {
        return this.call('deposit', 'POST', '/deposit', request);
    }
    refund(request) {
        return this.call('refund', 'POST', '/refund', request);
    }
    audit() {
        return this.call('audit', 'GET', '/audit');
    }
}
//# sourceMappingURL=client.js.map