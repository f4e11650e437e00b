/**
 * `tempest/chaos`: describe your system (its parts, workers, workload and invariants), write scenarios of real
 * faults against it, and run them with checkers that prove the invariants held.
 */
export { defineChecker, defineSystem, linkNames, startOrder, TEMPORAL_LINKS } from './system.ts';
export type {
  ActivityContext,
  CheckerSpec,
  OperationSpec,
  PartAddress,
  PartCommand,
  PartLink,
  PartSpec,
  PartStartContext,
  HookContext,
  PlanContext,
  Readiness,
  StepAction,
  StepSpec,
  System,
  SystemSpec,
  WorkersSpec,
  WorkloadSpec,
} from './system.ts';
export { bindScenario, checkScenarioCluster, defineScenario, TOXICS } from './scenario.ts';
export type { BoundScenario, FaultAction, FaultSpec, Scenario, ScenarioSpec, ToxicType, WorkloadFields } from './scenario.ts';
export { check, DefinitionError, durationMs } from './definition.ts';
export type { Duration, Timing } from './definition.ts';
export { Random } from './random.ts';
export { appliedAtMostOnce, compensatedInReverse, conserved, signed } from './checkers/helpers.ts';
export { activityRetries, BUILT_IN_CHECKERS, workflowTaskFailures } from './checkers/built-in.ts';
export type { ActivityRetry } from './checkers/built-in.ts';
export type { Verdict } from './checkers/verdict.ts';
export { clientView, describeClientView, describeOutcome, outcomeOf } from './observations.ts';
export type { ClientView, RecordedWorkflow, ReplayObservation, RunObservations, WorkflowOutcome, WorkflowStatus } from './observations.ts';
export type { Plan, PlannedFault, PlannedOperation, PlannedStep } from './plan.ts';
export { toJepsenHistory } from './history.ts';
export type { EntryType, HistoryEntry, JepsenOp } from './history.ts';
export { findScenario, listScenarios, loadScenarioFile, loadSystem, ScenarioFileError } from './catalog.ts';
export type { LoadedSystem } from './catalog.ts';
export { branchesReached } from './branches.ts';
export type { BranchesReached } from './branches.ts';
export { runScenario } from './runner.ts';
export type { RunOptions, RunResult, RunTimings } from './runner.ts';
export { cleanupStaleRuns, providerFor, providers, SERVICES_LINKS, SERVICES_PROCESSES } from './cluster/index.ts';
export { PERSISTENCE_ERRORS, TEMPORAL_SERVICES } from '../harness/temporal-services.ts';
export type { PersistenceError, PersistenceFaults, TemporalService } from '../harness/temporal-services.ts';
export type { Cluster, ClusterProcess, ClusterProvider, Link, WorkerCode } from './cluster/index.ts';
export { nodeCommand } from '../harness/parts.ts';
