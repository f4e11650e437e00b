/**
 * The request gate in front of a link: it frames HTTP/1.1 requests out of the caller's bytes, reports each request
 * seen and answered, and at a held point forwards it or drops it (the caller's connection reset); taken down, it
 * refuses connections as a link that is down does. Against a real node:http server in this process.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  frameHttp1,
  type GateDecision,
  type GatePoint,
  type RequestGate,
  startRequestGate,
} from '../../src/features/chaos/cluster/request-gate';

describe('frameHttp1', () => {
  const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

  it('cuts one request with a Content-Length body, a chunked one, and one without a body; its kind is the method and path', () => {
    const post = 'POST /deposit?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello';
    expect(frameHttp1(bytes(`${post}GET /next`))).toEqual({ kind: 'POST /deposit', length: post.length });
    const chunked = 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    expect(frameHttp1(bytes(chunked))).toEqual({ kind: 'POST /c', length: chunked.length });
    const get = 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n';
    expect(frameHttp1(bytes(get))).toEqual({ kind: 'GET /health', length: get.length });
    expect(frameHttp1(Buffer.alloc(0))).toBe('incomplete');
  });

  it('waits for the rest of a request, and says when the bytes are not HTTP/1.1 at all', () => {
    expect(frameHttp1(bytes('POST /deposit HTTP/1.1\r\nContent-Length: 10\r\n\r\nhell'))).toBe('incomplete');
    expect(frameHttp1(bytes('POS'))).toBe('incomplete');
    expect(frameHttp1(Buffer.from([0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54]))).toBe('incomplete'); // 'PRI * HT', HTTP/2's preface so far
    expect(frameHttp1(bytes('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'))).toBe('not-http');
    expect(frameHttp1(Buffer.from([0x16, 0x03, 0x01, 0x02]))).toBe('not-http'); // a TLS hello
  });
});

describe('a request gate', () => {
  let server: http.Server;
  let applied: string[];
  let gate: RequestGate;
  let points: GatePoint[];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        applied.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gate = await startRequestGate('worker-bank', `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  });
  afterEach(() => {
    applied = [];
    points = [];
    gate.arm([]);
    gate.onPoint(record);
  });
  afterAll(async () => {
    await gate.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  applied = [];
  points = [];
  const record = (point: GatePoint): GateDecision => (points.push(point), 'forward');

  const post = (path: string, body: string): Promise<Response> =>
    fetch(`http://${gate.listen}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      signal: AbortSignal.timeout(5000),
    });

  it('passes requests and answers through, reporting each seen and answered, held by nobody', async () => {
    gate.onPoint(record);
    expect(await (await post('/deposit', 'a')).json()).toEqual({ ok: 'a' });
    expect(await (await post('/withdraw', 'b')).json()).toEqual({ ok: 'b' });
    expect(applied).toEqual(['POST /deposit a', 'POST /withdraw b']);
    expect(points.map((p) => `${p.at} ${p.kind} ${p.held}`)).toEqual([
      'seen POST /deposit false',
      'answered POST /deposit false',
      'seen POST /withdraw false',
      'answered POST /withdraw false',
    ]);
    expect(points[0]!.text).toContain('\r\n\r\na');
  });

  it('drops an answer after the part applied the request: the caller’s connection is reset, the part has it', async () => {
    gate.arm([{ at: 'answered', kinds: ['POST /deposit'] }]);
    gate.onPoint((point) => (point.held ? 'drop' : 'forward'));
    await expect(post('/deposit', 'c')).rejects.toThrow(/fetch failed/);
    expect(applied).toEqual(['POST /deposit c']);
    expect(await (await post('/withdraw', 'd')).json()).toEqual({ ok: 'd' }); // other kinds pass
  });

  it('drops a request before the part saw it', async () => {
    gate.arm([{ at: 'seen' }]);
    gate.onPoint((point) => (point.held ? 'drop' : 'forward'));
    await expect(post('/deposit', 'e')).rejects.toThrow(/fetch failed/);
    expect(applied).toEqual([]);
  });

  it('holds a point until the harness decides, then forwards it', async () => {
    gate.arm([{ at: 'answered' }]);
    let release!: () => void;
    const decided = new Promise<void>((resolve) => (release = resolve));
    let heldAt!: () => void;
    const held = new Promise<void>((resolve) => (heldAt = resolve));
    gate.onPoint(async (point): Promise<GateDecision> => {
      if (point.held) {
        heldAt();
        await decided;
      }
      return 'forward';
    });
    let answered = false;
    const call = post('/deposit', 'f').then(async (response) => ((answered = true), response.json()));
    await held;
    expect([applied, answered]).toEqual([['POST /deposit f'], false]);
    release();
    expect(await call).toEqual({ ok: 'f' });
  });

  it('taken down, refuses connections as a link that is down does; brought up, serves on the same address', async () => {
    await gate.down();
    const [host, port] = gate.listen.split(':');
    const refused = await new Promise((resolve) =>
      net.connect({ host, port: Number(port) }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code)),
    );
    expect(refused).toBe('ECONNREFUSED');
    await gate.up();
    expect(await (await post('/deposit', 'h')).json()).toEqual({ ok: 'h' });
  });

  it('passes bytes that are not HTTP/1.1 through untouched, reporting no point', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const raw = await startRequestGate('worker-db', `127.0.0.1:${(echo.address() as net.AddressInfo).port}`);
    const seen: GatePoint[] = [];
    raw.onPoint((point) => (seen.push(point), 'forward'));
    const [host, port] = raw.listen.split(':');
    const socket = net.connect({ host, port: Number(port) });
    const reply = new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString('latin1'))));
    socket.write(Buffer.from([0x00, 0x01, 0x02, 0x68, 0x69]));
    expect(await reply).toBe('\u0000\u0001\u0002hi');
    socket.destroy();
    expect(seen).toEqual([]);
    await raw.close();
    await new Promise((resolve) => echo.close(resolve));
  });
});
