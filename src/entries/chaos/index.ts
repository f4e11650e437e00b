/**
 * `tempest/chaos`: describe your system (its parts, workers, workload and invariants), write scenarios of real
 * faults against it, and run them with checkers that prove the invariants held.
 */
export { defineChecker, defineSystem, TEMPORAL_LINKS } from '../../features/chaos/system.ts';
export { nodeCommand } from '../../base/harness/parts.ts';
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
export { defineScenario, TOXICS } from '../../features/chaos/scenario.ts';
export type { FaultAction, FaultSpec, Scenario, ScenarioSpec, ToxicType, WorkloadFields } from '../../features/chaos/scenario.ts';
export type { ActivityPoint, OperationPoint, ProgressPoint, RequestPoint } from '../../features/chaos/points.ts';
export type { ReachedPoint } from '../../features/chaos/cluster/progress.ts';
export { defineFaultKind } from '../../features/chaos/faults/kind.ts';
export type { Capability, FaultContext, FaultKind, FaultTargets, FiredPoint, PlanChoices } from '../../features/chaos/faults/kind.ts';
export type { Random } from '../../base/random.ts';
export { appliedAtMostOnce, compensatedInReverse, conserved, signed } from '../../features/chaos/checkers/helpers.ts';
export { activityRetries, workflowTaskFailures } from '../../features/chaos/checkers/built-in.ts';
export type { ActivityRetry } from '../../features/chaos/checkers/built-in.ts';
export type { Verdict } from '../../features/chaos/checkers/verdict.ts';
export { clientView, describeClientView, describeOutcome, outcomeOf } from '../../features/chaos/observations.ts';
export type {
  ClientView,
  RecordedWorkflow,
  ReplayObservation,
  RunObservations,
  OperationOutcome,
  OperationStatus,
} from '../../features/chaos/observations.ts';
export type { Plan, PlannedFault, PlannedOperation, PlannedStep } from '../../features/chaos/plan.ts';
export { toJepsenHistory } from '../../features/chaos/history.ts';
export type { EntryType, HistoryEntry, JepsenOp } from '../../features/chaos/history.ts';
export { loadSystem } from '../../features/chaos/catalog.ts';
export type { LoadedSystem } from '../../features/chaos/catalog.ts';
export type { PersistenceError, PersistenceFaults, TemporalService } from '../../base/harness/temporal-services.ts';
