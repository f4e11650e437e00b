import { isObject } from './validate';
export const DEFAULT_TIMEOUT_MS = 4000;
/** The service answered with an error (see ErrorBody). `message` is the service's own message. */
export class ServiceCallError extends Error {
    name = 'ServiceCallError';
    service;
    operation;
    status;
    type;
    field;
    constructor(details) {
        super(details.message);
        this.service = details.service;
        this.operation = details.operation;
        this.status = details.status;
        this.type = details.type;
        if (details.field !== undefined)
            this.field = details.field;
    }
}
/** No answer: the connection was refused or reset, or the call timed out. The call may or may not have applied. */
export class ServiceUnreachableError extends Error {
    name = 'ServiceUnreachableError';
    service;
    operation;
    constructor(details) {
        super(details.message, { cause: details.cause });
        this.service = details.service;
        this.operation = details.operation;
    }
}
export class ServiceClient {
    baseUrl;
    timeoutMs;
    #service;
    constructor(service, options) {
        this.#service = service;
        this.baseUrl = options.baseUrl.replace(/\/+$/, '');
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    }
    addFault(rule) {
        return this.call('addFault', 'POST', '/_faults', rule);
    }
    listFaults() {
        return this.call('listFaults', 'GET', '/_faults');
    }
    /** Removes every fault rule; resolves with how many there were. */
    async clearFaults() {
        const { cleared } = await this.call('clearFaults', 'DELETE', '/_faults');
        return cleared;
    }
    health() {
        return this.call('health', 'GET', '/health');
    }
    /** One JSON request. `operation` names the call in errors. */
    async call(operation, method, path, body) {
        const service = this.#service;
        let response;
        let text;
        try {
            response = await fetch(`${this.baseUrl}${path}`, {
                method,
                headers: body === undefined ? {} : { 'content-type': 'application/json' },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(this.timeoutMs),
            });
            text = await response.text();
        }
        catch (cause) {
            throw new ServiceUnreachableError({ service, operation, message: unreachableMessage(this, operation, cause), cause });
        }
        const parsed = parseJson(text);
        if (response.ok && parsed.ok)
            return parsed.value;
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
function unreachableMessage(client, operation, cause) {
    const target = `${client.baseUrl} (${operation})`;
    if (cause instanceof DOMException && cause.name === 'TimeoutError') {
        return `no answer from ${target} within ${client.timeoutMs} ms`;
    }
    const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
    return `cannot reach ${target}: ${reason}`;
}
function parseJson(text) {
    try {
        return { ok: true, value: JSON.parse(text) };
    }
    catch {
        return { ok: false };
    }
}
function errorOf(value) {
    if (!isObject(value) || !isObject(value.error))
        return undefined;
    const { type, message, field } = value.error;
    if (typeof type !== 'string' || typeof message !== 'string')
        return undefined;
    return { type: type, message, ...(typeof field === 'string' ? { field } : {}) };
}
//# sourceMappingURL=client.js.map