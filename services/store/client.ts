import { ServiceClient, type ServiceClientOptions } from '../client';
import type {
  CancelOrderResult,
  ChargeRequest,
  ChargeResult,
  Customer,
  OpenCustomerRequest,
  OrderStepRequest,
  ReservationResult,
  ReserveRequest,
  ShipmentRequest,
  ShipmentResult,
  StockLevel,
  StockRequest,
  StoreAudit,
  UndoResult,
} from './api';

/** Typed client of the store service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export class StoreClient extends ServiceClient {
  constructor(options: ServiceClientOptions) {
    super('store', options);
  }

  setStock(request: StockRequest): Promise<StockLevel> {
    return this.call('setStock', 'POST', '/inventory', request);
  }

  openCustomer(request: OpenCustomerRequest): Promise<Customer> {
    return this.call('openCustomer', 'POST', '/customers', request);
  }

  reserveInventory(request: ReserveRequest): Promise<ReservationResult> {
    return this.call('reserveInventory', 'POST', '/inventory/reserve', request);
  }

  releaseInventory(request: OrderStepRequest): Promise<UndoResult> {
    return this.call('releaseInventory', 'POST', '/inventory/release', request);
  }

  chargePayment(request: ChargeRequest): Promise<ChargeResult> {
    return this.call('chargePayment', 'POST', '/payments/charge', request);
  }

  refundPayment(request: OrderStepRequest): Promise<UndoResult> {
    return this.call('refundPayment', 'POST', '/payments/refund', request);
  }

  createShipment(request: ShipmentRequest): Promise<ShipmentResult> {
    return this.call('createShipment', 'POST', '/shipments', request);
  }

  cancelShipment(request: OrderStepRequest): Promise<UndoResult> {
    return this.call('cancelShipment', 'POST', '/shipments/cancel', request);
  }

  cancelOrder(request: OrderStepRequest): Promise<CancelOrderResult> {
    return this.call('cancelOrder', 'POST', '/orders/cancel', request);
  }

  audit(): Promise<StoreAudit> {
    return this.call('audit', 'GET', '/audit');
  }
}
