import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankClient } from '../../services/bank/client';
import type { StoreClient } from '../../services/store/client';
import { type InProcessService, SERVICE_START_TIMEOUT_MS, startBank, startStore, uniqueId } from './support/services';

/**
 * Property: take a valid request to any mutating route of the bank or the store, break exactly one field with a
 * malformed value (of the wrong type, missing, empty, too long, with a control character or a lone surrogate, out of
 * range, fractional, past 2^53 - 1), and send it to the real server: the answer is a 400 ValidationError naming that
 * field, and nothing changes (the audit, and a fault rule for every operation that a valid call would have used).
 * fast-check prints the seed and path of a failure, so it replays exactly.
 */

let bankService: InProcessService<BankClient>;
let storeService: InProcessService<StoreClient>;
const seeded = { account: uniqueId('acct'), sku: uniqueId('sku'), customer: uniqueId('cust'), order: uniqueId('order') };

beforeAll(async () => {
  [bankService, storeService] = await Promise.all([startBank(), startStore()]);
  await bankService.client.openAccount({ accountId: seeded.account, balance: 10_000 });
  await storeService.client.setStock({ sku: seeded.sku, available: 50 });
  await storeService.client.openCustomer({ customerId: seeded.customer, credit: 5_000 });
  // Every valid call to a keyed operation would use this rule up; a call refused as malformed must not.
  await bankService.client.addFault({ operation: '*', effect: 'fail' });
  await storeService.client.addFault({ operation: '*', effect: 'fail' });
}, SERVICE_START_TIMEOUT_MS);

afterAll(() => Promise.all([bankService?.stop(), storeService?.stop()]));

const MAX = Number.MAX_SAFE_INTEGER;

/** A JSON value of the wrong type for any field here (numbers for strings, strings for numbers, ...). */
const anyJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.nat(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(), { maxKeys: 2 }),
);

/** Placeholder for "leave the field out". */
const MISSING = Symbol('missing');

/** A string with `inserted` somewhere in it. */
const withInside = (inserted: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), inserted, fc.string({ unit: 'grapheme-ascii', maxLength: 20 }))
    .map(([a, x, b]) => `a${a}${x}${b}`);
const controlCharacter = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x80, max: 0x9f }))
  .map((code) => String.fromCharCode(code));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

const malformedString = fc.oneof(
  withInside(controlCharacter),
  withInside(loneSurrogate),
  fc.string({ unit: 'grapheme-ascii', minLength: 201, maxLength: 260 }).map((text) => `x${text}`.padEnd(201, 'y')),
);
const malformedId = fc.oneof(malformedString, fc.constantFrom('', ' ', '\t\n', MISSING), fc.integer(), anyJson);
/** For a field that may be absent or empty (an address part): only the wrong type and unstorable text. */
const malformedText = fc.oneof(malformedString, fc.integer(), anyJson);
const notAnInteger = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
  fc.double({ min: 2 ** 53, max: 1e300, noNaN: true }),
  fc.double({ min: -1e300, max: -(2 ** 53), noNaN: true }),
  fc.integer().map(String),
  fc.constant(MISSING),
  anyJson,
);
const malformed = {
  id: malformedId,
  text: malformedText,
  /** A positive integer number of cents (or count) up to 2^53 - 1 is valid. */
  positive: fc.oneof(notAnInteger, fc.integer({ min: -MAX, max: 0 })),
  /** Zero is valid too. */
  nonNegative: fc.oneof(notAnInteger, fc.integer({ min: -MAX, max: -1 })),
  object: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }), fc.constant(MISSING)),
  list: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(), { maxKeys: 2 }),
    fc.constant(MISSING),
    fc.constant([]),
  ),
};
type Kind = keyof typeof malformed;

interface RouteSpec {
  path: string;
  valid: () => Record<string, unknown>;
  /** Field paths (as the error names them) and what may stand there. */
  fields: [field: string, kind: Kind][];
}

const key = () => uniqueId('key');
const address = () => ({ name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' });

const BANK_ROUTES: RouteSpec[] = [
  {
    path: '/accounts',
    valid: () => ({ accountId: uniqueId('acct'), balance: 100 }),
    fields: [
      ['accountId', 'id'],
      ['balance', 'nonNegative'],
    ],
  },
  ...['/withdraw', '/deposit'].map((path): RouteSpec => ({
    path,
    valid: () => ({ accountId: seeded.account, amount: 10, idempotencyKey: key(), referenceId: uniqueId('ref') }),
    fields: [
      ['accountId', 'id'],
      ['amount', 'positive'],
      ['idempotencyKey', 'id'],
      ['referenceId', 'id'],
    ],
  })),
  {
    path: '/refund',
    valid: () => ({ referenceId: uniqueId('ref'), idempotencyKey: key() }),
    fields: [
      ['referenceId', 'id'],
      ['idempotencyKey', 'id'],
    ],
  },
];

const orderStep = (path: string): RouteSpec => ({
  path,
  valid: () => ({ orderId: uniqueId('order'), idempotencyKey: key() }),
  fields: [
    ['orderId', 'id'],
    ['idempotencyKey', 'id'],
  ],
});

const STORE_ROUTES: RouteSpec[] = [
  {
    path: '/inventory',
    valid: () => ({ sku: uniqueId('sku'), available: 5 }),
    fields: [
      ['sku', 'id'],
      ['available', 'nonNegative'],
    ],
  },
  {
    path: '/customers',
    valid: () => ({ customerId: uniqueId('cust'), credit: 5 }),
    fields: [
      ['customerId', 'id'],
      ['credit', 'nonNegative'],
    ],
  },
  {
    path: '/inventory/reserve',
    valid: () => ({
      orderId: uniqueId('order'),
      items: [
        { sku: seeded.sku, quantity: 1 },
        { sku: seeded.sku, quantity: 2 },
      ],
      idempotencyKey: key(),
    }),
    fields: [
      ['orderId', 'id'],
      ['items', 'list'],
      ['items[0]', 'object'],
      ['items[1].sku', 'id'],
      ['items[0].quantity', 'positive'],
      ['idempotencyKey', 'id'],
    ],
  },
  {
    path: '/payments/charge',
    valid: () => ({ orderId: uniqueId('order'), customerId: seeded.customer, amount: 10, idempotencyKey: key() }),
    fields: [
      ['orderId', 'id'],
      ['customerId', 'id'],
      ['amount', 'positive'],
      ['idempotencyKey', 'id'],
    ],
  },
  {
    path: '/shipments',
    valid: () => ({ orderId: uniqueId('order'), address: address(), idempotencyKey: key() }),
    fields: [
      ['orderId', 'id'],
      ['address', 'object'],
      ['address.name', 'text'],
      ['address.line1', 'text'],
      ['address.city', 'text'],
      ['address.country', 'text'],
      ['idempotencyKey', 'id'],
    ],
  },
  ...['/inventory/release', '/payments/refund', '/shipments/cancel', '/orders/cancel'].map(orderStep),
];

/** The request with the field at `field` (`items[1].sku`, `address.city`) replaced, or removed for MISSING. */
function breakField(request: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const keys = field.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '');
  const broken = structuredClone(request);
  let target = broken as Record<string, unknown>;
  for (const part of keys.slice(0, -1)) target = target[part] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === MISSING) delete target[last];
  else target[last] = value;
  return broken;
}

/** Route, field and malformed value: plain data, so a counterexample prints readably. */
const cases = (routes: RouteSpec[]) =>
  fc
    .constantFrom(...routes.flatMap((route) => route.fields.map(([field, kind]) => ({ path: route.path, field, kind }))))
    .chain(({ path, field, kind }) => malformed[kind].map((value) => ({ path, field, value })));

async function checkProperty(service: () => InProcessService<BankClient | StoreClient>, routes: RouteSpec[]): Promise<void> {
  const stateOf = async () => ({ audit: await service().client.audit(), faults: await service().client.listFaults() });
  const validRequest = new Map(routes.map((route) => [route.path, route.valid]));
  await fc.assert(
    fc.asyncProperty(cases(routes), async ({ path, field, value }) => {
      const body = breakField(validRequest.get(path)!(), field, value);
      const before = await stateOf();
      const response = await fetch(`${service().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { error?: { type: string; field?: string } };
      expect({ status: response.status, type: answer.error?.type, field: answer.error?.field }).toEqual({
        status: 400,
        type: 'ValidationError',
        field,
      });
      expect(await stateOf()).toEqual(before);
    }),
    { numRuns: 500 },
  );
}

describe('every request with one malformed field is a 400 naming that field and changes nothing', () => {
  it('at the bank', () => checkProperty(() => bankService, BANK_ROUTES), 120_000);
  it('at the store', () => checkProperty(() => storeService, STORE_ROUTES), 120_000);
});
