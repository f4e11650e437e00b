/**
 * Store service API (HTTP + JSON): inventory, payments, shipments. Amounts are integer cents.
 *
 * Routes
 * - `POST /inventory`               StockRequest -> StockLevel (sets a SKU's available quantity; seeding)
 * - `POST /customers`               OpenCustomerRequest -> Customer (201; an existing id is a 400 ValidationError)
 * - `POST /inventory/reserve`       ReserveRequest -> ReservationResult
 * - `POST /inventory/release`       OrderStepRequest -> UndoResult
 * - `POST /payments/charge`         ChargeRequest -> ChargeResult
 * - `POST /payments/refund`         OrderStepRequest -> UndoResult
 * - `POST /shipments`               ShipmentRequest -> ShipmentResult
 * - `POST /shipments/cancel`        OrderStepRequest -> UndoResult
 * - `POST /orders/cancel`           OrderStepRequest -> CancelOrderResult (release + refund + cancel shipment, atomically)
 * - `GET  /audit`                   -> StoreAudit
 * - `GET  /health`                  -> HealthBody
 * - `POST|GET|DELETE /_faults`      fault switches (see services/contract.ts)
 *
 * Rules (each call is one database transaction: all or nothing)
 * - reserve: all items or none; OutOfStockError when any SKU is short or unknown.
 * - charge: PaymentDeclined when the customer is unknown or its credit is short.
 * - createShipment: InvalidAddressError when the address lacks name, line1 or city, or its country is not
 *   one of SHIPPING_COUNTRIES.
 * - release / refund / cancelShipment undo everything of that kind the order holds (all its active
 *   reservations, charges, shipments) and close that kind for the order: a later reserve / charge / createShipment
 *   for a closed order is OrderClosedError, so a late retry can never land after its compensation ran.
 *   Undoing when there is nothing to undo succeeds with `undone: false` and still closes. OrderClosedError is a 422
 *   like the other business errors (not 409): the order's state forbids the call, and no retry can change that.
 * - Deduplication is by idempotency key only (as in the bank): a repeated key returns the first result with
 *   `replayed: true`; the same key with a different request is IdempotencyKeyReused (409).
 * - Validation (400 ValidationError naming the field) as in the bank (see services/contract.ts); address parts may be
 *   empty, but are strings of at most 200 characters without control characters or lone surrogates.
 * - Exact totals: moneyTotal (credit plus active charges) and each SKU's stock total (available plus reserved) stay
 *   within 2^53 - 1. Opening `credit` or `available` stock that would take one past it is a 400, as is an order whose
 *   quantities of one SKU sum past it (on the `items[i].quantity` that would). A charge, a refund and a release only
 *   move money and stock, so they are never refused for it.
 */

export type StoreOperation =
  'reserveInventory' | 'releaseInventory' | 'chargePayment' | 'refundPayment' | 'createShipment' | 'cancelShipment' | 'cancelOrder';

export const SHIPPING_COUNTRIES = ['DE', 'FR', 'GB', 'NL', 'US'] as const;

export interface StockRequest {
  sku: string;
  /** Available quantity, >= 0. */
  available: number;
}

export interface StockLevel {
  sku: string;
  available: number;
}

export interface OpenCustomerRequest {
  customerId: string;
  /** Credit in cents, >= 0. */
  credit: number;
}

export interface Customer {
  customerId: string;
  credit: number;
}

export interface LineItem {
  sku: string;
  quantity: number;
}

export interface Address {
  name: string;
  line1: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface ReserveRequest {
  orderId: string;
  items: LineItem[];
  idempotencyKey: string;
}

export interface ChargeRequest {
  orderId: string;
  customerId: string;
  amount: number;
  idempotencyKey: string;
}

export interface ShipmentRequest {
  orderId: string;
  address: Address;
  idempotencyKey: string;
}

export interface OrderStepRequest {
  orderId: string;
  idempotencyKey: string;
}

interface StepResultBase {
  orderId: string;
  idempotencyKey: string;
  /** True when this answer repeats an earlier call with the same key (nothing changed this time). */
  replayed: boolean;
}

export interface ReservationResult extends StepResultBase {
  reservationId: string;
  items: LineItem[];
}

export interface ChargeResult extends StepResultBase {
  paymentId: string;
  customerId: string;
  amount: number;
}

export interface ShipmentResult extends StepResultBase {
  shipmentId: string;
  trackingNumber: string;
}

export interface UndoResult extends StepResultBase {
  /** False when there was nothing to undo. */
  undone: boolean;
}

export interface CancelOrderResult extends StepResultBase {
  releasedInventory: boolean;
  refundedPayment: boolean;
  cancelledShipment: boolean;
}

export interface AppliedStoreOperation {
  seq: number;
  idempotencyKey: string;
  kind: StoreOperation;
  orderId: string;
  appliedAt: string;
}

export interface StoreAudit {
  stock: StockLevel[];
  customers: Customer[];
  reservations: { reservationId: string; orderId: string; items: LineItem[]; status: 'reserved' | 'released' }[];
  payments: { paymentId: string; orderId: string; customerId: string; amount: number; status: 'charged' | 'refunded' }[];
  shipments: { shipmentId: string; orderId: string; trackingNumber: string; status: 'created' | 'cancelled' }[];
  /** Every applied operation, in order. */
  operations: AppliedStoreOperation[];
  /** Sum of customer credit plus active (not refunded) charges: constant unless money is created or lost. */
  moneyTotal: number;
  /** Per SKU, available plus actively reserved quantity: constant unless stock is created or lost. */
  stockTotals: StockLevel[];
}
