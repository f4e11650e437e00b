/**
 * `tempest/testing`: the real parts for a team's own tests, each started the one way tempest starts it: the pinned
 * time-skipping test server and dev server (never the SDK's download), workers over a bundle built once, and the
 * system's own parts and activities.
 */
export { createTimeSkippingEnvironment, DEV_SERVER_DYNAMIC_CONFIG, startDevServer } from '../harness/temporal.ts';
export type { DevServer, DevServerOptions } from '../harness/temporal.ts';
export { bundleWorkflows, installQuietRuntime, NativeConnection, WorkerGroup } from '../harness/worker.ts';
export type { WorkerGroupOptions } from '../harness/worker.ts';
export { createSystemActivities, startParts } from '../harness/system-parts.ts';
export type { StartedParts, StartPartsOptions } from '../harness/system-parts.ts';
export { nodeCommand, startPart } from '../harness/parts.ts';
export type { RunningPart, StartPartOptions } from '../harness/parts.ts';
export { resolveTool, ToolNotFoundError } from '../toolchain/tools.ts';
export { startLocalSystem } from '../harness/local-system.ts';
export type { LocalSystem, LocalSystemOptions } from '../harness/local-system.ts';
export { testWorkflow, WorkflowTestError } from './workflow-test/run.ts';
export type { ActionOutcome, WorkflowOutcome, WorkflowTestOptions, WorkflowTestRun } from './workflow-test/run.ts';
export { activity, ActivityDouble } from './workflow-test/doubles.ts';
export type { ActivityCall, FailureOptions } from './workflow-test/doubles.ts';
export { activityStarted, at, timerStarted } from './workflow-test/actions.ts';
export type { WorkflowAction } from './workflow-test/actions.ts';
export { describeEvent } from './workflow-test/events.ts';
export type { WorkflowTestEvent, WorkflowTestEventType } from './workflow-test/events.ts';
export { formatOffset, parseOffset, WorkflowTestInputError } from './workflow-test/offsets.ts';
export { defineInterleavings } from '../interleave/definition.ts';
export type { ActivityDoubleSpec, ActivityFailureSpec, EventSpec, InterleavingsDefinition, PropertySpec, VirtualDuration } from '../interleave/definition.ts';
export type { InterleavingCall, InterleavingRun, Step, TimedStep } from '../interleave/run-record.ts';
export type { Outcome } from '../interleave/history-state.ts';
export { exploreWorkflow, readOrdering, replayOrdering, saveOrdering, saveRegressionTest } from '../interleave/api.ts';
export type { ExploreWorkflowOptions, SavedOrdering } from '../interleave/api.ts';
export type { ExploreResult, Violation } from '../interleave/explore.ts';
export { formatRun } from '../interleave/timeline.ts';
export { corpusShapes, synthesizeCorpus } from '../interleave/corpus.ts';
export type { ShapeCount, SynthesizeOptions } from '../interleave/corpus.ts';
