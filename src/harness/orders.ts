/** Client-side helpers for the `order` workflow (workflows/order.ts): wait for it to ask for approval. */
import type { WorkflowHandle } from '@temporalio/client';
import { getStatusQuery } from '../../workflows/order.ts';
import type { OrderState, OrderStatus } from '../../workflows/types.ts';

/** The states an order passes through before it asks for approval; any other one means it is past that point. */
const BEFORE_APPROVAL: readonly OrderState[] = ['received', 'reserving'];

/**
 * Poll the order's `getStatus` until it waits for approval, and return that status; or return the status of an
 * order that went past that point without asking (it failed to reserve, or was cancelled). Throws after
 * `timeoutMs`, when given; otherwise the caller bounds the wait (e.g. an abort signal on its connection).
 */
export async function whenAwaitingApproval(handle: WorkflowHandle, options: { intervalMs?: number; timeoutMs?: number } = {}): Promise<OrderStatus> {
  const { intervalMs = 100, timeoutMs } = options;
  const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(getStatusQuery);
    if (!BEFORE_APPROVAL.includes(status.state)) return status;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not reach awaiting-approval within ${timeoutMs} ms (state ${status.state})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
