/**
 * Running a chaos scenario on a system: plan (pure) -> run (cluster, prepare, workload, nemesis) -> settle ->
 * observe (the system's snapshot, outcomes, recorded histories replayed) -> check. Every step's result lands in the
 * report directory: plan.json, history.jsonl (and history.elle.json, the same in Jepsen's shape), histories/,
 * report.json.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { writeFileAtomic } from '../../base/files.ts';
import { installQuietRuntime } from '../../base/harness/worker.ts';
import { shownPath } from '../../base/modules/user-module.ts';
import { readManifest } from '../replay/corpus.ts';
import { loadHistoryFile } from '../../base/history/history-file.ts';
import { recordHistories } from '../replay/record.ts';
import { Replayer } from '../replay/replayer.ts';
import { type BranchesReached, type BranchOf, branchesReached } from './branches.ts';
import { runChecks, type Verdict } from './checkers/index.ts';
import { DefinitionError } from '../../base/definition.ts';
import type { Cluster, ClusterProvider, WorkerCode } from './cluster/types.ts';
import { type HistoryEntry, OperationHistory, toJepsenHistory } from './history.ts';
import { Nemesis } from './nemesis.ts';
import { faultKindsOf } from './faults/index.ts';
import { describeOutcome, PointNemesis, type PointOutcome } from './point-nemesis.ts';
import type { ReachedPoint } from './cluster/progress.ts';
import type { OperationOutcome, RecordedWorkflow, ReplayObservation, RunObservations } from './observations.ts';
import { outcomeOfEvent, type WorkflowOutcome } from '../../base/history/progress.ts';
import {
  describeNeverWorked,
  neverWorked,
  type NeverWorkedModules,
  type WorkedTypes,
  workedTypes,
} from '../../base/history/never-worked.ts';
import { type Plan, type PlannedOperation, planScenario } from './plan.ts';
import { type BoundScenario, checkScenarioCluster } from './scenario.ts';
import { SystemCodeError } from './system.ts';
import { modulesOf, noWarmUpFor, runWarmUp, type WarmUpResult, type WarmUpSummary } from './warm-up.ts';
import { runWorkload, sleep } from './workload.ts';

export interface RunOptions {
  scenario: BoundScenario;
  seed: number;
  provider: ClusterProvider;
  code: WorkerCode;
  /** The project root: parts and workers run there, and a deploy's module paths start there. */
  projectRoot: string;
  /** Where runs register their processes, so a later run can clean up after a killed one. */
  stateDir: string;
  /** Where the plan, the operation history, the histories and the cluster's state and logs go (a new or empty directory). */
  reportDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /**
   * The workflow types the workflows module exports, when known (checkWorkerCode): a plan that starts any other
   * is refused before any cluster starts, instead of leaving its workflows waiting for a worker that never comes.
   */
  workflowTypes?: readonly string[];
  /** Run a fault-free slice of the workload first (runWarmUp); default true, as for any scenario run alone. */
  warmUp?: boolean;
}

export interface RunTimings {
  clusterStartMs: number;
  /** The fault-free warm-up before the faults (0 without one). */
  warmUpMs: number;
  workloadMs: number;
  settleMs: number;
  checkMs: number;
  totalMs: number;
}

export interface RunResult {
  plan: Plan;
  verdicts: Verdict[];
  /** The endings each workflow type and intent reached. */
  branches: BranchesReached[];
  observations: RunObservations;
  timings: RunTimings;
  webUiUrl?: string;
  namespace: string;
  /** The code the workers ran at the end (after any deploy). */
  finalCode: WorkerCode;
  /** Each fault placed at a point: where it fired, or that the run never reached its point (the run then proves nothing). */
  pointOutcomes: PointOutcome[];
  /** Every point of the system's progress the run passed (activity attempts, requests through the gates), in order. */
  points: ReachedPoint[];
  /** The fault-free warm-up before the faults, when the run had one. */
  warmUp?: WarmUpSummary;
  /**
   * The system never worked (never-worked.ts): the one line of the harness error a command exits 2 with, and where it
   * showed. The run then has no verdicts: the checkers would only have named its symptoms.
   */
  neverWorked?: { line: string; during: 'warm-up' | 'run' };
}

/** Wait until every workflow is closed or the deadline passes; then read each one's outcome from its close event. */
export async function settle(
  client: Client,
  plan: Plan,
  deadline: number,
  signal?: AbortSignal,
): Promise<{ outcomes: OperationOutcome[]; unsettled: string[] }> {
  const outcomes: OperationOutcome[] = [];
  const unsettled: string[] = [];
  for (const op of plan.operations) {
    const handle = client.workflow.getHandle(op.workflowId);
    let running: boolean | undefined;
    for (;;) {
      try {
        running = (await handle.describe()).status.name === 'RUNNING';
      } catch {
        running = undefined; // never started: the client was cut off before the start reached the server
      }
      if (running !== true || Date.now() > deadline) break;
      await sleep(250, signal);
      signal?.throwIfAborted();
    }
    const ids = { workflowId: op.workflowId, op: op.id };
    if (running === undefined) outcomes.push({ ...ids, status: 'unknown' });
    else if (running) {
      unsettled.push(op.workflowId);
      outcomes.push({ ...ids, status: 'running' });
    } else outcomes.push({ ...ids, ...(await closeOutcome(client, op.workflowId)) });
  }
  return { outcomes, unsettled };
}

/** How the workflow's latest run ended, as its close event says (the last run of a chain that continued as new). */
async function closeOutcome(client: Client, workflowId: string): Promise<WorkflowOutcome> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
    historyEventFilterType: proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    waitNewEvent: true,
  });
  const close = history?.events?.[0];
  return (close && outcomeOfEvent(close)) ?? { status: 'running' };
}

/**
 * Record every workflow the run started, with the pending activities of those still running, and replay them
 * against the code the workers ended with (when the scenario checks it). A workflow whose start never reached the
 * server (a fault cut its client off) has no history: its outcome says so ('unknown').
 */
async function observeHistories(
  cluster: Cluster,
  connection: Connection,
  observed: {
    outcomes: readonly OperationOutcome[];
    /** The workflows still running: their pending activities are read too. */
    unsettled: readonly string[];
    code: WorkerCode;
    /** Where the histories are written. */
    dir: string;
    /** Whether they are replayed against `code`. */
    replay: boolean;
  },
): Promise<Pick<RunObservations, 'replay' | 'workflows'>> {
  const { outcomes, unsettled, code, dir, replay } = observed;
  const ids = outcomes.filter((o) => o.status !== 'unknown').map((o) => o.workflowId);
  // Before the histories: an attempt seen pending here and then in its history is counted once (activityRetries).
  const client = new Client({ connection, namespace: cluster.namespace });
  const pending = new Map<string, temporal.api.workflow.v1.IPendingActivityInfo[]>();
  for (const workflowId of unsettled) {
    const described = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    if (described?.raw.pendingActivities?.length) pending.set(workflowId, described.raw.pendingActivities);
  }
  const summary = await recordHistories({
    cluster: { address: cluster.directAddress, namespace: cluster.namespace },
    connection,
    selection: { workflowIds: ids, limit: ids.length },
    outDir: dir,
  });
  const missing: ReplayObservation[] = summary.failures.map((f) => ({ workflowId: f.workflowId, status: 'not-recorded', detail: f.error }));
  const manifest = readManifest(dir).histories;
  const histories = await Promise.all(manifest.map((entry) => loadHistoryFile(path.join(dir, entry.file), entry.workflowId)));
  const workflows: RecordedWorkflow[] = histories.map((h) => ({
    workflowId: h.workflowId,
    runId: h.runId,
    workflowType: h.workflowType,
    events: h.history.events ?? [],
    ...(pending.has(h.workflowId) ? { pendingActivities: pending.get(h.workflowId) } : {}),
  }));
  if (!replay) return { replay: [], workflows };
  const replayer = await Replayer.create({ workflowsPath: code.workflowsPath });
  const results: ReplayObservation[] = [];
  try {
    for await (const outcome of replayer.replay(histories)) {
      const detail = outcome.divergence?.eventId ? `diverged at event ${outcome.divergence.eventId}` : outcome.message;
      results.push({ workflowId: outcome.workflowId, status: outcome.status, detail });
    }
  } finally {
    replayer.close();
  }
  return { replay: [...results, ...missing], workflows };
}

/** Run a hook of the system's (prepare, snapshot); what it throws is named as the hook's failure. */
async function systemHook<T>(hook: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new SystemCodeError(`${hook} threw: ${(error as Error).message?.split('\n')[0] ?? String(error)}`, { cause: error });
  }
}

/** The system's `workload.branch`, made to throw on anything but a name (default: status and failure type). */
function namedBranch(branch: ((operation: PlannedOperation, outcome: OperationOutcome) => string) | undefined): BranchOf | undefined {
  if (!branch) return undefined;
  return (operation, outcome) => {
    const name: unknown = branch(operation, outcome);
    if (typeof name !== 'string' || name === '')
      throw new Error(`it returned ${JSON.stringify(name)} for operation ${operation.id}; expected the name of the ending it reached`);
    return name;
  };
}

/** Every operation of the plan starts a workflow type the workflows module exports (when the exports are known). */
function checkWorkflowTypes(plan: Plan, types: readonly string[] | undefined, workflowsPath: string): void {
  if (!types || types.length === 0) return;
  const unknown = plan.operations.find((op) => !types.includes(op.workflowType));
  if (unknown) {
    throw new DefinitionError(
      `workload.plan: operation ${unknown.id} starts workflow type '${unknown.workflowType}', which ${shownPath(workflowsPath)} does not export (it exports ${types.join(', ')})`,
    );
  }
}

/** Every operation of the plan starts on a task queue the workers poll: one they do not would wait for a worker that never comes. */
function checkTaskQueues(plan: Plan, taskQueues: readonly string[]): void {
  const unpolled = plan.operations.find((op) => !taskQueues.includes(op.taskQueue));
  if (unpolled) {
    throw new DefinitionError(
      `workload.plan: operation ${unpolled.id} starts ${unpolled.workflowType} on task queue '${unpolled.taskQueue}', which no worker polls (workers.taskQueues: ${taskQueues.join(', ')})`,
    );
  }
}

/** The plan of a run, checked against the workflow types the workers export and the task queues they poll: refused before any cluster starts. */
export function planRun(scenario: BoundScenario, seed: number, workflowTypes: readonly string[] | undefined, workflowsPath: string): Plan {
  const runId = `${scenario.name}-${seed}-${Date.now().toString(36)}`;
  const plan = planScenario(scenario, seed, runId);
  checkWorkflowTypes(plan, workflowTypes, workflowsPath);
  checkTaskQueues(plan, scenario.system.workers.taskQueues);
  return plan;
}

export interface SessionOptions {
  provider: ClusterProvider;
  /** The system every run of the session belongs to. */
  system: BoundScenario['system'];
  /** The code the workers run at the start of every run. */
  code: WorkerCode;
  /** Workers to start. */
  workers: number;
  projectRoot: string;
  stateDir: string;
  /** The cluster's state and logs. */
  dataDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * A cluster kept for run after run (`chaos explore` runs every schedule on one). Each run plans fresh ids (its
 * runId), and the system's snapshot reads only the run's own state. After each run every fault is healed, every
 * process restored, the session's code deployed again when the run deployed other code, and the run's workflows
 * that had not finished are terminated, so the next run starts from a cluster like a new one.
 */
export interface ChaosSession {
  readonly cluster: Cluster;
  /** How long the cluster took to start. */
  readonly startMs: number;
  run(options: SessionRunOptions): Promise<RunResult>;
  /** Stop the cluster. */
  close(): Promise<void>;
}

export interface SessionRunOptions {
  scenario: BoundScenario;
  seed: number;
  plan: Plan;
  reportDir: string;
  /** Run a fault-free slice of the workload before the faults (runWarmUp): on for a scenario run alone, off for explore's later schedules. */
  warmUp?: boolean;
  /** Code to run instead of the session's (deployed first, when the workers run other code). */
  code?: WorkerCode;
}

export async function openSession(options: SessionOptions): Promise<ChaosSession> {
  installQuietRuntime();
  const started = Date.now();
  const cluster = await options.provider.start({
    dataDir: options.dataDir,
    projectRoot: options.projectRoot,
    system: options.system,
    stateDir: options.stateDir,
    workers: { ...options.code, count: options.workers, taskQueues: options.system.workers.taskQueues },
    log: options.log,
  });
  const startMs = Date.now() - started;
  // The types seen working on this cluster with the session's code, by any run: never judged as never working.
  const worked: WorkedTypes = { activities: [], workflows: [] };
  options.log(`cluster up in ${(startMs / 1000).toFixed(1)} s${cluster.webUiUrl ? `; Temporal Web UI ${cluster.webUiUrl}` : ''}`);
  let deployed = options.code;
  return {
    cluster,
    startMs,
    run: async (run) => {
      const code = run.code ?? options.code;
      if (code.workflowsPath !== deployed.workflowsPath || code.activitiesPath !== deployed.activitiesPath) {
        await cluster.deployWorkers(code);
        deployed = code;
        // What worked, worked with other code.
        worked.activities = [];
        worked.workflows = [];
      }
      return runOnCluster(cluster, { ...options, code, worked }, run);
    },
    close: async () => {
      await cluster.stop();
      // What a report keeps of its cluster: the logs and Temporal's database. The parts' own data (tens of MB each)
      // and the bundles go; the snapshots in the report say what the parts held.
      for (const bulky of ['parts', 'bundles']) rmSync(path.join(options.dataDir, bulky), { recursive: true, force: true });
    },
  };
}

export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, seed } = options;
  const started = Date.now();
  mkdirSync(options.reportDir, { recursive: true });
  checkScenarioCluster(scenario, options.provider);
  const plan = planRun(scenario, seed, options.workflowTypes, options.code.workflowsPath);
  const session = await openSession({
    ...options,
    system: scenario.system,
    workers: scenario.workers,
    dataDir: path.join(options.reportDir, 'cluster'),
  });
  try {
    const result = await session.run({ scenario, seed, plan, reportDir: options.reportDir, warmUp: options.warmUp ?? true });
    return { ...result, timings: { ...result.timings, clusterStartMs: session.startMs, totalMs: Date.now() - started } };
  } finally {
    await session.close();
  }
}

/** The run's two connections to Temporal: through the client link (faults hit it), and direct (the harness's own reads). */
interface RunConnections {
  client: Connection;
  direct: Connection;
}

async function runOnCluster(
  cluster: Cluster,
  session: SessionOptions & { worked: WorkedTypes },
  options: SessionRunOptions,
): Promise<RunResult> {
  const { scenario, plan } = options;
  const { system } = scenario;
  const started = Date.now();
  mkdirSync(options.reportDir, { recursive: true });
  writeFileAtomic(path.join(options.reportDir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  let connections: RunConnections | undefined;
  let nemesis: Nemesis | undefined;
  let unsettled: string[] = plan.operations.map((op) => op.workflowId);
  let firstPoint = cluster.progress?.points.length ?? 0;
  try {
    const kinds = faultKindsOf(system);
    Nemesis.validate(cluster, kinds, plan.faults);
    const prepare = async (prepared: Plan): Promise<void> => {
      const context = { parts: cluster.parts, setup: prepared.setup, runId: prepared.runId };
      if (system.workload.prepare) await systemHook('workload.prepare', () => system.workload.prepare!(context));
    };
    // An external cluster may need TLS or an API key; the provider says which.
    connections = {
      client: await Connection.connect({ address: cluster.clientAddress, ...cluster.connectionOptions }),
      direct: await Connection.connect({ address: cluster.directAddress, ...cluster.connectionOptions }),
    };
    const skipped = options.warmUp ? noWarmUpFor(plan) : undefined;
    if (skipped) session.log(`warm-up: skipped, ${skipped}`);
    const warmUp = options.warmUp && !skipped ? await warmUpBeforeFaults(cluster, session, options, connections, prepare) : undefined;
    if (warmUp?.summary.neverWorked) return await warmUpResult(cluster, session, options, connections.direct, warmUp, started);
    firstPoint = cluster.progress?.points.length ?? 0; // the points this run passed: the warm-up's are not its own
    await prepare(plan);
    const hookContext = { parts: cluster.parts, setup: plan.setup, runId: plan.runId };
    const snapshot = (): Promise<unknown> =>
      system.snapshot ? systemHook('snapshot', () => system.snapshot!(hookContext)) : Promise.resolve(undefined);
    const before = await snapshot();
    const history = new OperationHistory(path.join(options.reportDir, 'history.jsonl'));
    nemesis = new Nemesis(cluster, kinds, history, session.log, session.code, session.projectRoot);
    const faultPhase = await runFaultPhase({ cluster, session, scenario, seed: options.seed, plan, history, nemesis, connections });
    const settled = await settleAfterFaults({ cluster, session, scenario, plan, history, connections, ...faultPhase });
    unsettled = settled.unsettled;
    const branches = await systemHook('workload.branch', async () =>
      branchesReached(plan, settled.outcomes, namedBranch(system.workload.branch)),
    );
    writeFileAtomic(
      path.join(options.reportDir, 'history.elle.json'),
      `[${toJepsenHistory(history.entries())
        .map((op) => JSON.stringify(op))
        .join(',\n')}]\n`,
    );
    const checkStarted = Date.now();
    const after = await snapshot();
    const recorded = await observeHistories(cluster, connections.direct, {
      outcomes: settled.outcomes,
      unsettled,
      code: nemesis.code,
      dir: path.join(options.reportDir, 'histories'),
      replay: scenario.checks.includes('histories-replay'),
    });
    const observations: RunObservations = {
      plan,
      history: history.entries(),
      outcomes: settled.outcomes,
      before,
      after,
      unsettled,
      settleWithinMs: scenario.settleWithinMs,
      businessErrors: system.businessErrors,
      ...recorded,
    };
    // A system that never worked gets no verdict: the checkers would name its symptoms as violations.
    if (warmUp) addWorked(session.worked, warmUp.summary.worked);
    const broken = judgeRun(recorded.workflows, {
      faultFree: plan.faults.length === 0,
      worked: session.worked,
      modules: modulesOf(session.code, cluster, scenario),
    });
    if (!noWarmUpFor(plan)) addWorked(session.worked, workedTypes(recorded.workflows));
    const verdicts = broken ? [] : await runChecks(scenario.checks, system.checkers, observations);
    const points = cluster.progress?.points.slice(firstPoint) ?? [];
    writeFileAtomic(path.join(options.reportDir, 'points.jsonl'), points.map((p) => `${JSON.stringify(p)}\n`).join(''));
    return {
      plan,
      verdicts,
      branches,
      observations,
      ...(warmUp ? { warmUp: warmUp.summary } : {}),
      ...(broken ? { neverWorked: { line: broken, during: 'run' as const } } : {}),
      timings: {
        clusterStartMs: 0,
        warmUpMs: warmUp?.summary.durationMs ?? 0,
        workloadMs: faultPhase.workloadMs,
        settleMs: settled.settleMs,
        checkMs: Date.now() - checkStarted,
        totalMs: Date.now() - started,
      },
      webUiUrl: cluster.webUiUrl,
      namespace: cluster.namespace,
      finalCode: nemesis.code,
      pointOutcomes: faultPhase.pointOutcomes,
      points,
    };
  } finally {
    if (!session.signal?.aborted) await restore(cluster, session.code, nemesis?.code, connections?.direct, unsettled);
    await Promise.allSettled([connections?.client.close(), connections?.direct.close()]);
  }
}

/** The warm-up on this run's cluster, its files under <reportDir>/warm-up. */
function warmUpBeforeFaults(
  cluster: Cluster,
  session: SessionOptions,
  options: SessionRunOptions,
  connections: RunConnections,
  prepare: (plan: Plan) => Promise<void>,
): Promise<WarmUpResult> {
  return runWarmUp({
    cluster,
    scenario: options.scenario,
    seed: options.seed,
    runId: options.plan.runId,
    code: session.code,
    connections,
    prepare,
    dir: path.join(options.reportDir, 'warm-up'),
    logsDir: path.join(session.dataDir, 'logs'),
    log: session.log,
    signal: session.signal,
  });
}

/**
 * A run whose warm-up showed that the system never worked: no faults, no verdicts. Its report is the warm-up's
 * (its operations, their histories under histories/) with the harness error's line.
 */
async function warmUpResult(
  cluster: Cluster,
  session: SessionOptions,
  options: SessionRunOptions,
  direct: Connection,
  warmUp: WarmUpResult,
  started: number,
): Promise<RunResult> {
  const { plan, outcomes } = warmUp;
  const unsettled = outcomes.filter((o) => o.status === 'running').map((o) => o.workflowId);
  const recorded = await observeHistories(cluster, direct, {
    outcomes,
    unsettled,
    code: session.code,
    dir: path.join(options.reportDir, 'histories'),
    replay: false,
  });
  return {
    plan,
    verdicts: [],
    branches: [],
    observations: {
      plan,
      history: warmUp.history.entries(),
      outcomes,
      before: undefined,
      after: undefined,
      unsettled,
      settleWithinMs: options.scenario.settleWithinMs,
      businessErrors: options.scenario.system.businessErrors,
      ...recorded,
    },
    warmUp: warmUp.summary,
    neverWorked: { line: warmUp.summary.neverWorked!, during: 'warm-up' },
    pointOutcomes: [],
    points: [],
    timings: {
      clusterStartMs: 0,
      warmUpMs: warmUp.summary.durationMs,
      workloadMs: 0,
      settleMs: 0,
      checkMs: 0,
      totalMs: Date.now() - started,
    },
    webUiUrl: cluster.webUiUrl,
    namespace: cluster.namespace,
    finalCode: session.code,
  };
}

/** Add what `more` saw working to `worked` (each type once). */
function addWorked(worked: WorkedTypes, more: WorkedTypes): void {
  worked.activities = [...new Set([...worked.activities, ...more.activities])].sort();
  worked.workflows = [...new Set([...worked.workflows, ...more.workflows])].sort();
}

/** The never-worked line of a run that settled (neverWorked), judging only the types its warm-up did not see work. */
function judgeRun(
  workflows: readonly RecordedWorkflow[],
  options: { faultFree: boolean; worked?: WorkedTypes; modules: NeverWorkedModules },
): string | undefined {
  const finding = neverWorked(workflows, options);
  return finding && describeNeverWorked(finding, options.modules);
}

interface FaultPhaseOptions {
  cluster: Cluster;
  session: SessionOptions;
  scenario: BoundScenario;
  seed: number;
  plan: Plan;
  history: OperationHistory;
  nemesis: Nemesis;
  connections: RunConnections;
}

/**
 * The workload through the client link while the nemesis applies the plan's faults; then every fault healed.
 * Returns the deadline every wait on a workflow shares, and when the faults were over.
 */
async function runFaultPhase(
  options: FaultPhaseOptions,
): Promise<{ deadline: number; healedAt: number; workloadMs: number; pointOutcomes: PointOutcome[] }> {
  const { cluster, session, scenario, plan, history, nemesis } = options;
  const { log, signal } = session;
  log(
    `running ${plan.operations.length} operations (concurrency ${scenario.workload.concurrency}) and ${plan.faults.length} faults, seed ${options.seed}`,
  );
  const progress = setInterval(
    () => log(`t+${(history.now() / 1000).toFixed(1)}s ${countDone(history.entries(), plan)}/${plan.operations.length} operations done`),
    5000,
  );
  const direct = new Client({ connection: options.connections.direct, namespace: cluster.namespace });
  const points = new PointNemesis(plan, { progress: cluster.progress, history, nemesis, log, signal, client: direct });
  points.start();
  nemesis.start(plan.faults);
  const workloadStarted = Date.now();
  // One deadline for every wait on a workflow, the workload's and the settle's: a stuck workflow costs the settle
  // bound once, not twice. Faults at points may last past the timed ones: their durations are added.
  const pointFaultsMs = plan.faults.reduce((sum, f) => sum + (f.forMs ?? 0), 0);
  const deadline = workloadStarted + plan.faultPhaseEndsMs + pointFaultsMs + scenario.settleWithinMs;
  const faultsOver = untilFaultsOver(plan, history, nemesis, signal);
  faultsOver.catch(() => undefined); // awaited below, unless the workload failed first
  let healedAt: number;
  try {
    await runWorkload(plan.operations, {
      client: new Client({ connection: options.connections.client, namespace: cluster.namespace }),
      history,
      concurrency: scenario.workload.concurrency,
      deadline,
      signal,
    });
    signal?.throwIfAborted();
    healedAt = await faultsOver;
    // The faults placed at points that fired, applied and healed after their time (one that waits for an `until`
    // point the workload never reached is healed with the rest below).
    if (points.active) {
      await points.settled();
      await nemesis.settled();
      healedAt = Math.max(healedAt, Date.now());
    }
    signal?.throwIfAborted();
  } finally {
    clearInterval(progress);
    points.stop();
    nemesis.cancel();
  }
  const pointOutcomes = points.outcomes();
  for (const outcome of pointOutcomes) if (!outcome.reached) log(`fault ${describeOutcome(outcome)}`);
  await cluster.healAll();
  history.record({ process: 'harness', type: 'ok', f: 'heal-all' });
  return { deadline, healedAt, workloadMs: Date.now() - workloadStarted, pointOutcomes };
}

/**
 * Wait for every workflow to finish, up to settleWithin after the faults were over (later than planned when a
 * restart took long), counted from there even when the workload kept waiting past it; each one's outcome.
 */
async function settleAfterFaults(
  options: Omit<FaultPhaseOptions, 'nemesis' | 'seed'> & { deadline: number; healedAt: number },
): Promise<{ outcomes: OperationOutcome[]; unsettled: string[]; settleMs: number }> {
  const { cluster, session, scenario, plan, history } = options;
  const settleStarted = Date.now();
  const settleBy = Math.max(options.deadline, options.healedAt + scenario.settleWithinMs);
  session.log(`faults healed; waiting up to ${Math.max(0, Math.round((settleBy - settleStarted) / 1000))} s for every workflow to finish`);
  const direct = new Client({ connection: options.connections.direct, namespace: cluster.namespace });
  const { outcomes, unsettled } = await settle(direct, plan, settleBy, session.signal);
  history.record({ process: 'harness', type: unsettled.length === 0 ? 'ok' : 'fail', f: 'settle', value: { unsettled } });
  // Interrupted: no checks, no verdicts, whatever state the run reached (the caller writes no report).
  session.signal?.throwIfAborted();
  return { outcomes, unsettled, settleMs: Date.now() - settleStarted };
}

/** Resolves when the plan's timed fault phase has passed and every fault the nemesis started has ended: that time. */
async function untilFaultsOver(plan: Plan, history: OperationHistory, nemesis: Nemesis, signal?: AbortSignal): Promise<number> {
  // Wait out the fault phase, but not an interrupt: no fault fires after one (cancel clears them).
  const untilHealed = plan.faultPhaseEndsMs - history.now();
  if (untilHealed > 0) await sleep(untilHealed, signal);
  signal?.throwIfAborted();
  await nemesis.settled();
  return Date.now();
}

/** After a run: the cluster as the next run expects it (see ChaosSession). */
async function restore(
  cluster: Cluster,
  code: WorkerCode,
  ranCode: WorkerCode | undefined,
  direct: Connection | undefined,
  unsettled: readonly string[],
): Promise<void> {
  await cluster.healAll();
  if (ranCode && (ranCode.workflowsPath !== code.workflowsPath || ranCode.activitiesPath !== code.activitiesPath))
    await cluster.deployWorkers(code);
  if (!direct || unsettled.length === 0) return;
  const client = new Client({ connection: direct, namespace: cluster.namespace });
  await Promise.allSettled(
    unsettled.map((id) => client.workflow.getHandle(id).terminate('tempest: the chaos run ended before this workflow finished')),
  );
}

function countDone(entries: readonly HistoryEntry[], plan: Plan): number {
  const kinds = new Set(plan.operations.map((op) => op.kind));
  return entries.filter((e) => e.process.startsWith('client-') && e.type !== 'invoke' && kinds.has(e.f)).length;
}
