import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorBody, ServiceErrorType } from './contract';
import { ServiceError } from './errors';

/** A tiny JSON-over-HTTP toolkit on node:http: a route table, body parsing, typed errors as ErrorBody. */

type Method = 'GET' | 'POST' | 'DELETE';

export interface JsonRequest {
  /** Values of the route's `:name` path segments. */
  params: Record<string, string>;
  /** The parsed JSON body; undefined when the request has none. */
  body: unknown;
}

export interface JsonResponse {
  status?: number;
  body: unknown;
}

export type Handler = (request: JsonRequest) => Promise<JsonResponse>;

export interface Route {
  method: Method;
  /** Literal segments and `:name` parameters, e.g. `/accounts/:id`. */
  path: string;
  handler: Handler;
}

const MAX_BODY_BYTES = 64 * 1024;

const STATUS_BY_ERROR_TYPE: Record<ServiceErrorType, number> = {
  ValidationError: 400,
  NotFound: 404,
  IdempotencyKeyReused: 409,
  InvalidAccountError: 422,
  InsufficientFundsError: 422,
  TransferClosedError: 422,
  PaymentDeclined: 422,
  OutOfStockError: 422,
  InvalidAddressError: 422,
  OrderClosedError: 422,
  InjectedFault: 503,
  InternalError: 500,
};

export type Log = (message: string) => void;

export const logToStderr: Log = (message) => process.stderr.write(`${message}\n`);

/**
 * How long an idle kept-alive connection lives: the server keeps it 30 s but tells clients 5 s. Node's fetch (undici)
 * drops an idle connection 2 s before the time the server advertises, so a client is done with a connection 27 s
 * before the server closes it, even when either process stalls for seconds (a busy event loop, a loaded machine, a
 * test blocked in a synchronous child process). With Node's default (5 s kept, 5 s advertised) a caller that stalled
 * across those 2 s sent its next request down a connection the server had just closed: `UND_ERR_SOCKET other side
 * closed`, for a call that never reached the server.
 */
export const KEEP_ALIVE = { enforcedMs: 30_000, advertisedS: 5 } as const;

export function createJsonServer(routes: Route[], log: Log = logToStderr): http.Server {
  const table = routes.map((route) => ({ ...route, segments: route.path.split('/').filter(Boolean) }));
  const server = http.createServer((req, res) => {
    void handle(req)
      .catch((error: unknown) => errorResponse(error, log))
      .then((response) => writeJson(res, response.status ?? 200, response.body))
      // A body that cannot be serialised is a bug: answer 500 rather than let the rejection end the process.
      .catch((error: unknown) => {
        const response = errorResponse(error, log);
        writeJson(res, response.status ?? 500, response.body);
      });
  });
  server.keepAliveTimeout = KEEP_ALIVE.enforcedMs;
  server.headersTimeout = KEEP_ALIVE.enforcedMs + 1000; // Node requires it above keepAliveTimeout
  return server;

  async function handle(req: http.IncomingMessage): Promise<JsonResponse> {
    const method = req.method ?? 'GET';
    const pathname = pathnameOf(req.url ?? '/');
    const segments = pathname.split('/').filter(Boolean);
    for (const route of table) {
      if (route.method !== method) continue;
      const params = matchSegments(route.segments, segments);
      if (params) return route.handler({ params, body: await readJsonBody(req) });
    }
    req.resume();
    throw new ServiceError('NotFound', `no route for ${method} ${pathname}`);
  }
}

/** The path of a request target; an absolute-form target (`GET http://host/path`) that is no URL is a 400. */
function pathnameOf(target: string): string {
  try {
    return new URL(target, 'http://service').pathname;
  } catch {
    throw new ServiceError('ValidationError', `request target '${target.slice(0, 100)}' is not a valid URL`);
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const value = actual[index] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodePathSegment(value, part.slice(1));
    else if (part !== value) return undefined;
  }
  return params;
}

function decodePathSegment(value: string, field: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ServiceError('ValidationError', `path segment '${value}' is not valid percent-encoding`, field);
  }
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep draining past the limit (without storing) so the client sees the error rather than a reset socket.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) {
    throw new ServiceError('ValidationError', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServiceError('ValidationError', `request body is not valid JSON: ${reason}`);
  }
}

function errorResponse(error: unknown, log: Log): JsonResponse {
  if (error instanceof ServiceError) {
    const body: ErrorBody = { error: { type: error.type, message: error.message } };
    if (error.field !== undefined) body.error.field = error.field;
    return { status: error.status ?? STATUS_BY_ERROR_TYPE[error.type], body };
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const body: ErrorBody = { error: { type: 'InternalError', message: 'internal error (details are in the service log)' } };
  return { status: 500, body };
}

function writeJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // Set here, Node adds no Keep-Alive header of its own (which would advertise the 30 s the server enforces).
    connection: 'keep-alive',
    'keep-alive': `timeout=${KEEP_ALIVE.advertisedS}`,
  });
  res.end(text);
}

/** Starts listening and resolves with the server's base URL, e.g. `http://127.0.0.1:53211`. */
export function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostPart = address.address.includes(':') ? `[${address.address}]` : address.address;
      resolve(`http://${hostPart}:${address.port}`);
    });
  });
}

/** Stops accepting connections and waits for in-flight requests, cutting connections still open after `graceMs`. */
export function closeServer(server: http.Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
