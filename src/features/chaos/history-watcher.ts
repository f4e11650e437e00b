/**
 * The events of the run's workflows as they are written to their histories, for faults placed at a history point
 * ("when the 2nd TimerStarted of an order is written"): one long poll per workflow (GetWorkflowExecutionHistory with
 * waitNewEvent) from when it starts until it closes or the watch stops. Such a point is reached soon after the event
 * (a poll's round trip), not held: the activity and request points are the exact ones.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { eventTypeOf } from '../../base/history/progress.ts';
import { eventName } from './points.ts';
import { sleep } from './workload.ts';

const { EventType } = proto.temporal.api.enums.v1;

export interface WatchedEvent {
  workflowId: string;
  /** Its event type's name ('TimerStarted'). */
  event: string;
  eventId: number;
}

/** Watch the histories of `workflowIds` until `signal` aborts; each new event goes to `onEvent`. */
export function watchHistories(
  client: Client,
  workflowIds: readonly string[],
  onEvent: (event: WatchedEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  return Promise.all(workflowIds.map((workflowId) => watchOne(client, workflowId, onEvent, signal))).then(() => undefined);
}

async function watchOne(client: Client, workflowId: string, onEvent: (event: WatchedEvent) => void, signal: AbortSignal): Promise<void> {
  let nextPageToken: Uint8Array | undefined;
  let seen = 0;
  while (!signal.aborted) {
    let response;
    try {
      response = await client.connection.withAbortSignal(signal, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: client.options.namespace,
          execution: { workflowId },
          waitNewEvent: true,
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      );
    } catch {
      // Not started yet, or the server briefly away (a fault): look again soon.
      await sleep(200, signal);
      continue;
    }
    for (const event of response.history?.events ?? []) {
      const eventId = Number(event.eventId ?? 0);
      if (eventId <= seen) continue;
      seen = eventId;
      const type = eventTypeOf(event);
      onEvent({ workflowId, event: eventName(type), eventId });
      if (isClose(type)) return;
    }
    nextPageToken = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
  }
}

const CLOSES = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
const isClose = (type: number): boolean => CLOSES.has(type);
