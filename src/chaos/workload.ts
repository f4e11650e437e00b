/**
 * The workload driver: runs the planned operations through the cluster's client link with bounded
 * concurrency, each at its planned start time, and records every invocation and its completion. A completion is
 * ok (the workflow completed), fail (it ended with a known failure), or info (the client lost track of it: a
 * fault cut it off; the settle phase finds out what really happened).
 */
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { whenAwaitingApproval } from '../harness/orders.ts';
import { approveSignal, cancelOrderSignal, rejectSignal } from '../../workflows/order.ts';
import { TASK_QUEUES } from '../../workflows/types.ts';
import type { OperationHistory } from './history.ts';
import type { PlannedOperation } from './plan.ts';

export interface WorkloadOptions {
  client: Client;
  history: OperationHistory;
  concurrency: number;
  /** Give up waiting on any one operation after this long (the client may be cut off by a fault). */
  operationTimeoutMs: number;
  signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function taskQueueOf(op: PlannedOperation): string {
  return op.kind === 'transfer' ? TASK_QUEUES.moneyTransfer : TASK_QUEUES.orders;
}

async function execute(client: Client, op: PlannedOperation, history: OperationHistory, process: string): Promise<unknown> {
  const options = { taskQueue: taskQueueOf(op), workflowId: op.workflowId };
  switch (op.kind) {
    case 'transfer':
      return client.workflow.execute('moneyTransfer', { ...options, args: [op.input] });
    case 'saga':
      return client.workflow.execute('orderSaga', { ...options, args: [op.input] });
    case 'order': {
      const handle = await client.workflow.start('order', { ...options, args: [op.input] });
      // Decide once the order waits for approval (or has already ended, e.g. out of stock). The operation's
      // deadline, on the connection, bounds the wait.
      if ((await whenAwaitingApproval(handle)).state !== 'awaiting-approval') return handle.result();
      history.record({ process, type: 'invoke', f: op.intent, op: op.id });
      if (op.intent === 'cancel') await handle.signal(cancelOrderSignal, 'chaos workload');
      else if (op.intent === 'reject') await handle.signal(rejectSignal, 'chaos workload');
      else await handle.signal(approveSignal, 'chaos workload');
      history.record({ process, type: 'ok', f: op.intent, op: op.id });
      return handle.result();
    }
  }
}

/** Run every operation; resolves when each one has completed or been given up on. Never throws for an operation. */
export async function runWorkload(operations: readonly PlannedOperation[], options: WorkloadOptions): Promise<void> {
  const queue = [...operations];
  const { client, history } = options;
  const drive = async (n: number): Promise<void> => {
    const process = `client-${n}`;
    for (let op = queue.shift(); op && !options.signal?.aborted; op = queue.shift()) {
      const wait = op.startAtMs - history.now();
      if (wait > 0) await sleep(wait);
      history.record({ process, type: 'invoke', f: op.kind, op: op.id, value: op.input });
      const deadline = AbortSignal.timeout(options.operationTimeoutMs);
      const abort = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
      try {
        const result = await client.connection.withAbortSignal(abort, () => execute(client, op, history, process));
        history.record({ process, type: 'ok', f: op.kind, op: op.id, value: result });
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const failure = error.cause instanceof ApplicationFailure ? error.cause : undefined;
          history.record({ process, type: 'fail', f: op.kind, op: op.id, value: { failureType: failure?.type ?? error.cause?.name, message: error.cause?.message } });
        } else {
          history.record({ process, type: 'info', f: op.kind, op: op.id, value: { error: (error as Error).message.split('\n')[0] } });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, operations.length)) }, (_, i) => drive(i + 1)));
}
