/**
 * The public surface, chosen on purpose: every name each entry exports (values and types), read by the TypeScript
 * compiler from the entry's barrel. A name added or removed fails here until this list says so, so the surface
 * grows (or shrinks) only on purpose, and internals (a cluster provider's registry, stale-run cleanup, the SDK's own
 * classes) never leak into it by a convenient re-export.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

/** The names each entry exports, from one program of every entry. */
function exportedNames(entries: readonly string[]): Map<string, string[]> {
  const files = entries.map((entry) => path.join(REPO_ROOT, entry));
  const program = ts.createProgram(files, {
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  return new Map(
    entries.map((entry, i) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(files[i]!)!)!;
      const names = checker
        .getExportsOfModule(module)
        .map((symbol) => symbol.name)
        .sort();
      return [entry, names];
    }),
  );
}

const SURFACE: Record<string, { entry: string; names: string[] }> = {
  tempest: {
    entry: 'src/entries/index.ts',
    names: [
      'DefinitionError',
      'Duration',
      'HarnessError',
      'Project',
      'ProjectPath',
      'TempestConfig',
      'TempestError',
      'Timing',
      'UsageError',
      'check',
      'defineConfig',
      'formatDuration',
      'loadProject',
      'parseDuration',
    ],
  },
  'tempest/testing': {
    entry: 'src/entries/testing/index.ts',
    names: [
      'ActionOutcome',
      'ActivityCall',
      'ActivityDouble',
      'DevServer',
      'DevServerOptions',
      'FailureOptions',
      'LocalSystem',
      'LocalSystemOptions',
      'RunLocalSystemOptions',
      'StartPartsOptions',
      'StartedParts',
      'TestServerClock',
      'TimeSkippingOptions',
      'ToolNotFoundError',
      'WorkerGroup',
      'WorkerGroupOptions',
      'WorkflowAction',
      'WorkflowTestError',
      'WorkflowTestEvent',
      'WorkflowTestEventType',
      'WorkflowTestInputError',
      'WorkflowTestOptions',
      'WorkflowTestOutcome',
      'WorkflowTestRun',
      'activity',
      'activityStarted',
      'at',
      'bundleWorkflows',
      'createSystemActivities',
      'createTimeSkippingEnvironment',
      'describeEvent',
      'installQuietRuntime',
      'resolveTool',
      'runLocalSystem',
      'startDevServer',
      'startLocalSystem',
      'startParts',
      'testWorkflow',
      'timerStarted',
    ],
  },
  'tempest/interleave': {
    entry: 'src/entries/interleave/index.ts',
    names: [
      'ActivityDoubleSpec',
      'ActivityFailureSpec',
      'ChildRecord',
      'EventSpec',
      'ExecutionRun',
      'ExploreResult',
      'ExploreWorkflowOptions',
      'HarnessBreak',
      'InterleavingCall',
      'InterleavingRun',
      'InterleavingsDefinition',
      'Observed',
      'PropertySpec',
      'SavedOrdering',
      'ShapeCount',
      'SingleStep',
      'Step',
      'SynthesizeOptions',
      'TimedStep',
      'UpdateRecord',
      'Violation',
      'WorkflowOutcome',
      'corpusShapes',
      'defineInterleavings',
      'exploreWorkflow',
      'formatRun',
      'readOrdering',
      'replayOrdering',
      'saveOrdering',
      'saveRegressionTest',
      'synthesizeCorpus',
    ],
  },
  'tempest/vitest': {
    entry: 'src/entries/vitest/index.ts',
    names: [
      'DevServerConnection',
      'TempestContext',
      'TempestVitestOptions',
      'TimeSkipping',
      'UseWorkersOptions',
      'tempest',
      'tempestContext',
      'useDevServer',
      'useTimeSkipping',
      'useWorkers',
    ],
  },
  'tempest/replay': {
    entry: 'src/entries/replay/index.ts',
    names: [
      'ClusterOptions',
      'History',
      'HistoryFileError',
      'LoadedHistory',
      'Manifest',
      'ManifestEntry',
      'RecordEvent',
      'RecordOptions',
      'RecordSummary',
      'ReplayOutcome',
      'ReplayStatus',
      'Replayer',
      'ReplayerOptions',
      'Selection',
      'connectToCluster',
      'findHistoryFiles',
      'historyFileText',
      'loadHistoryFile',
      'parseHistory',
      'readManifest',
      'recordHistories',
      'writeManifest',
    ],
  },
  'tempest/chaos': {
    entry: 'src/entries/chaos/index.ts',
    names: [
      'ActivityContext',
      'ActivityPoint',
      'ActivityRetry',
      'Capability',
      'CheckerSpec',
      'ClientView',
      'EntryType',
      'FaultAction',
      'FaultContext',
      'FaultKind',
      'FaultSpec',
      'FaultTargets',
      'FiredPoint',
      'HistoryEntry',
      'HookContext',
      'JepsenOp',
      'LoadedSystem',
      'OperationOutcome',
      'OperationPoint',
      'OperationSpec',
      'OperationStatus',
      'PartAddress',
      'PartCommand',
      'PartLink',
      'PartSpec',
      'PartStartContext',
      'PersistenceError',
      'PersistenceFaults',
      'Plan',
      'PlanChoices',
      'PlanContext',
      'PlannedFault',
      'PlannedOperation',
      'PlannedStep',
      'ProgressPoint',
      'Random',
      'ReachedPoint',
      'Readiness',
      'RecordedWorkflow',
      'ReplayObservation',
      'RequestPoint',
      'RunObservations',
      'Scenario',
      'ScenarioSpec',
      'StepAction',
      'StepSpec',
      'System',
      'SystemSpec',
      'TEMPORAL_LINKS',
      'TOXICS',
      'TemporalService',
      'ToxicType',
      'Verdict',
      'WorkersSpec',
      'WorkloadFields',
      'WorkloadSpec',
      'activityRetries',
      'appliedAtMostOnce',
      'clientView',
      'compensatedInReverse',
      'conserved',
      'defineChecker',
      'defineFaultKind',
      'defineScenario',
      'defineSystem',
      'describeClientView',
      'describeOutcome',
      'loadSystem',
      'nodeCommand',
      'outcomeOf',
      'signed',
      'toJepsenHistory',
      'workflowTaskFailures',
    ],
  },
  'tempest/bench': {
    entry: 'src/entries/bench/index.ts',
    names: [
      'BenchReport',
      'BenchWorkloadSpec',
      'Benchmark',
      'CallFactory',
      'CompareOptions',
      'Comparison',
      'ComparisonRow',
      'CountedBenchmark',
      'DEFAULT_COMPARE_OPTIONS',
      'Environment',
      'Omission',
      'REPORT_SCHEMA',
      'RunInfo',
      'SUITE_NAMES',
      'WarmUp',
      'WorkflowCall',
      'Workload',
      'WorkloadSuite',
      'compareReports',
      'defineWorkload',
      'judgeAbReport',
      'loadWorkloads',
      'readReport',
    ],
  },
};

describe('the public surface', () => {
  it('has an entry in package.json for each barrel, and a barrel for each entry', async () => {
    const { exports } = (await import('../../package.json', { with: { type: 'json' } })).default as { exports: Record<string, unknown> };
    const entries = Object.keys(exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'tempest' : `tempest/${key.slice(2)}`));
    expect(entries.sort()).toEqual(Object.keys(SURFACE).sort());
  });

  const actual = exportedNames(Object.values(SURFACE).map(({ entry }) => entry));

  it.each(Object.entries(SURFACE))('%s exports exactly the names chosen for it', (_, { entry, names }) => {
    expect(actual.get(entry)).toEqual(names);
  });

  it('names each concept once: no name is exported by two entries', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [entry, { names }] of Object.entries(SURFACE)) {
      for (const name of names) {
        if (seen.has(name)) twice.push(`${name} (${seen.get(name)} and ${entry})`);
        seen.set(name, entry);
      }
    }
    expect(twice).toEqual([]);
  });
});
