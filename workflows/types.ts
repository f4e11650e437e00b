/**
 * Inputs, results and names shared by the workflows, their activities and their clients.
 * Deterministic code only: no Node, network or clock here.
 */

/** Task queues the packaged workflows run on. */
export const TASK_QUEUES = {
  moneyTransfer: 'money-transfer',
  orders: 'orders',
} as const;

export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];

/** A money transfer, as in the Temporal money-transfer tutorial. Amounts are integer cents. */
export interface TransferDetails {
  sourceAccount: string;
  targetAccount: string;
  amount: number;
  /** Business id of the transfer: the workflow id and every idempotency key derive from it. */
  referenceId: string;
}

export interface TransferResult {
  referenceId: string;
  withdrawalId: string;
  depositId: string;
}

export const transferWorkflowId = (referenceId: string): string => `transfer-${referenceId}`;

export interface LineItem {
  sku: string;
  quantity: number;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface OrderDetails {
  orderId: string;
  customerId: string;
  items: LineItem[];
  /** Total to charge, integer cents. */
  amount: number;
  address: ShippingAddress;
}

export type OrderStep = 'reserveInventory' | 'chargePayment' | 'createShipment';
export type CompensationStep = 'releaseInventory' | 'refundPayment' | 'cancelShipment';

export interface OrderSagaResult {
  orderId: string;
  reservationId: string;
  paymentId: string;
  shipmentId: string;
  trackingNumber: string;
}

/** Attached to an OrderFailed failure: what failed and what was undone. */
export interface SagaFailureDetails {
  orderId: string;
  failedStep: OrderStep;
  /** Compensations that ran, in the order they ran. */
  compensated: CompensationStep[];
  /** Compensations that failed (each was logged; the others still ran). */
  compensationFailures: { step: CompensationStep; message: string }[];
}

export const orderSagaWorkflowId = (orderId: string): string => `order-saga-${orderId}`;

export interface OrderRequest extends OrderDetails {
  /** How long to wait for an approval before rejecting the order automatically. Default 24 hours. */
  approvalTimeout?: string | number;
}

export type OrderState = 'received' | 'reserving' | 'awaiting-approval' | 'shipping' | 'completed' | 'rejected' | 'cancelled' | 'failed';

export interface OrderApproval {
  decision: 'approved' | 'rejected' | 'auto-rejected';
  by?: string;
  reason?: string;
}

export interface OrderStatus {
  orderId: string;
  state: OrderState;
  reservationId?: string;
  paymentId?: string;
  trackingNumber?: string;
  approval?: OrderApproval;
  cancelReason?: string;
  failure?: string;
}

export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;
