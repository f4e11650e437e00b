/**
 * The wire between a worker process's activity probe (activity-probe.ts) and the harness's progress channel: one
 * JSON object per line over a loopback TCP connection, the same for a child process and a container on the host's
 * network.
 *
 *   worker  -> harness  { type: 'hello', worker, pid }
 *   worker  -> harness  { type: 'point', id, at, activityType, workflowId, workflowType, attempt, held, error? }
 *   harness -> worker   { type: 'arm', patterns }        the points the worker must hold until released
 *   harness -> worker   { type: 'release', id, then }    let a held point go on, or drop it
 *
 * Every point is reported (the harness counts them and sees what each activity did); only a point that matches an
 * armed pattern waits for its release, so an unarmed run pays one write per point.
 */

/** Where an activity attempt is: started (before the function runs), returned or failed (before the SDK reports it to Temporal). */
export type ActivityPointAt = 'started' | 'returned' | 'failed';

export interface ActivityPointPattern {
  at: ActivityPointAt;
  /** Activity types; any when absent. */
  activityTypes?: string[];
}

export interface ActivityPointError {
  name: string;
  message: string;
  /** The first frame of its stack that is not the SDK's or Node's (file:line:column). */
  frame?: string;
}

export interface ActivityPointMessage {
  type: 'point';
  id: number;
  at: ActivityPointAt;
  activityType: string;
  workflowId: string;
  workflowType: string;
  attempt: number;
  /** True when the worker waits for a release. */
  held: boolean;
  error?: ActivityPointError;
}

/**
 * What a released point does: go on, or be dropped (at `started` the attempt never runs; at `returned` or `failed`
 * its completion never reaches Temporal, whose start-to-close timeout then decides).
 */
export type Release = 'continue' | 'drop';

export type WorkerToHarness = { type: 'hello'; worker: string; pid: number } | ActivityPointMessage;

export type HarnessToWorker = { type: 'arm'; patterns: ActivityPointPattern[] } | { type: 'release'; id: number; then: Release };

export function matchesPattern(pattern: ActivityPointPattern, at: ActivityPointAt, activityType: string): boolean {
  return pattern.at === at && (!pattern.activityTypes || pattern.activityTypes.includes(activityType));
}

/** Split a byte stream into JSON lines; a line that is not JSON is skipped (never a crash of either side). */
export function jsonLines<T>(onMessage: (message: T) => void): (chunk: Buffer) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let message: T;
      try {
        message = JSON.parse(line) as T;
      } catch {
        continue;
      }
      onMessage(message);
    }
  };
}
