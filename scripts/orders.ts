/** Client-side helpers the repository's scripts share: wait for an order to ask for approval; show cents as dollars. */
import type { WorkflowHandle } from '@temporalio/client';
import { getStatusQuery } from '../workflows/order';
import type { OrderState, OrderStatus } from '../workflows/types';

/** The states an order passes through before it asks for approval; any other one means it is past that point. */
const BEFORE_APPROVAL: readonly OrderState[] = ['received', 'reserving'];

/**
 * Poll the order's `getStatus` until it waits for approval, and return that status; or return the status of an
 * order that went past that point without asking (it failed to reserve, or was cancelled). Throws after `timeoutMs`.
 */
export async function whenAwaitingApproval(
  handle: WorkflowHandle,
  options: { intervalMs?: number; timeoutMs: number },
): Promise<OrderStatus> {
  const { intervalMs = 100, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(getStatusQuery);
    if (!BEFORE_APPROVAL.includes(status.state)) return status;
    if (Date.now() > deadline)
      throw new Error(`${handle.workflowId} did not reach awaiting-approval within ${timeoutMs} ms (state ${status.state})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** 123456 -> "$1,234.56" */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}
