import { ActivityFailure } from '@temporalio/workflow';
/** The innermost message of an activity failure: what the service said. */
export function causeOf(error) {
    let current = error;
    while (current instanceof ActivityFailure && current.cause)
        current = current.cause;
    return current instanceof Error ? current.message : String(current);
}
export function asFailure(error) {
    return error instanceof Error ? error : undefined;
}
//# sourceMappingURL=failures.js.map