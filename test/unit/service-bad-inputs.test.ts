/**
 * The catalogue of bad inputs to the bank and the store, sent to real servers: each gets a 400 ValidationError naming
 * the field, never a 500 (which a workflow would retry), and changes nothing (the audit and the fault rules are as
 * before). The fast-check properties in service-validation-properties.test.ts search the same class at random.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankClient } from '../../services/bank/client';
import type { StoreClient } from '../../services/store/client';
import { createJsonServer, closeServer, listen } from '../../services/http';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, startBank, startStore, uniqueId } from './support/services';

const MAX = Number.MAX_SAFE_INTEGER;

let bankService: InProcessService<BankClient>;
let storeService: InProcessService<StoreClient>;
const seeded = {
  account: uniqueId('acct'),
  reference: uniqueId('ref'),
  sku: uniqueId('sku'),
  customer: uniqueId('cust'),
  order: uniqueId('order'),
};

beforeAll(async () => {
  [bankService, storeService] = await Promise.all([startBank(), startStore()]);
  const bank = bankService.client;
  const store = storeService.client;
  // Some state for a bad request to leave alone.
  await bank.openAccount({ accountId: seeded.account, balance: 10_000 });
  await bank.withdraw({ accountId: seeded.account, amount: 100, referenceId: seeded.reference, idempotencyKey: uniqueId('key') });
  await store.setStock({ sku: seeded.sku, available: 50 });
  await store.openCustomer({ customerId: seeded.customer, credit: 5_000 });
  await store.reserveInventory({ orderId: seeded.order, items: [{ sku: seeded.sku, quantity: 10 }], idempotencyKey: uniqueId('key') });
}, SERVICE_START_TIMEOUT_MS);

afterAll(() => Promise.all([bankService?.stop(), storeService?.stop()]));

/** Everything a request could change: the audit and what is left of the fault rules. */
async function stateOf(service: 'bank' | 'store'): Promise<unknown> {
  const client = service === 'bank' ? bankService.client : storeService.client;
  return { audit: await client.audit(), faults: await client.listFaults() };
}

async function send(
  url: string,
  method: 'GET' | 'POST',
  body?: unknown,
): Promise<{ status: number; body: { error?: { type: string; field?: string; message: string } } }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { type: string; field?: string; message: string } } };
}

const long = 'x'.repeat(201);
const movement = (change: Record<string, unknown>) => ({
  accountId: seeded.account,
  amount: 100,
  idempotencyKey: uniqueId('key'),
  referenceId: uniqueId('ref'),
  ...change,
});
const orderStep = (change: Record<string, unknown>) => ({ orderId: uniqueId('order'), idempotencyKey: uniqueId('key'), ...change });
const address = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' };

interface BadRequest {
  name: string;
  service: 'bank' | 'store';
  method?: 'GET' | 'POST';
  path: string;
  body?: () => unknown;
  field: string;
  /** A part of the message that says what is wrong. */
  says: string;
}

const BAD_REQUESTS: BadRequest[] = [
  // Ids: control characters (PostgreSQL text cannot hold NUL: it was a 500), lone surrogates (stored as U+FFFD, so
  // two ids became one), too long, empty, not a string.
  {
    name: 'an account id with NUL',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\u0000b', balance: 1 }),
    field: 'accountId',
    says: 'a control character (U+0000)',
  },
  {
    name: 'an account id with U+0001',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\u0001b', balance: 1 }),
    field: 'accountId',
    says: 'a control character (U+0001)',
  },
  {
    name: 'an account id with DEL',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\u007f', balance: 1 }),
    field: 'accountId',
    says: 'U+007F',
  },
  {
    name: 'an account id with a C1 control (U+0085)',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\u0085', balance: 1 }),
    field: 'accountId',
    says: 'U+0085',
  },
  {
    name: 'an account id with a line break inside',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\nb', balance: 1 }),
    field: 'accountId',
    says: 'U+000A',
  },
  {
    name: 'an account id with a lone high surrogate',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 'a\ud800', balance: 1 }),
    field: 'accountId',
    says: 'a lone surrogate (U+D800)',
  },
  {
    name: 'an account id with a lone low surrogate',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: '\udc00a', balance: 1 }),
    field: 'accountId',
    says: 'a lone surrogate (U+DC00)',
  },
  {
    name: 'an account id of 201 characters',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: long, balance: 1 }),
    field: 'accountId',
    says: 'at most 200 characters',
  },
  {
    name: 'an account id of spaces',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: '   ', balance: 1 }),
    field: 'accountId',
    says: 'non-empty string',
  },
  {
    name: 'an account id that is a number',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: 42, balance: 1 }),
    field: 'accountId',
    says: 'non-empty string',
  },
  {
    name: 'an opening balance of 2^53',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: uniqueId('acct'), balance: 2 ** 53 }),
    field: 'balance',
    says: 'at most 9007199254740991',
  },
  {
    name: 'an opening balance that takes the bank’s total past 2^53 - 1',
    service: 'bank',
    path: '/accounts',
    body: () => ({ accountId: uniqueId('acct'), balance: MAX }),
    field: 'balance',
    says: "the bank's total",
  },
  {
    name: 'a withdraw idempotency key with NUL',
    service: 'bank',
    path: '/withdraw',
    body: () => movement({ idempotencyKey: 'k\u0000' }),
    field: 'idempotencyKey',
    says: 'U+0000',
  },
  {
    name: 'a withdraw reference id with a tab',
    service: 'bank',
    path: '/withdraw',
    body: () => movement({ referenceId: 'r\tx' }),
    field: 'referenceId',
    says: 'U+0009',
  },
  {
    name: 'a deposit account id with NUL',
    service: 'bank',
    path: '/deposit',
    body: () => movement({ accountId: '\u0000' }),
    field: 'accountId',
    says: 'U+0000',
  },
  {
    name: 'a deposit that takes the bank’s total past 2^53 - 1',
    service: 'bank',
    path: '/deposit',
    body: () => movement({ amount: MAX }),
    field: 'amount',
    says: "the bank's total",
  },
  {
    name: 'a deposit amount of 2^53 + 2',
    service: 'bank',
    path: '/deposit',
    body: () => movement({ amount: 2 ** 53 + 2 }),
    field: 'amount',
    says: 'at most 9007199254740991',
  },
  {
    name: 'a refund reference id with NUL',
    service: 'bank',
    path: '/refund',
    body: () => ({ referenceId: 'r\u0000', idempotencyKey: uniqueId('key') }),
    field: 'referenceId',
    says: 'U+0000',
  },
  {
    name: 'a refund idempotency key with a lone surrogate',
    service: 'bank',
    path: '/refund',
    body: () => ({ referenceId: seeded.reference, idempotencyKey: 'k\udfff' }),
    field: 'idempotencyKey',
    says: 'lone surrogate',
  },
  {
    name: 'an account looked up by an id with NUL (%00)',
    service: 'bank',
    method: 'GET',
    path: '/accounts/a%00b',
    field: 'accountId',
    says: 'U+0000',
  },
  {
    name: 'an account looked up by bytes that are not UTF-8 (%ED%A0%80)',
    service: 'bank',
    method: 'GET',
    path: '/accounts/%ED%A0%80',
    field: 'accountId',
    says: 'not valid percent-encoding',
  },
  {
    name: 'an account looked up by a blank id (%20)',
    service: 'bank',
    method: 'GET',
    path: '/accounts/%20',
    field: 'accountId',
    says: 'non-empty string',
  },
  {
    name: 'a fault rule matching a reference id with NUL',
    service: 'bank',
    path: '/_faults',
    body: () => ({ operation: 'deposit', effect: 'fail', match: { referenceId: 'r\u0000' } }),
    field: 'match.referenceId',
    says: 'U+0000',
  },
  {
    name: 'a SKU with NUL',
    service: 'store',
    path: '/inventory',
    body: () => ({ sku: 's\u0000', available: 1 }),
    field: 'sku',
    says: 'U+0000',
  },
  {
    name: 'stock of 2^53',
    service: 'store',
    path: '/inventory',
    body: () => ({ sku: uniqueId('sku'), available: 2 ** 53 }),
    field: 'available',
    says: 'at most 9007199254740991',
  },
  {
    name: 'stock that with what is reserved passes 2^53 - 1',
    service: 'store',
    path: '/inventory',
    body: () => ({ sku: seeded.sku, available: MAX }),
    field: 'available',
    says: 'available plus reserved',
  },
  {
    name: 'a customer id with NUL',
    service: 'store',
    path: '/customers',
    body: () => ({ customerId: 'c\u0000', credit: 1 }),
    field: 'customerId',
    says: 'U+0000',
  },
  {
    name: 'credit that takes the store’s money total past 2^53 - 1',
    service: 'store',
    path: '/customers',
    body: () => ({ customerId: uniqueId('cust'), credit: MAX }),
    field: 'credit',
    says: "the store's money total",
  },
  {
    name: 'a reserve order id with ESC',
    service: 'store',
    path: '/inventory/reserve',
    body: () => ({ ...orderStep({ orderId: 'o\u001b[31m' }), items: [{ sku: seeded.sku, quantity: 1 }] }),
    field: 'orderId',
    says: 'U+001B',
  },
  {
    name: 'a reserved SKU with NUL',
    service: 'store',
    path: '/inventory/reserve',
    body: () => ({
      ...orderStep({}),
      items: [
        { sku: seeded.sku, quantity: 1 },
        { sku: 'x\u0000', quantity: 1 },
      ],
    }),
    field: 'items[1].sku',
    says: 'U+0000',
  },
  {
    name: 'quantities of one SKU that sum past 2^53 - 1',
    service: 'store',
    path: '/inventory/reserve',
    body: () => ({
      ...orderStep({}),
      items: [
        { sku: seeded.sku, quantity: MAX },
        { sku: seeded.sku, quantity: 1 },
      ],
    }),
    field: 'items[1].quantity',
    says: `the order's quantity of sku '${seeded.sku}' to 9007199254740992`,
  },
  {
    name: 'a charge customer id with a lone surrogate',
    service: 'store',
    path: '/payments/charge',
    body: () => ({ ...orderStep({}), customerId: 'c\ud83d', amount: 1 }),
    field: 'customerId',
    says: 'lone surrogate',
  },
  {
    name: 'a charge of 2^53',
    service: 'store',
    path: '/payments/charge',
    body: () => ({ ...orderStep({}), customerId: seeded.customer, amount: 2 ** 53 }),
    field: 'amount',
    says: 'at most 9007199254740991',
  },
  {
    name: 'an address name with NUL',
    service: 'store',
    path: '/shipments',
    body: () => ({ ...orderStep({}), address: { ...address, name: 'A\u0000' } }),
    field: 'address.name',
    says: 'U+0000',
  },
  {
    name: 'an address city of 201 characters',
    service: 'store',
    path: '/shipments',
    body: () => ({ ...orderStep({}), address: { ...address, city: long } }),
    field: 'address.city',
    says: 'at most 200 characters',
  },
  {
    name: 'an address country that is a number',
    service: 'store',
    path: '/shipments',
    body: () => ({ ...orderStep({}), address: { ...address, country: 49 } }),
    field: 'address.country',
    says: 'must be a string',
  },
  {
    name: 'a release order id with NUL',
    service: 'store',
    path: '/inventory/release',
    body: () => orderStep({ orderId: seeded.order.concat('\u0000') }),
    field: 'orderId',
    says: 'U+0000',
  },
  {
    name: 'a payment refund idempotency key with NUL',
    service: 'store',
    path: '/payments/refund',
    body: () => orderStep({ idempotencyKey: '\u0000' }),
    field: 'idempotencyKey',
    says: 'U+0000',
  },
  {
    name: 'a shipment cancel order id of 201 characters',
    service: 'store',
    path: '/shipments/cancel',
    body: () => orderStep({ orderId: long }),
    field: 'orderId',
    says: 'at most 200 characters',
  },
  {
    name: 'an order cancel order id with NUL',
    service: 'store',
    path: '/orders/cancel',
    body: () => orderStep({ orderId: 'o\u0000' }),
    field: 'orderId',
    says: 'U+0000',
  },
];

describe('a bad request gets a 400 ValidationError naming the field and changes nothing', () => {
  it.each(BAD_REQUESTS.map((request) => [`${request.service}: ${request.name}`, request] as const))('%s', async (_, request) => {
    const url = (request.service === 'bank' ? bankService : storeService).url;
    const before = await stateOf(request.service);

    const answer = await send(`${url}${request.path}`, request.method ?? 'POST', request.body?.());

    expect({ status: answer.status, type: answer.body.error?.type, field: answer.body.error?.field }).toEqual({
      status: 400,
      type: 'ValidationError',
      field: request.field,
    });
    expect(answer.body.error?.message).toContain(request.says);
    expect(await stateOf(request.service)).toEqual(before);
  });
});

describe('the HTTP layer', () => {
  it('answers 400 to a request target that is no URL (absolute form `GET http://[`), not 500', async () => {
    const { port } = new URL(bankService.url);
    const statusLine = await new Promise<string>((resolve, reject) => {
      let answer = '';
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.end('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer.split('\r\n')[0]!));
      socket.on('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
  });

  it('answers 500 to a body it cannot serialise, and keeps serving (the rejection used to end the process)', async () => {
    const logged: string[] = [];
    const server = createJsonServer(
      [
        { method: 'GET', path: '/bigint', handler: async () => ({ body: { cents: 2n ** 53n } }) },
        { method: 'GET', path: '/fine', handler: async () => ({ body: { ok: true } }) },
      ],
      (line) => logged.push(line),
    );
    const url = await listen(server, 0, '127.0.0.1');
    try {
      const broken = await send(`${url}/bigint`, 'GET');
      expect([broken.status, broken.body.error?.type]).toEqual([500, 'InternalError']);
      expect(logged.join('\n')).toContain('BigInt');
      expect((await send(`${url}/fine`, 'GET')).status).toBe(200);
    } finally {
      await closeServer(server, 0);
    }
  });
});
