/**
 * The shape of a history, which corpus synthesis and the explorer count distinct histories by.
 */
import { eventTypeName, type History } from '../../base/history/history-file.ts';
import { eventTypeOf } from '../../base/history/progress.ts';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

/**
 * The shape of a history: its events in order, by type, with the name of each activity scheduled, signal received
 * and timer started. The events whose place depends on the server rather than the code (a workflow task being
 * scheduled or started, an activity task being picked up) are left out, so the same path through the code has the
 * same shape on the time-skipping server and on a real cluster.
 */
export function historyShape(history: History): string {
  const parts: string[] = [];
  for (const event of history.events ?? []) {
    const type = eventTypeOf(event);
    if (
      type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
      type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ||
      type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    )
      continue;
    const name =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      event.workflowExecutionSignaledEventAttributes?.signalName ??
      event.markerRecordedEventAttributes?.markerName ??
      undefined;
    parts.push(name ? `${eventTypeName(type)}(${name})` : eventTypeName(type));
  }
  return parts.join(' ');
}
