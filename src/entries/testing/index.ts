/**
 * `tempest/testing`: a team's own tests on real parts. `testWorkflow` runs one workflow on the time-skipping server
 * with activity doubles and actions at moments of its run; and the real parts themselves, each started the one way
 * tempest starts it: the pinned time-skipping test server and dev server (never the SDK's download), workers over a
 * bundle built once, and the system's own parts, activities, or all of it at once (`startLocalSystem`; `runLocalSystem`
 * is `tempest up`: started, its addresses said, used, kept up until Ctrl-C, stopped).
 */
export { testWorkflow, WorkflowTestError } from '../../features/testing/run.ts';
export type { ActionOutcome, WorkflowTestOptions, WorkflowTestOutcome, WorkflowTestRun } from '../../features/testing/run.ts';
export { activity, ActivityDouble } from '../../features/testing/doubles.ts';
export type { ActivityCall, FailureOptions } from '../../features/testing/doubles.ts';
export { activityStarted, at, timerStarted } from '../../features/testing/actions.ts';
export type { WorkflowAction } from '../../features/testing/actions.ts';
export { describeEvent } from '../../features/testing/events.ts';
export type { WorkflowTestEvent, WorkflowTestEventType } from '../../features/testing/events.ts';
export { WorkflowTestInputError } from '../../features/testing/offsets.ts';
export { createTimeSkippingEnvironment, startDevServer } from '../../base/harness/temporal.ts';
export type { DevServer, DevServerOptions, TestServerClock, TimeSkippingOptions } from '../../base/harness/temporal.ts';
export { bundleWorkflows, installQuietRuntime, WorkerGroup } from '../../base/harness/worker.ts';
export type { WorkerGroupOptions } from '../../base/harness/worker.ts';
export { createSystemActivities, startParts } from '../../base/harness/system-parts.ts';
export type { StartedParts, StartPartsOptions } from '../../base/harness/system-parts.ts';
export { runLocalSystem, startLocalSystem } from '../../base/harness/local-system.ts';
export type { LocalSystem, LocalSystemOptions, RunLocalSystemOptions } from '../../base/harness/local-system.ts';
export { resolveTool, ToolNotFoundError } from '../../base/toolchain/tools.ts';
