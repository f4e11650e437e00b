/**
 * The warm-up, Jepsen's practice: before any fault, a short slice of the same workload on the same cluster with no
 * fault at all. It establishes in the same run that the system works without faults, and turns a system that never
 * worked (activities that throw a TypeError on every call, workflow code that fails its first task, a worker that
 * died, a part nobody reached) into a harness error within seconds, before the faults and the checkers would have
 * named only its symptoms. A slice that simply does not finish in time (a workflow that waits for good) is stated,
 * never judged: ending as intended is the checkers' business, and they judge the run that follows.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import {
  describeNeverWorked,
  neverWorked,
  type NeverWorkedModules,
  type WorkedTypes,
  type WorkflowRecord,
  workedTypes,
} from '../../base/history/never-worked.ts';
import { WorkflowProgress } from '../../base/history/progress.ts';
import { shownPath } from '../../base/modules/user-module.ts';
import type { Cluster, WorkerCode } from './cluster/types.ts';
import { OperationHistory } from './history.ts';
import type { OperationOutcome } from './observations.ts';
import { type Plan, planScenario } from './plan.ts';
import type { BoundScenario } from './scenario.ts';
import { runWorkload, sleep } from './workload.ts';

/** Operations of each workflow type the warm-up runs (fewer when the scenario's concurrency is lower). */
export const WARM_UP_OPERATIONS_PER_TYPE = 4;

/** How often the warm-up reads its workflows while they run. */
const WATCH_EVERY_MS = 500;

/**
 * The longest a warm-up waits for its workflows (or the scenario's settle bound, when shorter): long enough for
 * every retry of a programming error to show (3 attempts take 3 s with Temporal's default backoff), short enough that
 * a slice that waits for good (a retry policy without limit, a signal nobody sends) costs little.
 */
export const WARM_UP_BOUND_MS = 20_000;

/** What the warm-up established, for the run's result and its report. */
export interface WarmUpSummary {
  runId: string;
  operations: number;
  completed: number;
  failed: number;
  /** Still running when the bound ran out (a slice that waits for good); terminated before the faults. */
  running: number;
  durationMs: number;
  /** The activity and workflow types seen working: the run after it judges only the others (neverWorked). */
  worked: WorkedTypes;
  /** Set when the system never worked: the harness error's one line. */
  neverWorked?: string;
}

export interface WarmUpResult {
  summary: WarmUpSummary;
  plan: Plan;
  history: OperationHistory;
  outcomes: OperationOutcome[];
}

/**
 * The warm-up's plan (pure): the scenario's workload planned with the same seed under a run id of its own, its first
 * few operations of each workflow type, all started at once, with no fault. Its ids never share the run's prefix,
 * so the system's snapshot of the run (its run id's slice) never sees the warm-up.
 */
export function warmUpPlan(scenario: BoundScenario, seed: number, runId: string): Plan {
  const full = planScenario(scenario, seed, `warm-up-${runId}`);
  const perType = Math.min(scenario.workload.concurrency, WARM_UP_OPERATIONS_PER_TYPE);
  const taken = new Map<string, number>();
  const operations = full.operations
    .filter((op) => {
      const count = taken.get(op.workflowType) ?? 0;
      taken.set(op.workflowType, count + 1);
      return count < perType;
    })
    .map((op) => ({ ...op, startAtMs: 0 }));
  return { ...full, operations, faults: [], faultPhaseEndsMs: 0 };
}

export interface WarmUpOptions {
  cluster: Cluster;
  scenario: BoundScenario;
  seed: number;
  /** The run's own id: the warm-up's is derived from it. */
  runId: string;
  code: WorkerCode;
  connections: { client: Connection; direct: Connection };
  /** The system's prepare hook for the warm-up's setup (named as the hook's failure when it throws). */
  prepare: (plan: Plan) => Promise<void>;
  /** The warm-up's operation history goes to <dir>/history.jsonl. */
  dir: string;
  /** The cluster's logs (<logsDir>/<process>.log), for the last words of a worker that died. */
  logsDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export async function runWarmUp(options: WarmUpOptions): Promise<WarmUpResult> {
  const { cluster, scenario, log, signal } = options;
  const started = Date.now();
  const plan = warmUpPlan(scenario, options.seed, options.runId);
  log(`warm-up: ${plan.operations.length} operations without faults, to establish that the system works`);
  await options.prepare(plan);
  const history = new OperationHistory(path.join(options.dir, 'history.jsonl'));
  const deadline = started + Math.min(scenario.settleWithinMs, WARM_UP_BOUND_MS);
  const stop = new AbortController();
  const direct = new Client({ connection: options.connections.direct, namespace: cluster.namespace });
  const workload = runWorkload(plan.operations, {
    client: new Client({ connection: options.connections.client, namespace: cluster.namespace }),
    history,
    concurrency: scenario.workload.concurrency,
    deadline,
    signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
  });
  let done = false;
  void workload.then(() => (done = true));
  const modules = modulesOf(options.code, cluster, scenario);
  let records: WorkflowRecord[] = [];
  let line: string | undefined;
  for (;;) {
    const finished = done;
    records = await readWorkflows(direct, plan);
    line = deadWorker(cluster, options.logsDir) ?? describeFinding(records, modules);
    if (line || finished || Date.now() > deadline || signal?.aborted) break;
    await sleep(WATCH_EVERY_MS, signal);
  }
  stop.abort();
  await workload;
  signal?.throwIfAborted();
  const outcomes = plan.operations.map((op): OperationOutcome => {
    const record = records.find((r) => r.workflowId === op.workflowId);
    const ids = { workflowId: op.workflowId, op: op.id };
    return record ? { ...ids, ...WorkflowProgress.of({ events: [...record.events] }).outcome } : { ...ids, status: 'unknown' };
  });
  const running = outcomes.filter((o) => o.status === 'running');
  await Promise.allSettled(running.map((o) => direct.workflow.getHandle(o.workflowId).terminate('tempest: the warm-up is over')));
  const summary: WarmUpSummary = {
    runId: plan.runId,
    operations: plan.operations.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    running: running.length,
    durationMs: Date.now() - started,
    worked: workedTypes(records),
    ...(line ? { neverWorked: line } : {}),
  };
  log(`warm-up: ${describeWarmUp(summary)}`);
  return { summary, plan, history, outcomes };
}

/** How the warm-up went, in one line of the report. */
export function describeWarmUp(summary: WarmUpSummary): string {
  const seconds = `${(summary.durationMs / 1000).toFixed(1)} s`;
  if (summary.neverWorked) return `the system never worked without faults (${seconds}): ${summary.neverWorked}`;
  const ended = `${summary.operations} operations without faults in ${seconds}: ${summary.completed} completed, ${summary.failed} failed`;
  if (summary.running === 0) return `${ended}; the system works without faults`;
  const unended = `${ended}, ${summary.running} not ended when the warm-up did (terminated)`;
  const { activities } = summary.worked;
  if (activities.length > 0) return `${unended}; the system made progress without faults (activities ${activities.join(', ')} completed)`;
  if (summary.completed + summary.failed > 0) return `${unended}; the system made progress without faults`;
  return `${unended}; no activity completed either: the warm-up could not establish that the system works`;
}

/**
 * Why a run has no warm-up although one was asked for, if it has none: a scenario that deploys other code starts
 * from code meant to be replaced (the tutorial's "deploy a fix"), so "works without faults" is not its premise.
 */
export function noWarmUpFor(plan: Plan): string | undefined {
  return plan.faults.some((fault) => fault.action.kind === 'deploy') ? 'the scenario deploys other code during the run' : undefined;
}

/** The modules and part addresses a never-worked line names. */
export function modulesOf(code: WorkerCode, cluster: Cluster, scenario: BoundScenario): NeverWorkedModules {
  const parts: Record<string, string> = {};
  for (const link of scenario.system.partLinks) {
    const listen = link.from === 'worker' ? cluster.links[link.name]?.listen : undefined;
    if (listen) parts[listen] = link.to;
  }
  return { activities: shownPath(code.activitiesPath), workflows: shownPath(code.workflowsPath), parts };
}

function describeFinding(records: readonly WorkflowRecord[], modules: NeverWorkedModules): string | undefined {
  const finding = neverWorked(records, { faultFree: true });
  return finding && describeNeverWorked(finding, modules);
}

/** A worker that is not running, with no fault to stop it: it died on its own (its log's last line says why). */
function deadWorker(cluster: Cluster, logsDir: string): string | undefined {
  const dead = [...cluster.processes.values()].find((p) => p.name.startsWith('worker-') && !p.running);
  if (!dead) return undefined;
  const log = path.join(logsDir, `${dead.name}.log`);
  const last = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .at(-1)
    : undefined;
  return `${dead.name} exited during the warm-up, with no fault applied${last ? `; its last output: ${last.trim()}` : ''}`;
}

/** Each started workflow of the plan as it stands: its history, and the pending activities of one still running. */
async function readWorkflows(client: Client, plan: Plan): Promise<WorkflowRecord[]> {
  const read = await Promise.all(
    plan.operations.map(async (op): Promise<WorkflowRecord | undefined> => {
      const handle = client.workflow.getHandle(op.workflowId);
      try {
        const history = await handle.fetchHistory();
        const events = history.events ?? [];
        const workflowType = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? op.workflowType;
        let pendingActivities: temporal.api.workflow.v1.IPendingActivityInfo[] | undefined;
        if (!WorkflowProgress.of(history).closed) pendingActivities = (await handle.describe()).raw.pendingActivities ?? undefined;
        return { workflowId: op.workflowId, workflowType, events, ...(pendingActivities ? { pendingActivities } : {}) };
      } catch {
        return undefined; // not started yet
      }
    }),
  );
  return read.filter((record): record is WorkflowRecord => record !== undefined);
}
