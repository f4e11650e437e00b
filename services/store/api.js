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
 * - Validation (400 ValidationError naming the field) as in the bank.
 */
export const SHIPPING_COUNTRIES = ['DE', 'FR', 'GB', 'NL', 'US'];
//# sourceMappingURL=api.js.map