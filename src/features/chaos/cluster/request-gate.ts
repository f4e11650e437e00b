/**
 * A request gate: a TCP relay of the harness's own in front of a worker-<part> link (worker -> gate -> Toxiproxy ->
 * part), which sees requests where Toxiproxy sees only bytes. A framer cuts the caller's bytes into requests
 * (HTTP/1.1 built in: a request's kind is its method and path), and the gate reports two points of each:
 * - `seen`: the whole request has arrived, and is not yet forwarded to the part;
 * - `answered`: the part's first answer bytes have arrived (the part has applied the request), and are not yet
 *   forwarded to the caller.
 * At a point the harness holds, the gate waits for its decision: forward, or drop (the caller's connection is reset:
 * a request the part never saw, or an answer lost after the part applied it).
 * One request in flight per connection is assumed (HTTP/1.1 without pipelining, as undici and node:http send it);
 * bytes that are not HTTP/1.1 (HTTP/2, gRPC, a database protocol) pass through untouched and are never points.
 */
import net from 'node:net';
import type { RequestPointAt } from './progress.ts';

export type GateDecision = 'forward' | 'drop';

/** A request at a point, as the gate reports it. */
export interface GatePoint {
  link: string;
  at: RequestPointAt;
  /** e.g. 'POST /deposit'. */
  kind: string;
  /** The request (head and body, its first 4 KB) as text: what a point's operation is matched in. */
  text: string;
  /** The caller's connection, numbered from 1 in the order the gate accepted them. */
  connection: number;
  /** True when the gate waits for a decision. */
  held: boolean;
}

export interface GatePattern {
  at: RequestPointAt;
  /** Request kinds; any when absent. */
  kinds?: string[];
}

export interface RequestGate {
  link: string;
  /** host:port the callers use instead of the link's own. */
  listen: string;
  /** Hold the requests matching `patterns` (none: hold nothing). */
  arm(patterns: GatePattern[]): void;
  /** Told of every point; a held one waits for the decision it returns. */
  onPoint(listener: (point: GatePoint) => Promise<GateDecision> | GateDecision): void;
  /** As a link that is down: every connection closed, new ones refused (the listener closed), until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface FramedRequest {
  kind: string;
  /** Bytes of the whole request (head and body). */
  length: number;
}

/** The HTTP/1.1 request at the start of `buffer`, once all of it is there (Content-Length or chunked bodies). */
export function frameHttp1(buffer: Buffer): FramedRequest | 'incomplete' | 'not-http' {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (buffer.length > 64 * 1024) return 'not-http';
    const start = buffer.toString('latin1', 0, Math.min(buffer.length, 16));
    return /^[A-Z]*( |$)/.test(start) ? 'incomplete' : 'not-http';
  }
  const [requestLine, ...headers] = buffer.toString('latin1', 0, headEnd).split('\r\n');
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine!);
  if (!match) return 'not-http';
  const header = (name: string): string | undefined =>
    headers
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const kind = `${match[1]} ${match[2]!.split('?')[0]}`;
  const bodyStart = headEnd + 4;
  if (header('transfer-encoding')?.toLowerCase().includes('chunked')) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return 'incomplete';
      const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) return 'not-http';
      at = lineEnd + 2 + size + 2;
      if (at > buffer.length) return 'incomplete';
      if (size === 0) return { kind, length: at };
    }
  }
  const length = bodyStart + Number(header('content-length') ?? 0);
  return length > buffer.length ? 'incomplete' : { kind, length };
}

/** How a relayed connection asks its gate what to do at a point: forward, or drop (reset the connection). */
type Decide = (at: RequestPointAt, kind: string, text: string) => Promise<GateDecision>;

/**
 * Relay one worker connection to its part, framing the worker's HTTP/1 requests so that each can be held (or
 * dropped) when it is seen and when its answer's first bytes come back. Anything that is not HTTP/1 passes through.
 */
function relayConnection(client: net.Socket, part: net.Socket, sockets: Set<net.Socket>, decide: Decide): void {
  for (const socket of [client, part]) {
    sockets.add(socket);
    socket.setNoDelay(true);
  }
  let pending = Buffer.alloc(0);
  let opaque = false;
  /** The request whose answer is awaited: its answer's first bytes are the `answered` point. */
  let inFlight: { kind: string; text: string } | undefined;
  /** Answer bytes held while the harness decides. */
  let holding: Buffer[] | undefined;
  let closed = false;
  // A held request holds those behind it on the same connection: they are forwarded one after another.
  let queue: Promise<void> = Promise.resolve();
  const reset = (): void => {
    if (closed) return;
    closed = true;
    client.resetAndDestroy();
    part.destroy();
  };
  client.on('data', (chunk: Buffer) => {
    if (opaque) {
      part.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    while (pending.length > 0) {
      const framed = frameHttp1(pending);
      if (framed === 'incomplete') return;
      if (framed === 'not-http') {
        opaque = true; // not ours to frame: pass it through as it is
        const bytes = pending;
        pending = Buffer.alloc(0);
        queue = queue.then(() => void part.write(bytes));
        return;
      }
      const bytes = pending.subarray(0, framed.length);
      pending = pending.subarray(framed.length);
      const text = bytes.toString('utf8', 0, Math.min(bytes.length, 4096));
      queue = queue.then(async () => {
        if ((await decide('seen', framed.kind, text)) === 'drop') return reset();
        inFlight = { kind: framed.kind, text };
        part.write(bytes);
      });
    }
  });
  part.on('data', (chunk: Buffer) => {
    if (holding) {
      holding.push(chunk);
      return;
    }
    const answering = inFlight;
    inFlight = undefined;
    if (!answering) {
      client.write(chunk);
      return;
    }
    holding = [chunk];
    void decide('answered', answering.kind, answering.text).then((decision) => {
      const held = holding!;
      holding = undefined;
      if (decision === 'drop') return reset();
      for (const bytes of held) client.write(bytes);
      if (part.readableEnded) client.end();
    });
  });
  client.on('end', () => void queue.then(() => part.end()));
  part.on('end', () => {
    if (!holding) client.end();
  });
  for (const socket of [client, part]) {
    socket.on('error', reset);
    socket.on('close', () => {
      sockets.delete(socket);
      if (socket === part && !holding) client.destroy();
      if (socket === client) part.destroy();
    });
  }
}

/** Start a gate for `link` on a free port of 127.0.0.1, relaying to `upstream` (the link's Toxiproxy listener). */
export async function startRequestGate(link: string, upstream: string): Promise<RequestGate> {
  let armed: GatePattern[] = [];
  let listener: (point: GatePoint) => Promise<GateDecision> | GateDecision = () => 'forward';
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const colon = upstream.lastIndexOf(':');
  const [upHost, upPort] = [upstream.slice(0, colon), Number(upstream.slice(colon + 1))];
  const isArmed = (at: RequestPointAt, kind: string): boolean => armed.some((p) => p.at === at && (!p.kinds || p.kinds.includes(kind)));

  const relay = (client: net.Socket): void => {
    const connection = ++connections;
    const part = net.connect({ host: upHost, port: upPort });
    relayConnection(client, part, sockets, async (at, kind, text) => {
      const held = isArmed(at, kind);
      const decision = listener({ link, at, kind, text, connection, held });
      return held ? await decision : 'forward';
    });
  };

  let server = net.createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  let isDown = false;
  const closeListener = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    link,
    listen: `127.0.0.1:${port}`,
    arm: (patterns) => void (armed = patterns),
    onPoint: (next) => void (listener = next),
    down: async () => {
      if (isDown) return;
      isDown = true;
      await closeListener();
    },
    up: async () => {
      if (!isDown) return;
      server = net.createServer(relay);
      // The same port: the workers were told it once.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      isDown = false;
    },
    close: closeListener,
  };
}
