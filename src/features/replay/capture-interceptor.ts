/**
 * Workflow interceptor bundled into the replay worker: reports, for every activation, the commands the workflow
 * code concluded it with (exactly what the SDK hands to Core: activities, local activities, timers and their
 * cancellation, child workflows, signals, patches, completion, failure, continue-as-new, ...), whether Core was
 * replaying history at that point, and the workflow task it belongs to. The replayer compares these with the
 * history. Runs inside the workflow sandbox.
 */
import { proxySinks, type Sinks, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { coresdk } from '@temporalio/proto';

export type WorkflowCommand = coresdk.workflow_commands.IWorkflowCommand;

export interface CapturedActivation {
  /** False once Core has gone past the recorded history: these commands are the execution's future. */
  replaying: boolean;
  /** The history's length at this activation's workflow task (the id of its WorkflowTaskStarted event). */
  historyLength: number;
  commands: WorkflowCommand[];
}

export interface CaptureSinks extends Sinks {
  tempestCapture: {
    activation(activation: CapturedActivation): void;
  };
}

const { tempestCapture } = proxySinks<CaptureSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        const output = next(input);
        const { unsafe, historyLength } = workflowInfo();
        tempestCapture.activation({ replaying: unsafe.isReplaying, historyLength, commands: output.commands });
        return output;
      },
    },
  ],
});
