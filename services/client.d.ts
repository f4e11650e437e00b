import type { FaultRule, FaultRuleState, HealthBody, ServiceErrorType } from './contract';
/** The shared part of the typed service clients: JSON over fetch with a timeout, and typed errors. */
export type ServiceName = 'bank' | 'store';
export interface ServiceClientOptions {
    /** e.g. `http://127.0.0.1:53211` (a trailing slash is fine). */
    baseUrl: string;
    /** How long a call may take before it fails with ServiceUnreachableError; 4000 ms by default. */
    timeoutMs?: number;
}
export declare const DEFAULT_TIMEOUT_MS = 4000;
/** The service answered with an error (see ErrorBody). `message` is the service's own message. */
export declare class ServiceCallError extends Error {
    readonly name = "ServiceCallError";
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
    });
}
/** No answer: the connection was refused or reset, or the call timed out. The call may or may not have applied. */
export declare class ServiceUnreachableError extends Error {
    readonly name = "ServiceUnreachableError";
    readonly service: ServiceName;
    readonly operation: string;
    constructor(details: {
        service: ServiceName;
        operation: string;
        message: string;
        cause: unknown;
    });
}
type Method = 'GET' | 'POST' | 'DELETE';
export declare abstract class ServiceClient {
    #private;
    readonly baseUrl: string;
    readonly timeoutMs: number;
    protected constructor(service: ServiceName, options: ServiceClientOptions);
    addFault(rule: FaultRule): Promise<FaultRuleState>;
    listFaults(): Promise<FaultRuleState[]>;
    /** Removes every fault rule; resolves with how many there were. */
    clearFaults(): Promise<number>;
    health(): Promise<HealthBody>;
    /** One JSON request. `operation` names the call in errors. */
    protected call<T>(operation: string, method: Method, path: string, body?: unknown): Promise<T>;
}
export {};
