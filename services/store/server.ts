import type http from 'node:http';
import type { HealthBody } from '../contract';
import type { Database } from '../db';
import { FaultSwitchboard, operationRoute } from '../faults';
import { createJsonServer, type Log, type Route } from '../http';
import type { StoreOperation } from './api';
import { parseCharge, parseOpenCustomer, parseOrderStep, parseReserve, parseShipment, parseStock } from './requests';
import { Store } from './store';

const STORE_OPERATIONS: readonly StoreOperation[] = [
  'reserveInventory',
  'releaseInventory',
  'chargePayment',
  'refundPayment',
  'createShipment',
  'cancelShipment',
  'cancelOrder',
];

export interface StoreServerOptions {
  /** A database opened with `storeSchema` (see ./schema). The caller owns it and closes it after the server. */
  db: Database;
  /** Where internal errors are logged; stderr by default. */
  log?: Log;
}

/** The store's HTTP server (routes in ./api.ts), not yet listening. */
export function createStoreServer(options: StoreServerOptions): http.Server {
  const store = new Store(options.db);
  const faults = new FaultSwitchboard(STORE_OPERATIONS);
  const health: HealthBody = { service: 'store', ok: true };

  const routes: Route[] = [
    { method: 'POST', path: '/inventory', handler: async ({ body }) => ({ body: await store.setStock(parseStock(body)) }) },
    {
      method: 'POST',
      path: '/customers',
      handler: async ({ body }) => ({ status: 201, body: await store.openCustomer(parseOpenCustomer(body)) }),
    },
    operationRoute(faults, {
      path: '/inventory/reserve',
      operation: 'reserveInventory',
      parse: parseReserve,
      apply: (request) => store.reserveInventory(request),
    }),
    operationRoute(faults, {
      path: '/inventory/release',
      operation: 'releaseInventory',
      parse: parseOrderStep,
      apply: (request) => store.releaseInventory(request),
    }),
    operationRoute(faults, {
      path: '/payments/charge',
      operation: 'chargePayment',
      parse: parseCharge,
      apply: (request) => store.chargePayment(request),
    }),
    operationRoute(faults, {
      path: '/payments/refund',
      operation: 'refundPayment',
      parse: parseOrderStep,
      apply: (request) => store.refundPayment(request),
    }),
    operationRoute(faults, {
      path: '/shipments',
      operation: 'createShipment',
      parse: parseShipment,
      apply: (request) => store.createShipment(request),
    }),
    operationRoute(faults, {
      path: '/shipments/cancel',
      operation: 'cancelShipment',
      parse: parseOrderStep,
      apply: (request) => store.cancelShipment(request),
    }),
    operationRoute(faults, {
      path: '/orders/cancel',
      operation: 'cancelOrder',
      parse: parseOrderStep,
      apply: (request) => store.cancelOrder(request),
    }),
    { method: 'GET', path: '/audit', handler: async () => ({ body: await store.audit() }) },
    { method: 'GET', path: '/health', handler: async () => ({ body: health }) },
    ...faults.routes(),
  ];
  return createJsonServer(routes, options.log);
}
