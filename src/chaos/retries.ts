import type { History } from '../replay/history-file.ts';
import type { ActivityRetry } from './observations.ts';

/** Every activity attempt in a history that followed a failed attempt, with that failure's type (pure). */
export function activityRetries(workflowId: string, history: History): ActivityRetry[] {
  const activityOf = new Map<string, string>();
  const retries: ActivityRetry[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started?.lastFailure && (started.attempt ?? 1) > 1) {
      const failure = started.lastFailure;
      retries.push({
        workflowId,
        activity: activityOf.get(String(started.scheduledEventId)) ?? '?',
        attempt: started.attempt ?? 0,
        afterFailure: failure.applicationFailureInfo?.type || (failure.timeoutFailureInfo ? 'Timeout' : failure.message || 'unknown'),
      });
    }
  }
  return retries;
}
