import type { Database, Transaction } from '../db';
import { listOperations, runKeyedOperation, sequentialId } from '../idempotency';
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
  StoreOperation,
  UndoResult,
} from './api';
import { inventoryAudit, releaseReservations, reserveItems, setStock } from './inventory';
import { assertStepOpen, closeStep } from './order-steps';
import { charge, openCustomer, paymentsAudit, refundCharges } from './payments';
import { cancelShipments, createShipment, shipmentsAudit } from './shipments';

/** The store's operations on the database, free of HTTP: each is one transaction. Rules: ./api.ts. */
export class Store {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  setStock(request: StockRequest): Promise<StockLevel> {
    return this.#db.transaction((tx) => setStock(tx, request));
  }

  openCustomer(request: OpenCustomerRequest): Promise<Customer> {
    return this.#db.transaction((tx) => openCustomer(tx, request));
  }

  reserveInventory(request: ReserveRequest): Promise<ReservationResult> {
    return this.#keyed('reserveInventory', request, async (tx, seq) => {
      await assertStepOpen(tx, request.orderId, 'inventory');
      const reservationId = sequentialId('RSV', seq);
      await reserveItems(tx, { reservationId, seq, orderId: request.orderId, items: request.items });
      return { ...request, reservationId };
    });
  }

  releaseInventory(request: OrderStepRequest): Promise<UndoResult> {
    return this.#keyed('releaseInventory', request, async (tx) => {
      const undone = await releaseReservations(tx, request.orderId);
      await closeStep(tx, request.orderId, 'inventory');
      return { ...request, undone };
    });
  }

  chargePayment(request: ChargeRequest): Promise<ChargeResult> {
    return this.#keyed('chargePayment', request, async (tx, seq) => {
      await assertStepOpen(tx, request.orderId, 'payment');
      const paymentId = sequentialId('PAY', seq);
      await charge(tx, { paymentId, seq, request });
      return { ...request, paymentId };
    });
  }

  refundPayment(request: OrderStepRequest): Promise<UndoResult> {
    return this.#keyed('refundPayment', request, async (tx) => {
      const undone = await refundCharges(tx, request.orderId);
      await closeStep(tx, request.orderId, 'payment');
      return { ...request, undone };
    });
  }

  createShipment(request: ShipmentRequest): Promise<ShipmentResult> {
    return this.#keyed('createShipment', request, async (tx, seq) => {
      await assertStepOpen(tx, request.orderId, 'shipment');
      const shipmentId = sequentialId('SHP', seq);
      const trackingNumber = await createShipment(tx, { shipmentId, seq, orderId: request.orderId, address: request.address });
      return { orderId: request.orderId, idempotencyKey: request.idempotencyKey, shipmentId, trackingNumber };
    });
  }

  cancelShipment(request: OrderStepRequest): Promise<UndoResult> {
    return this.#keyed('cancelShipment', request, async (tx) => {
      const undone = await cancelShipments(tx, request.orderId);
      await closeStep(tx, request.orderId, 'shipment');
      return { ...request, undone };
    });
  }

  cancelOrder(request: OrderStepRequest): Promise<CancelOrderResult> {
    return this.#keyed('cancelOrder', request, async (tx) => {
      const { orderId } = request;
      const releasedInventory = await releaseReservations(tx, orderId);
      const refundedPayment = await refundCharges(tx, orderId);
      const cancelledShipment = await cancelShipments(tx, orderId);
      for (const step of ['inventory', 'payment', 'shipment'] as const) await closeStep(tx, orderId, step);
      return { ...request, releasedInventory, refundedPayment, cancelledShipment };
    });
  }

  audit(): Promise<StoreAudit> {
    return this.#db.transaction(async (tx) => {
      const operations = await listOperations<{ orderId: string; idempotencyKey: string }>(tx);
      return {
        ...(await inventoryAudit(tx)),
        ...(await paymentsAudit(tx)),
        shipments: await shipmentsAudit(tx),
        operations: operations.map(({ seq, kind, result, appliedAt }) => ({
          seq,
          idempotencyKey: result.idempotencyKey,
          kind: kind as StoreOperation,
          orderId: result.orderId,
          appliedAt,
        })),
      };
    });
  }

  #keyed<Result extends { replayed: boolean }, Request extends { idempotencyKey: string }>(
    kind: StoreOperation,
    request: Request,
    apply: (tx: Transaction, seq: number) => Promise<Omit<Result, 'replayed'>>,
  ): Promise<Result> {
    return runKeyedOperation<Result, Request>(this.#db, { kind, idempotencyKey: request.idempotencyKey, request }, apply);
  }
}
