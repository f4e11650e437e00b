/**
 * `tempest/interleave`: a workflow run under many orderings of its activity answers, signals, updates, cancellation
 * and timers in virtual time (a `defineInterleavings` definition), every run's properties checked, and a failure
 * shrunk to a minimal timeline that replays exactly; and the histories it explored written into the replay corpus.
 */
export { defineInterleavings } from '../../features/interleave/definition.ts';
export type {
  ActivityDoubleSpec,
  ActivityFailureSpec,
  EventSpec,
  InterleavingsDefinition,
  PropertySpec,
} from '../../features/interleave/definition.ts';
export type {
  ChildRecord,
  ExecutionRun,
  InterleavingCall,
  InterleavingRun,
  Observed,
  SingleStep,
  Step,
  TimedStep,
  UpdateRecord,
} from '../../features/interleave/run-record.ts';
export type { WorkflowOutcome } from '../../base/history/progress.ts';
export { exploreWorkflow, readOrdering, replayOrdering, saveOrdering, saveRegressionTest } from '../../features/interleave/api.ts';
export type { ExploreWorkflowOptions, SavedOrdering } from '../../features/interleave/api.ts';
export type { ExploreResult, HarnessBreak, Violation } from '../../features/interleave/explore.ts';
export { formatRun } from '../../features/interleave/timeline.ts';
export { corpusShapes, synthesizeCorpus } from '../../features/interleave/corpus.ts';
export type { ShapeCount, SynthesizeOptions } from '../../features/interleave/corpus.ts';
