import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankClient } from '../../services/bank/client';
import { DEFAULT_TIMEOUT_MS, ServiceCallError, ServiceUnreachableError } from '../../services/client';
import { closeServer, createJsonServer, KEEP_ALIVE, listen } from '../../services/http';

/** The typed clients' transport rules, against a stand-in server that answers whatever each test needs. */

type Answer = (res: http.ServerResponse) => void;
let nextAnswer: Answer = (res) => res.end();
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    nextAnswer(res);
  });
  baseUrl = await listen(server, 0, '127.0.0.1');
});

afterAll(() => closeServer(server, 0));

function answerWith(status: number, body: string): void {
  nextAnswer = (res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

describe('service clients', () => {
  it('answer the parsed JSON body of a 2xx response', async () => {
    answerWith(200, JSON.stringify({ accountId: 'a', balance: 5 }));
    expect(await new BankClient({ baseUrl: `${baseUrl}/` }).getAccount('a')).toEqual({ accountId: 'a', balance: 5 });
  });

  it('turn an ErrorBody into ServiceCallError with service, operation, status, type, message and field', async () => {
    answerWith(400, JSON.stringify({ error: { type: 'ValidationError', message: 'amount must be …', field: 'amount' } }));
    const error = await rejectionOf(
      new BankClient({ baseUrl }).withdraw({ accountId: 'a', amount: -1, idempotencyKey: 'k', referenceId: 'r' }),
    );
    expect(error).toBeInstanceOf(ServiceCallError);
    const { service, operation, status, type, message, field } = error as ServiceCallError;
    expect({ service, operation, status, type, message, field }).toEqual({
      service: 'bank',
      operation: 'withdraw',
      status: 400,
      type: 'ValidationError',
      message: 'amount must be …',
      field: 'amount',
    });
  });

  it('turn an error response that is not an ErrorBody into ServiceCallError of type InternalError', async () => {
    answerWith(502, '<html>Bad Gateway</html>');
    const error = await rejectionOf(new BankClient({ baseUrl }).audit());
    expect(error).toBeInstanceOf(ServiceCallError);
    expect(error).toMatchObject({
      status: 502,
      type: 'InternalError',
      message: 'bank audit: HTTP 502 with an unexpected body: <html>Bad Gateway</html>',
    });
  });

  it('give up after timeoutMs with ServiceUnreachableError', async () => {
    nextAnswer = () => undefined;
    const error = await rejectionOf(new BankClient({ baseUrl, timeoutMs: 150 }).health());
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect(error).toMatchObject({ service: 'bank', operation: 'health', message: `no answer from ${baseUrl} (health) within 150 ms` });
  });

  it('wait 4000 ms by default', () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(4000);
    expect(new BankClient({ baseUrl }).timeoutMs).toBe(4000);
  });

  it('report a refused connection as ServiceUnreachableError carrying the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await closeServer(closed, 0);
    const url = `http://127.0.0.1:${port}`;
    const error = await rejectionOf(new BankClient({ baseUrl: url }).health());
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach ${url} \\(health\\): .*ECONNREFUSED`));
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('report a connection reset as ServiceUnreachableError', async () => {
    nextAnswer = (res) => res.socket?.destroy();
    const error = await rejectionOf(new BankClient({ baseUrl }).health());
    expect(error).toBeInstanceOf(ServiceUnreachableError);
  });

  it('send a read once more, on a new connection, when the one it went on closed under it; never a call that changes state', async () => {
    let calls = 0;
    const closeFirst: Answer = (res) => {
      calls++;
      if (calls === 1) res.socket?.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accountId: 'a', balance: 5 }));
    };
    nextAnswer = closeFirst;
    expect(await new BankClient({ baseUrl }).getAccount('a')).toEqual({ accountId: 'a', balance: 5 });
    expect(calls).toBe(2);
    calls = 0;
    const deposit = new BankClient({ baseUrl }).deposit({ accountId: 'a', amount: 1, idempotencyKey: 'k', referenceId: 'r' });
    expect(await rejectionOf(deposit)).toBeInstanceOf(ServiceUnreachableError);
    expect(calls).toBe(1);
  });
});

describe('the services’ HTTP server', () => {
  it('keeps an idle connection 30 s and tells its clients 5 s, so a client (which drops it 2 s before) is always done with it first', async () => {
    const json = createJsonServer([{ method: 'GET', path: '/ping', handler: async () => ({ body: { ok: true } }) }], () => undefined);
    const url = await listen(json, 0, '127.0.0.1');
    try {
      const response = await fetch(`${url}/ping`);
      expect(await response.json()).toEqual({ ok: true });
      expect([response.headers.get('connection'), response.headers.get('keep-alive')]).toEqual(['keep-alive', 'timeout=5']);
      expect([json.keepAliveTimeout, KEEP_ALIVE.advertisedS * 1000]).toEqual([30_000, 5000]);
    } finally {
      await closeServer(json, 0);
    }
  });

  it('lets a caller that blocked its event loop past 5 s (a test running a CLI synchronously) send its next call on the connection it kept', async () => {
    // With Node's defaults (kept 5 s, advertised 5 s) this call fails with UND_ERR_SOCKET "other side closed": the
    // server closed the connection while the caller could not see it, and the caller sent a request down it.
    let applied = 0;
    const json = createJsonServer(
      [{ method: 'POST', path: '/deposit', handler: async () => ({ body: { applied: ++applied } }) }],
      () => undefined,
    );
    const url = await listen(json, 0, '127.0.0.1');
    try {
      const deposit = async (): Promise<unknown> => (await fetch(`${url}/deposit`, { method: 'POST', body: '{}' })).json();
      expect(await deposit()).toEqual({ applied: 1 });
      await new Promise((resolve) => setTimeout(resolve, 500)); // the connection is back in the pool, idle
      execFileSync('sleep', ['6']);
      expect(await deposit()).toEqual({ applied: 2 });
    } finally {
      await closeServer(json, 0);
    }
  }, 20_000);
});
