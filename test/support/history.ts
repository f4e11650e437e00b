import type { WorkflowHandle } from '@temporalio/client';

export interface ActivityCall {
  activity: string;
  /** The attempt the history recorded for this activity's last start (retries are not separate events). */
  attempt: number | undefined;
  outcome: 'completed' | 'failed' | 'timed-out' | 'cancelled' | 'pending';
  /** The workflow task that scheduled it: activities scheduled together (in parallel) share it. */
  scheduledBy: number;
}

/** The activities a workflow scheduled, in order, from its event history. */
export async function activityCalls(handle: WorkflowHandle): Promise<ActivityCall[]> {
  const history = await handle.fetchHistory();
  const calls = new Map<string, ActivityCall>();
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) {
      calls.set(id, {
        activity: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        attempt: undefined,
        outcome: 'pending',
        scheduledBy: Number(event.activityTaskScheduledEventAttributes.workflowTaskCompletedEventId),
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) calls.get(String(started.scheduledEventId))!.attempt = started.attempt ?? undefined;
    const ended =
      (event.activityTaskCompletedEventAttributes && (['completed', event.activityTaskCompletedEventAttributes] as const)) ||
      (event.activityTaskFailedEventAttributes && (['failed', event.activityTaskFailedEventAttributes] as const)) ||
      (event.activityTaskTimedOutEventAttributes && (['timed-out', event.activityTaskTimedOutEventAttributes] as const)) ||
      (event.activityTaskCanceledEventAttributes && (['cancelled', event.activityTaskCanceledEventAttributes] as const));
    if (ended) calls.get(String(ended[1].scheduledEventId))!.outcome = ended[0];
  }
  return [...calls.values()];
}

/** Just the activity names, in the order they were scheduled. */
export async function activitySequence(handle: WorkflowHandle): Promise<string[]> {
  return (await activityCalls(handle)).map((call) => call.activity);
}
