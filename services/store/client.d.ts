import { ServiceClient, type ServiceClientOptions } from '../client';
import type { CancelOrderResult, ChargeRequest, ChargeResult, Customer, OpenCustomerRequest, OrderStepRequest, ReservationResult, ReserveRequest, ShipmentRequest, ShipmentResult, StockLevel, StockRequest, StoreAudit, UndoResult } from './api';
/** Typed client of the store service (routes and rules in ./api.ts). Errors: ServiceCallError, ServiceUnreachableError. */
export declare class StoreClient extends ServiceClient {
    constructor(options: ServiceClientOptions);
    setStock(request: StockRequest): Promise<StockLevel>;
    openCustomer(request: OpenCustomerRequest): Promise<Customer>;
    reserveInventory(request: ReserveRequest): Promise<ReservationResult>;
    releaseInventory(request: OrderStepRequest): Promise<UndoResult>;
    chargePayment(request: ChargeRequest): Promise<ChargeResult>;
    refundPayment(request: OrderStepRequest): Promise<UndoResult>;
    createShipment(request: ShipmentRequest): Promise<ShipmentResult>;
    cancelShipment(request: OrderStepRequest): Promise<UndoResult>;
    cancelOrder(request: OrderStepRequest): Promise<CancelOrderResult>;
    audit(): Promise<StoreAudit>;
}
