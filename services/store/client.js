import { ServiceClient } from '../client';
/** Typed client of the store service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export class StoreClient extends ServiceClient {
    constructor(options) {
        super('store', options);
    }
    setStock(request) {
        return this.call('setStock', 'POST', '/inventory', request);
    }
    openCustomer(request) {
        return this.call('openCustomer', 'POST', '/customers', request);
    }
    reserveInventory(request) {
        return this.call('reserveInventory', 'POST', '/inventory/reserve', request);
    }
    releaseInventory(request) {
        return this.call('releaseInventory', 'POST', '/inventory/release', request);
    }
    chargePayment(request) {
        return this.call('chargePayment', 'POST', '/payments/charge', request);
    }
    refundPayment(request) {
        return this.call('refundPayment', 'POST', '/payments/refund', request);
    }
    createShipment(request) {
        return this.call('createShipment', 'POST', '/shipments', request);
    }
    cancelShipment(request) {
        return this.call('cancelShipment', 'POST', '/shipments/cancel', request);
    }
    cancelOrder(request) {
        return this.call('cancelOrder', 'POST', '/orders/cancel', request);
    }
    audit() {
        return this.call('audit', 'GET', '/audit');
    }
}
//# sourceMappingURL=client.js.map