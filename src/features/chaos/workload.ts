/**
 * The workload driver: runs the planned operations through the cluster's client link with bounded concurrency,
 * each at its planned start time: it starts the workflow, takes the operation's steps (signals, updates, queries,
 * cancellation) and waits for the result, recording every invocation and completion. A completion is ok (the
 * workflow completed), fail (it ended with a failure), or info (the client lost track of it: a fault cut it off;
 * the settle phase finds out what really happened).
 */
import { setMaxListeners } from 'node:events';
import { type Client, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { OperationHistory } from './history.ts';
import type { PlannedOperation, PlannedStep } from './plan.ts';

export interface WorkloadOptions {
  client: Client;
  history: OperationHistory;
  concurrency: number;
  /**
   * Stop waiting on operations at this time (epoch ms): the client may be cut off by a fault, or a workflow may be
   * stuck. The run's settle waits until the same time, so a stuck workflow costs the bound once.
   */
  deadline: number;
  signal?: AbortSignal;
}

/** Sleep, or stop sleeping when `signal` aborts (its listener removed either way: many operations share the signal). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Poll the step's query until its condition holds; false when `onlyIf` then says to skip the step. */
async function awaitCondition(handle: WorkflowHandle, step: PlannedStep, signal: AbortSignal): Promise<boolean> {
  const wait = step.waitFor;
  if (!wait) return true;
  for (;;) {
    signal.throwIfAborted();
    const result: unknown = await handle.query(wait.query, ...(wait.args ?? []));
    if (wait.until(result)) return wait.onlyIf ? wait.onlyIf(result) : true;
    await sleep(wait.everyMs ?? 100, signal);
  }
}

async function takeStep(handle: WorkflowHandle, step: PlannedStep): Promise<unknown> {
  const args = step.args ?? [];
  if ('signal' in step) return handle.signal(step.signal as string, ...args);
  if ('update' in step) return handle.executeUpdate(step.update as string, { args: args as [unknown, ...unknown[]] });
  if ('query' in step) return handle.query(step.query as string, ...args);
  if ('cancel' in step) return handle.cancel();
  return handle.terminate((step as { terminate: string }).terminate);
}

async function execute(
  client: Client,
  op: PlannedOperation,
  history: OperationHistory,
  process: string,
  signal: AbortSignal,
): Promise<unknown> {
  const options = { taskQueue: op.taskQueue, workflowId: op.workflowId, args: op.args };
  if (op.steps.length === 0) return client.workflow.execute(op.workflowType, options);
  const handle = await client.workflow.start(op.workflowType, options);
  for (const step of op.steps) {
    if (step.afterMs > 0) await sleep(step.afterMs, signal);
    // Take the step once the workflow is ready for it; skip the rest when it went another way (e.g. it already ended).
    if (!(await awaitCondition(handle, step, signal))) break;
    history.record({ process, type: 'invoke', f: step.name, op: op.id, value: step.args });
    const value = await takeStep(handle, step);
    history.record({ process, type: 'ok', f: step.name, op: op.id, ...(value === undefined ? {} : { value }) });
  }
  return handle.result();
}

/** The ApplicationFailure types down a failure's chain of causes: ['OrderFailed', 'InvalidAddressError']. */
function failureTypes(failure: Error | undefined): string[] {
  const types: string[] = [];
  for (let cause: unknown = failure; cause instanceof Error; cause = cause.cause)
    if (cause instanceof ApplicationFailure && cause.type) types.push(cause.type);
  return types;
}

/** Run every operation; resolves when each one has completed or been given up on. Never throws for an operation. */
export async function runWorkload(operations: readonly PlannedOperation[], options: WorkloadOptions): Promise<void> {
  const queue = [...operations];
  const { client, history } = options;
  const stopped = options.signal ?? new AbortController().signal;
  const drive = async (n: number): Promise<void> => {
    const process = `client-${n}`;
    for (let op = queue.shift(); op && !stopped.aborted; op = queue.shift()) {
      const wait = op.startAtMs - history.now();
      if (wait > 0) await sleep(wait, stopped);
      if (stopped.aborted) return;
      history.record({ process, type: 'invoke', f: op.kind, op: op.id, value: op.args.length === 1 ? op.args[0] : op.args });
      const abort = AbortSignal.any([AbortSignal.timeout(Math.max(0, options.deadline - Date.now())), stopped]);
      // The client adds a listener to it for each call it makes and never removes it: an operation that polls its
      // result for long makes many. They go with the operation's signal.
      setMaxListeners(0, abort);
      // The deadline ends every call of the operation, the result's long poll included: a signal that aborted before
      // a call started never cancels it, so a workflow that never ends would keep its driver polling forever.
      const deadline = options.deadline;
      try {
        const result = await client.connection.withDeadline(deadline, () =>
          client.connection.withAbortSignal(abort, () => execute(client, op, history, process, abort)),
        );
        history.record({ process, type: 'ok', f: op.kind, op: op.id, value: result });
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const failure = error.cause instanceof ApplicationFailure ? error.cause : undefined;
          const value = {
            failureType: failure?.type ?? error.cause?.name,
            failureTypes: failureTypes(error.cause),
            message: error.cause?.message,
          };
          history.record({ process, type: 'fail', f: op.kind, op: op.id, value });
        } else {
          history.record({ process, type: 'info', f: op.kind, op: op.id, value: { error: (error as Error).message.split('\n')[0] } });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, operations.length)) }, (_, i) => drive(i + 1)));
}
