/**
 * What one workflow cost, counted from its history: the units a benchmark compares exactly, because the machine's
 * load does not move them (a busy machine makes a transfer slower, never one activity longer). Pure.
 */
import proto from '@temporalio/proto';
import type { History } from './history-file.ts';
import { eventTypeOf } from './progress.ts';

const { EventType } = proto.temporal.api.enums.v1;

export interface HistoryCosts {
  /** Events in the history. */
  events: number;
  /** The history's size encoded as protobuf: it moves by a few bytes with the lengths of ids and timestamps. */
  bytes: number;
  /** Workflow tasks started: each is a poll and a response between a worker and the server. */
  workflowTasks: number;
  /** Activities scheduled. */
  activities: number;
  /**
   * Activity attempts: the sum over activities of the attempt that last started (a history keeps only the started
   * event of an activity's last attempt, with its number). An attempt timed out under load counts too.
   */
  activityAttempts: number;
  /** Timers started. */
  timers: number;
}

export const HISTORY_COST_KEYS = ['events', 'bytes', 'workflowTasks', 'activities', 'activityAttempts', 'timers'] as const;

export function historyCosts(history: History): HistoryCosts {
  const costs: HistoryCosts = { events: 0, bytes: 0, workflowTasks: 0, activities: 0, activityAttempts: 0, timers: 0 };
  for (const event of history.events ?? []) {
    costs.events++;
    switch (eventTypeOf(event)) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        costs.workflowTasks++;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        costs.activities++;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        costs.activityAttempts += event.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        costs.timers++;
        break;
    }
  }
  costs.bytes = proto.temporal.api.history.v1.History.encode(history as proto.temporal.api.history.v1.IHistory).finish().length;
  return costs;
}
