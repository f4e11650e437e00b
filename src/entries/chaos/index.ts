/**
 * `tempest/chaos`: describe your system (its parts, workers, workload and invariants), write scenarios of real
 * faults against it, and run them with checkers that prove the invariants held.
 */
export { defineChecker, defineSystem, linkNames, TEMPORAL_LINKS } from '../../features/chaos/system.ts';
export { startOrder } from '../../base/system-spec.ts';
export type {
  CheckerSpec,
  OperationSpec,
  HookContext,
  PlanContext,
  StepAction,
  StepSpec,
  System,
  SystemSpec,
  WorkloadSpec,
} from '../../features/chaos/system.ts';
export type {
  ActivityContext,
  PartAddress,
  PartCommand,
  PartLink,
  PartSpec,
  PartStartContext,
  Readiness,
  WorkersSpec,
} from '../../base/system-spec.ts';
export { bindScenario, checkScenarioCluster, defineScenario, TOXICS } from '../../features/chaos/scenario.ts';
export type {
  BoundScenario,
  FaultAction,
  FaultSpec,
  Scenario,
  ScenarioSpec,
  ToxicType,
  WorkloadFields,
} from '../../features/chaos/scenario.ts';
export { check, DefinitionError, durationMs } from '../../base/definition.ts';
export type { Duration, Timing } from '../../base/definition.ts';
export { Random } from '../../base/random.ts';
export { appliedAtMostOnce, compensatedInReverse, conserved, signed } from '../../features/chaos/checkers/helpers.ts';
export { activityRetries, BUILT_IN_CHECKERS, workflowTaskFailures } from '../../features/chaos/checkers/built-in.ts';
export type { ActivityRetry } from '../../features/chaos/checkers/built-in.ts';
export type { Verdict } from '../../features/chaos/checkers/verdict.ts';
export { clientView, describeClientView, describeOutcome, outcomeOf } from '../../features/chaos/observations.ts';
export type {
  ClientView,
  RecordedWorkflow,
  ReplayObservation,
  RunObservations,
  WorkflowOutcome,
  WorkflowStatus,
} from '../../features/chaos/observations.ts';
export type { Plan, PlannedFault, PlannedOperation, PlannedStep } from '../../features/chaos/plan.ts';
export { toJepsenHistory } from '../../features/chaos/history.ts';
export type { EntryType, HistoryEntry, JepsenOp } from '../../features/chaos/history.ts';
export { findScenario, listScenarios, loadScenarioFile, loadSystem, ScenarioFileError } from '../../features/chaos/catalog.ts';
export type { LoadedSystem } from '../../features/chaos/catalog.ts';
export { branchesReached } from '../../features/chaos/branches.ts';
export type { BranchesReached } from '../../features/chaos/branches.ts';
export { runScenario } from '../../features/chaos/runner.ts';
export type { RunOptions, RunResult, RunTimings } from '../../features/chaos/runner.ts';
export { cleanupStaleRuns, providerFor, providers, SERVICES_LINKS, SERVICES_PROCESSES } from '../../features/chaos/cluster/index.ts';
export { PERSISTENCE_ERRORS, TEMPORAL_SERVICES } from '../../base/harness/temporal-services.ts';
export type { PersistenceError, PersistenceFaults, TemporalService } from '../../base/harness/temporal-services.ts';
export type { Cluster, ClusterProcess, ClusterProvider, Link, WorkerCode } from '../../features/chaos/cluster/index.ts';
export { nodeCommand } from '../../base/harness/parts.ts';
