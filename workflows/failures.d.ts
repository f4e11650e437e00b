/** The innermost message of an activity failure: what the service said. */
export declare function causeOf(error: unknown): string;
export declare function asFailure(error: unknown): Error | undefined;
