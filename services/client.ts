import type { ErrorBody, FaultRule, FaultRuleState, HealthBody, ServiceErrorType } from './contract';
import { isObject } from './validate';

/** The shared part of the typed service clients: JSON over fetch with a timeout, and typed errors. */

export type ServiceName = 'bank' | 'store';

export interface ServiceClientOptions {
  /** e.g. `http://127.0.0.1:53211` (a trailing slash is fine). */
  baseUrl: string;
  /** How long a call may take before it fails with ServiceUnreachableError; 4000 ms by default. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 4000;

/** The service answered with an error (see ErrorBody). `message` is the service's own message. */
export class ServiceCallError extends Error {
  override readonly name = 'ServiceCallError';
  readonly service: ServiceName;
  readonly operation: string;
  readonly status: number;
  readonly type: ServiceErrorType;
  readonly field?: string;

  constructor(details: {
    service: ServiceName;
    operation: string;
    status: number;
    type: ServiceErrorType;
    message: string;
    field?: string;
  }) {
    super(details.message);
    this.service = details.service;
    this.operation = details.operation;
    this.status = details.status;
    this.type = details.type;
    if (details.field !== undefined) this.field = details.field;
  }
}

/** No answer: the connection was refused or reset, or the call timed out. The call may or may not have applied. */
export class ServiceUnreachableError extends Error {
  override readonly name = 'ServiceUnreachableError';
  readonly service: ServiceName;
  readonly operation: string;

  constructor(details: { service: ServiceName; operation: string; message: string; cause: unknown }) {
    super(details.message, { cause: details.cause });
    this.service = details.service;
    this.operation = details.operation;
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

export abstract class ServiceClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #service: ServiceName;

  protected constructor(service: ServiceName, options: ServiceClientOptions) {
    this.#service = service;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  addFault(rule: FaultRule): Promise<FaultRuleState> {
    return this.call('addFault', 'POST', '/_faults', rule);
  }

  listFaults(): Promise<FaultRuleState[]> {
    return this.call('listFaults', 'GET', '/_faults');
  }

  /** Removes every fault rule; resolves with how many there were. */
  async clearFaults(): Promise<number> {
    const { cleared } = await this.call<{ cleared: number }>('clearFaults', 'DELETE', '/_faults');
    return cleared;
  }

  health(): Promise<HealthBody> {
    return this.call('health', 'GET', '/health');
  }

  /**
   * One JSON request. `operation` names the call in errors. A read (GET) that meets a connection closed under it is
   * sent once more, on a new one. A call that changes state is not: whether it applied is its caller's question (the
   * activity's retry policy and idempotency key), and an answer lost after the service applied a call must reach it.
   */
  protected async call<T>(operation: string, method: Method, path: string, body?: unknown): Promise<T> {
    const service = this.#service;
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const send = async (): Promise<[Response, string]> => {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline,
      });
      return [response, await response.text()];
    };
    let response: Response;
    let text: string;
    try {
      [response, text] = await send().catch((cause: unknown) => {
        if (method === 'GET' && closedUnderneath(cause)) return send();
        throw cause;
      });
    } catch (cause) {
      throw new ServiceUnreachableError({ service, operation, message: unreachableMessage(this, operation, cause), cause });
    }
    const parsed = parseJson(text);
    if (response.ok && parsed.ok) return parsed.value as T;
    const error = response.ok ? undefined : errorOf(parsed.ok ? parsed.value : undefined);
    throw new ServiceCallError({
      service,
      operation,
      status: response.status,
      type: error?.type ?? 'InternalError',
      message: error?.message ?? `${service} ${operation}: HTTP ${response.status} with an unexpected body: ${text.slice(0, 200)}`,
      ...(error?.field === undefined ? {} : { field: error.field }),
    });
  }
}

/** The connection was closed or reset under the call (not a timeout, not a refusal). */
function closedUnderneath(cause: unknown): boolean {
  const code = (cause as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

function unreachableMessage(client: ServiceClient, operation: string, cause: unknown): string {
  const target = `${client.baseUrl} (${operation})`;
  if (cause instanceof DOMException && cause.name === 'TimeoutError') {
    return `no answer from ${target} within ${client.timeoutMs} ms`;
  }
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return `cannot reach ${target}: ${reason}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function errorOf(value: unknown): ErrorBody['error'] | undefined {
  if (!isObject(value) || !isObject(value.error)) return undefined;
  const { type, message, field } = value.error;
  if (typeof type !== 'string' || typeof message !== 'string') return undefined;
  return { type: type as ServiceErrorType, message, ...(typeof field === 'string' ? { field } : {}) };
}
