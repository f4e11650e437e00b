/**
 * `tempest/testing`: the real parts for a team's own tests, each started the one way tempest starts it: the pinned
 * time-skipping test server and dev server (never the SDK's download), workers over a bundle built once, and the
 * system's own parts and activities.
 */
export { createTimeSkippingEnvironment, DEV_SERVER_DYNAMIC_CONFIG, startDevServer } from '../../base/harness/temporal.ts';
export type { DevServer, DevServerOptions } from '../../base/harness/temporal.ts';
export { bundleWorkflows, installQuietRuntime, NativeConnection, WorkerGroup } from '../../base/harness/worker.ts';
export type { WorkerGroupOptions } from '../../base/harness/worker.ts';
export { createSystemActivities, startParts } from '../../base/harness/system-parts.ts';
export type { StartedParts, StartPartsOptions } from '../../base/harness/system-parts.ts';
export { nodeCommand, startPart } from '../../base/harness/parts.ts';
export type { RunningPart, StartPartOptions } from '../../base/harness/parts.ts';
export { resolveTool, ToolNotFoundError } from '../../base/toolchain/tools.ts';
export { startLocalSystem } from '../../base/harness/local-system.ts';
export type { LocalSystem, LocalSystemOptions } from '../../base/harness/local-system.ts';
export { testWorkflow, WorkflowTestError } from '../../features/testing/run.ts';
export type { ActionOutcome, WorkflowOutcome, WorkflowTestOptions, WorkflowTestRun } from '../../features/testing/run.ts';
export { activity, ActivityDouble } from '../../features/testing/doubles.ts';
export type { ActivityCall, FailureOptions } from '../../features/testing/doubles.ts';
export { activityStarted, at, timerStarted } from '../../features/testing/actions.ts';
export type { WorkflowAction } from '../../features/testing/actions.ts';
export { describeEvent } from '../../features/testing/events.ts';
export type { WorkflowTestEvent, WorkflowTestEventType } from '../../features/testing/events.ts';
export { formatOffset, parseOffset, WorkflowTestInputError } from '../../features/testing/offsets.ts';
