import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import bankAndStore from '../../chaos/system';
import { findScenario, loadSystem } from '../../src/features/chaos/catalog';
import { providers } from '../../src/features/chaos/cluster';
import type { Cluster, ClusterOptions, ClusterProvider, WorkerCode } from '../../src/features/chaos/cluster/types';
import { type ChaosSession, openSession, planRun, runScenario, type RunResult } from '../../src/features/chaos/runner';
import { type BoundScenario, bindScenario, defineScenario, type ScenarioSpec } from '../../src/features/chaos/scenario';
import { loadProject } from '../../src/base/config/config';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';
import { REPO_ROOT as PROJECT_ROOT } from './repo';
import { TASK_QUEUES, type TransferDetails, transferWorkflowId } from '../../workflows/types';
import { uniqueId } from './ids';

export const PACKAGED_CODE = {
  workflowsPath: path.join(PROJECT_ROOT, 'workflows', 'index.ts'),
  activitiesPath: path.join(PROJECT_ROOT, 'activities', 'worker.ts'),
};

/** What a cluster of the packaged system needs beyond its data directory and workers. */
export const PACKAGED_SYSTEM = { projectRoot: PROJECT_ROOT, system: bankAndStore } as const;

/** This repository as tempest sees it (tempest.config.ts), and its system. */
export const PACKAGED_PROJECT = await loadProject({ cwd: PROJECT_ROOT });
export const PACKAGED = await loadSystem(PACKAGED_PROJECT);

/** A scenario of the packaged catalogue, by name. */
export const packagedScenario = (name: string): Promise<BoundScenario> => findScenario(name, PACKAGED_PROJECT, PACKAGED);

/** A scenario (a fixture's, or one written in a test) bound to the packaged system. */
export const onPackagedSystem = (spec: ScenarioSpec): BoundScenario => bindScenario(defineScenario(spec), bankAndStore);

/** Run a scenario of the packaged system as `tempest chaos run` does, with its state and report in a fresh temporary directory. */
export function runPackaged(
  scenario: BoundScenario,
  seed: number,
  options: { code?: Partial<WorkerCode>; provider?: ClusterProvider } = {},
): Promise<RunResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tempest-proof-${scenario.name}-`));
  return runScenario({
    scenario,
    seed,
    provider: options.provider ?? providers.local,
    code: { ...PACKAGED_CODE, ...options.code },
    projectRoot: PROJECT_ROOT,
    stateDir: path.join(dir, 'state'),
    reportDir: path.join(dir, 'report'),
    log: () => undefined,
  });
}

export interface PackagedSession {
  /** The session (its cluster), once beforeAll has opened it. */
  session: ChaosSession;
  /**
   * Run a scenario of the packaged system on the file's cluster, as `tempest chaos run` would on a cluster of its
   * own; `code` names modules that replace the packaged ones for this run (the workers are redeployed when it differs
   * from what they run).
   */
  run(scenario: BoundScenario, seed: number, options?: { code?: Partial<WorkerCode> }): Promise<RunResult>;
}

/**
 * One chaos session (one cluster: dev server, bank, store, Toxiproxy, request gates, two workers) for the calling
 * test file, opened in beforeAll with the packaged code and closed in afterAll: each test's run gets fresh ids, and
 * fixture code is swapped in by redeploying the workers, not by starting another cluster.
 */
export function usePackagedSession(options: { provider?: ClusterProvider; workers?: number; on?: ChaosWorld } = {}): PackagedSession {
  const workers = options.workers ?? 2;
  // On the file's world: its cluster, already started (and stopped by the world).
  const on = options.on;
  const provider: ClusterProvider | undefined = on && {
    name: 'local',
    capabilities: [],
    start: async () => on.cluster,
  };
  let dir: string | undefined;
  const world: PackagedSession = {
    session: undefined as unknown as ChaosSession,
    run: async (scenario, seed, { code } = {}) => {
      if (scenario.workers !== workers)
        throw new Error(`scenario ${scenario.name} runs ${scenario.workers} workers; this file's cluster has ${workers}`);
      const report = mkdtempSync(path.join(dir!, `${scenario.name}-`));
      // A world's cluster may come from other tests' faults: the run starts from a healed one.
      if (on) await on.cluster.healAll();
      const plan = planRun(scenario, seed, undefined, PACKAGED_CODE.workflowsPath);
      return world.session.run({ scenario, seed, plan, reportDir: report, code: { ...PACKAGED_CODE, ...code } });
    },
  };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-session-'));
    world.session = await openSession({
      provider: provider ?? options.provider ?? providers.local,
      system: bankAndStore,
      code: PACKAGED_CODE,
      workers,
      projectRoot: PROJECT_ROOT,
      stateDir: path.join(dir, 'state'),
      dataDir: path.join(dir, 'cluster'),
      log: () => undefined,
    });
  });
  afterAll(async () => {
    if (!on) await world.session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return world;
}

export interface ChaosWorld {
  cluster: Cluster;
  /** Connected through the client-temporal link. */
  client: Client;
  connection: Connection;
  bank: BankClient;
  store: StoreClient;
  /** This file's registry of runs (cleanupStaleRuns). */
  stateDir: string;
  /** How long the cluster took to start, in ms. */
  startMs: number;
  /** The cluster's state and logs (logs/<process>.log). */
  dataDir: string;
}

/**
 * One cluster for the calling test file (servers are expensive: never one per test), with the packaged workflows
 * and activities, started in beforeAll and stopped in afterAll with its data directory removed.
 */
export function useChaosCluster(
  provider: ClusterProvider,
  options: { workers: number } & Partial<Pick<ClusterOptions, 'external' | 'docker'>>,
): ChaosWorld {
  const world = {} as ChaosWorld;
  let dataDir: string | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    dataDir = mkdtempSync(path.join(os.tmpdir(), `tempest-chaos-${provider.name}-`));
    world.stateDir = path.join(dataDir, 'state');
    const started = Date.now();
    world.dataDir = path.join(dataDir, 'cluster');
    world.cluster = await provider.start({
      ...PACKAGED_SYSTEM,
      dataDir: world.dataDir,
      stateDir: world.stateDir,
      workers: { ...PACKAGED_CODE, count: options.workers, taskQueues: Object.values(TASK_QUEUES) },
      external: options.external,
      docker: options.docker,
    });
    world.startMs = Date.now() - started;
    world.connection = await Connection.connect({ address: world.cluster.clientAddress });
    world.client = new Client({ connection: world.connection, namespace: world.cluster.namespace });
    world.bank = new BankClient({ baseUrl: world.cluster.parts.bank!.url });
    world.store = new StoreClient({ baseUrl: world.cluster.parts.store!.url });
  });
  afterAll(async () => {
    await world.connection?.close();
    await world.cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return world;
}

/** Two fresh accounts with 10,000.00 each, and a transfer of 1.00 between them. */
export async function newTransfer(bank: BankClient): Promise<TransferDetails> {
  const [sourceAccount, targetAccount] = [uniqueId('src'), uniqueId('dst')];
  await Promise.all([
    bank.openAccount({ accountId: sourceAccount, balance: 1_000_000 }),
    bank.openAccount({ accountId: targetAccount, balance: 1_000_000 }),
  ]);
  return { sourceAccount, targetAccount, amount: 100, referenceId: uniqueId('ref') };
}

export function startTransfer(client: Client, details: TransferDetails): Promise<WorkflowHandle> {
  return client.workflow.start('moneyTransfer', {
    taskQueue: TASK_QUEUES.moneyTransfer,
    workflowId: transferWorkflowId(details.referenceId),
    args: [details],
  });
}

export interface PendingActivity {
  type: string;
  attempt: number;
  lastFailure?: string;
  /** `pid@host` of the worker that last took it. */
  lastWorkerIdentity: string;
}

/** The workflow's pending activity of this type, once `ready` says it is the state the test waits for. */
export async function waitForPendingActivity(
  handle: WorkflowHandle,
  type: string,
  ready: (activity: PendingActivity) => boolean,
  timeoutMs = 30_000,
): Promise<PendingActivity> {
  const deadline = Date.now() + timeoutMs;
  let last: PendingActivity | undefined;
  while (Date.now() < deadline) {
    const { raw } = await handle.describe();
    const pending = raw.pendingActivities?.find((activity) => activity.activityType?.name === type);
    if (pending) {
      last = {
        type,
        attempt: pending.attempt ?? 0,
        lastFailure: pending.lastFailure?.message ?? undefined,
        lastWorkerIdentity: pending.lastWorkerIdentity ?? '',
      };
      if (ready(last)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `pending ${type} of ${handle.workflowId} did not reach the awaited state within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`,
  );
}

/** Time one call, in ms. */
export async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Pids of the live children of a process (Linux /proc). */
export function childProcessesOf(parentPid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return state !== 'Z' && Number(ppid) === parentPid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
