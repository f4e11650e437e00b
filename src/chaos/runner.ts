/**
 * Running a chaos scenario: plan (pure) -> run (cluster, workload, nemesis) -> settle -> observe (audits,
 * outcomes, recorded histories replayed) -> check (pure). Every step's result lands in the report directory:
 * plan.json, history.jsonl, histories/, report.json.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { installQuietRuntime } from '../harness/worker.ts';
import { readManifest, writeFileAtomic } from '../replay/corpus.ts';
import { loadHistoryFile } from '../replay/history-file.ts';
import { recordHistories } from '../replay/record.ts';
import { Replayer } from '../replay/replayer.ts';
import { BankClient } from '../../services/bank/client.ts';
import { StoreClient } from '../../services/store/client.ts';
import { TASK_QUEUES } from '../../workflows/types.ts';
import { runChecks, type Verdict } from './checkers/index.ts';
import type { Cluster, ClusterProvider, WorkerCode } from './cluster/types.ts';
import { type HistoryEntry, OperationHistory } from './history.ts';
import { Nemesis } from './nemesis.ts';
import type { Observations, ReplayObservation, WorkflowOutcome, WorkflowStatus } from './observations.ts';
import { type Plan, planScenario } from './plan.ts';
import { activityRetries } from './retries.ts';
import type { Scenario } from './scenario.ts';
import { runWorkload } from './workload.ts';

export interface RunOptions {
  scenario: Scenario;
  seed: number;
  provider: ClusterProvider;
  code: WorkerCode;
  /** Where the plan, the operation history, the histories and the cluster's state and logs go (a new or empty directory). */
  reportDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface RunTimings {
  clusterStartMs: number;
  workloadMs: number;
  settleMs: number;
  checkMs: number;
  totalMs: number;
}

export interface RunResult {
  plan: Plan;
  verdicts: Verdict[];
  observations: Observations;
  timings: RunTimings;
  webUiUrl?: string;
  namespace: string;
  /** The code the workers ran at the end (after any deploy). */
  finalCode: WorkerCode;
}

const STATUS: Record<string, WorkflowStatus> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  CONTINUED_AS_NEW: 'completed',
  RUNNING: 'running',
};

/** Wait until every workflow is closed or the deadline passes; then read each one's outcome. */
async function settle(client: Client, plan: Plan, deadline: number): Promise<{ outcomes: WorkflowOutcome[]; unsettled: string[] }> {
  const outcomes: WorkflowOutcome[] = [];
  const unsettled: string[] = [];
  for (const op of plan.operations) {
    const handle = client.workflow.getHandle(op.workflowId);
    let status: WorkflowStatus = 'unknown';
    for (;;) {
      try {
        status = STATUS[(await handle.describe()).status.name] ?? 'unknown';
      } catch {
        status = 'unknown'; // never started: the client was cut off before the start reached the server
      }
      if (status !== 'running' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const outcome: WorkflowOutcome = { workflowId: op.workflowId, op: op.id, status };
    if (status === 'completed') outcome.result = await handle.result();
    if (status === 'failed') {
      const error = await handle.result().then(() => undefined, (e: unknown) => e);
      if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) outcome.failureType = error.cause.type ?? undefined;
    }
    if (status === 'running') unsettled.push(op.workflowId);
    outcomes.push(outcome);
  }
  return { outcomes, unsettled };
}

/**
 * Record every workflow of the run; replay them against the code the workers ended with (when the scenario
 * checks it); read every retried activity attempt from them.
 */
async function observeHistories(cluster: Cluster, connection: Connection, plan: Plan, code: WorkerCode, dir: string, replay: boolean): Promise<Pick<Observations, 'replay' | 'retries'>> {
  const ids = plan.operations.map((op) => op.workflowId);
  const summary = await recordHistories({
    cluster: { address: cluster.directAddress, namespace: cluster.namespace },
    connection,
    selection: { workflowIds: ids, limit: ids.length },
    outDir: dir,
  });
  const missing: ReplayObservation[] = summary.failures.map((f) => ({ workflowId: f.workflowId, status: 'not-recorded', detail: f.error }));
  const manifest = readManifest(dir).histories;
  const histories = await Promise.all(manifest.map((entry) => loadHistoryFile(path.join(dir, entry.file), entry.workflowId)));
  const retries = histories.flatMap((h) => activityRetries(h.workflowId, h.history));
  if (!replay) return { replay: [], retries };
  const replayer = await Replayer.create({ workflowsPath: code.workflowsPath });
  const results: ReplayObservation[] = [];
  for await (const outcome of replayer.replay(histories)) {
    const detail = outcome.divergence?.eventId ? `diverged at event ${outcome.divergence.eventId}` : outcome.message;
    results.push({ workflowId: outcome.workflowId, status: outcome.status, detail });
  }
  return { replay: [...results, ...missing], retries };
}

export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, seed, log } = options;
  const started = Date.now();
  installQuietRuntime();
  mkdirSync(options.reportDir, { recursive: true });
  const runId = `${scenario.name}-${seed}-${Date.now().toString(36)}`;
  const plan = planScenario(scenario, seed, runId);
  writeFileAtomic(path.join(options.reportDir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);

  log(`starting the ${options.provider.name} cluster ...`);
  const cluster = await options.provider.start({
    dataDir: path.join(options.reportDir, 'cluster'),
    workers: { ...options.code, count: scenario.workers, taskQueues: Object.values(TASK_QUEUES) },
    log,
  });
  const clusterStartMs = Date.now() - started;
  const connections: Connection[] = [];
  try {
    Nemesis.validate(cluster, plan.faults);
    log(`cluster up in ${(clusterStartMs / 1000).toFixed(1)} s${cluster.webUiUrl ? `; Temporal Web UI ${cluster.webUiUrl}` : ''}`);
    const bank = new BankClient({ baseUrl: cluster.bankUrl });
    const store = new StoreClient({ baseUrl: cluster.storeUrl });
    await Promise.all([
      ...plan.seeding.accounts.map((a) => bank.openAccount(a)),
      ...plan.seeding.stock.map((s) => store.setStock(s)),
      ...plan.seeding.customers.map((c) => store.openCustomer(c)),
    ]);
    const [openingBank, openingStore] = await Promise.all([bank.audit(), store.audit()]);

    // An external cluster may need TLS or an API key; the provider says which.
    const clientConnection = await Connection.connect({ address: cluster.clientAddress, ...cluster.connectionOptions });
    const directConnection = await Connection.connect({ address: cluster.directAddress, ...cluster.connectionOptions });
    connections.push(clientConnection, directConnection);
    const history = new OperationHistory(path.join(options.reportDir, 'history.jsonl'));
    const nemesis = new Nemesis(cluster, history, log, options.code);
    log(`running ${plan.operations.length} operations (concurrency ${scenario.workload.concurrency}) and ${plan.faults.length} faults, seed ${seed}`);
    const progress = setInterval(() => log(`t+${(history.now() / 1000).toFixed(1)}s ${countDone(history.entries())}/${plan.operations.length} operations done`), 5000);
    nemesis.start(plan.faults);
    const workloadStarted = Date.now();
    try {
      await runWorkload(plan.operations, {
        client: new Client({ connection: clientConnection, namespace: cluster.namespace }),
        history,
        concurrency: scenario.workload.concurrency,
        operationTimeoutMs: plan.faultPhaseEndsMs + scenario.settleWithinMs,
        signal: options.signal,
      });
      if (options.signal?.aborted) throw new Error('interrupted');
      const untilHealed = plan.faultPhaseEndsMs - history.now();
      if (untilHealed > 0) await new Promise((resolve) => setTimeout(resolve, untilHealed));
      await nemesis.settled();
    } finally {
      clearInterval(progress);
      nemesis.cancel();
    }
    await cluster.healAll();
    history.record({ process: 'harness', type: 'ok', f: 'heal-all' });
    const workloadMs = Date.now() - workloadStarted;

    log(`faults healed; waiting up to ${scenario.settleWithinMs / 1000} s for every workflow to finish`);
    const settleStarted = Date.now();
    const direct = new Client({ connection: directConnection, namespace: cluster.namespace });
    const { outcomes, unsettled } = await settle(direct, plan, settleStarted + scenario.settleWithinMs);
    history.record({ process: 'harness', type: unsettled.length === 0 ? 'ok' : 'fail', f: 'settle', value: { unsettled } });
    const settleMs = Date.now() - settleStarted;

    const checkStarted = Date.now();
    const [bankAudit, storeAudit] = await Promise.all([bank.audit(), store.audit()]);
    const recorded = await observeHistories(cluster, directConnection, plan, nemesis.code, path.join(options.reportDir, 'histories'), scenario.checks.includes('histories-replay'));
    const observations: Observations = {
      plan,
      history: history.entries(),
      outcomes,
      bank: bankAudit,
      store: storeAudit,
      openingBankTotal: openingBank.totalBalance,
      openingStore: { moneyTotal: openingStore.moneyTotal, stockTotals: openingStore.stockTotals },
      unsettled,
      settleWithinMs: scenario.settleWithinMs,
      ...recorded,
    };
    const verdicts = runChecks(scenario.checks, observations);
    const checkMs = Date.now() - checkStarted;
    return {
      plan,
      verdicts,
      observations,
      timings: { clusterStartMs, workloadMs, settleMs, checkMs, totalMs: Date.now() - started },
      webUiUrl: cluster.webUiUrl,
      namespace: cluster.namespace,
      finalCode: nemesis.code,
    };
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
    await cluster.stop();
  }
}

function countDone(entries: readonly HistoryEntry[]): number {
  return entries.filter((e) => e.process.startsWith('client-') && e.type !== 'invoke' && ['transfer', 'saga', 'order'].includes(e.f)).length;
}
