/**
 * Workflow interceptor bundled into the replay worker: reports every command the workflow code issues
 * (activities, local activities, timers, child workflows) and the value it returns to the replayer through a sink, so the replayer can
 * compare what the code does now with what the history recorded. Runs inside the workflow sandbox.
 */
import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export type CapturedCommand =
  | { kind: 'activity'; seq: number; activityType: string; args: unknown[]; options: Record<string, unknown> }
  | { kind: 'local-activity'; seq: number; activityType: string; args: unknown[] }
  | { kind: 'timer'; seq: number; durationMs: number }
  | { kind: 'child-workflow'; seq: number; workflowType: string; args: unknown[] };

export interface CaptureSinks extends Sinks {
  tempestCapture: {
    command(command: CapturedCommand): void;
    /** The workflow function returned this value. */
    result(value: unknown): void;
  };
}

const { tempestCapture } = proxySinks<CaptureSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const value = await next(input);
        tempestCapture.result(value);
        return value;
      },
    },
  ],
  outbound: [
    {
      scheduleActivity(input, next) {
        tempestCapture.command({ kind: 'activity', seq: input.seq, activityType: input.activityType, args: input.args, options: { ...input.options } });
        return next(input);
      },
      scheduleLocalActivity(input, next) {
        tempestCapture.command({ kind: 'local-activity', seq: input.seq, activityType: input.activityType, args: input.args });
        return next(input);
      },
      startTimer(input, next) {
        tempestCapture.command({ kind: 'timer', seq: input.seq, durationMs: input.durationMs });
        return next(input);
      },
      startChildWorkflowExecution(input, next) {
        tempestCapture.command({ kind: 'child-workflow', seq: input.seq, workflowType: input.workflowType, args: input.options.args ?? [] });
        return next(input);
      },
    },
  ],
});
