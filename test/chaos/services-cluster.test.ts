import { spawnSync } from 'node:child_process';
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { type TransferDetails, transferWorkflowId } from '../../workflows/types';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { servicesProvider } from '../../src/features/chaos/cluster/services';
import { startProcess, waitUntil } from '../../src/base/harness/process';
import { cleanupStaleRuns, identifyProcess, type RunRecord } from '../../src/base/harness/run-registry';
import { postgresChildren, postgresDataDir } from '../../src/base/harness/postgres';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { newTransfer, packagedScenario, startTransfer, useChaosCluster, usePackagedSession } from '../support/chaos-cluster';

// The services cluster (Temporal as separate services on PostgreSQL): its processes and links under faults, what a
// harness killed with -9 leaves (and the next run ends), then a scenario inside it through the runner, and a checker
// that still names a bug there. Two clusters: the file's (the scenarios run on it too), and the one whose harness is
// killed.
const world = useChaosCluster(servicesProvider, { workers: 2 });
const scenarios = usePackagedSession({ on: world });

/** The state letter (ps) of PostgreSQL's postmaster `pid` and of each process it forked (its backends). */
function postgresStates(pid: number): string[] {
  const pids = [pid, ...postgresChildren(pid)];
  const out = spawnSync('ps', ['-o', 'stat=', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((stat) => stat[0]!);
}

/**
 * Start a transfer on a cluster that has just been faulted (a history that restarted does not own its shards yet, a
 * database that was stalled may have committed a start whose answer was lost): try again for a bounded while; a
 * start that went through counts once.
 */
async function startEventually(client: Client, details: TransferDetails): Promise<WorkflowHandle> {
  let handle: WorkflowHandle | undefined;
  await waitUntil(
    `transfer ${details.referenceId} started`,
    async () => {
      try {
        handle = await startTransfer(client, details);
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        handle = client.workflow.getHandle(transferWorkflowId(details.referenceId));
      }
      return true;
    },
    30_000,
    { intervalMs: 500 },
  );
  return handle!;
}

/** As root, the directory under <tmp>/tempest-postgres/ that the harness `pid` made for its database (see postgresDataDir). */
function databaseDirOf(pid: number): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const shared = ['/tmp', os.tmpdir()].map((base) => path.join(base, 'tempest-postgres')).filter(existsSync);
  const dirs = shared.flatMap((dir) => readdirSync(dir).map((entry) => path.join(dir, entry)));
  const found = dirs.find(
    (dir) =>
      existsSync(path.join(dir, 'harness.json')) &&
      (JSON.parse(readFileSync(path.join(dir, 'harness.json'), 'utf8')) as { pid: number }).pid === pid,
  );
  expect(found, `the database directory of harness ${pid}`).toBeDefined();
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the services cluster: Temporal as separate services on PostgreSQL, each reaching it through its own link', () => {
  it('runs postgres and the four Temporal services as processes of their own, each service linked to the database', () => {
    const { cluster } = world;
    expect(cluster.provider).toBe('services');
    expect([...cluster.processes.keys()]).toEqual([
      'postgres',
      'temporal-frontend',
      'temporal-history',
      'temporal-matching',
      'temporal-worker',
      'bank',
      'store',
      'worker-1',
      'worker-2',
    ]);
    const database = cluster.link('temporal-history-postgres').upstream;
    for (const service of ['frontend', 'history', 'matching', 'worker'])
      expect(cluster.link(`temporal-${service}-postgres`).upstream).toBe(database);
    expect(cluster.link('client-temporal').upstream).toBe(cluster.directAddress);
    expect(cluster.link('temporal-worker-frontend').upstream).toBe(cluster.directAddress); // the internal worker's client
    console.log(`services cluster start-up: ${(world.startMs / 1000).toFixed(1)} s`);
  });

  it('a pause of postgres stops every backend, not only the postmaster, and holds a transfer until it resumes', async () => {
    const { cluster, client, bank } = world;
    const postgres = cluster.processes.get('postgres')!;
    const details = await newTransfer(bank);
    await postgres.pause();
    let handle;
    try {
      const states = postgresStates(postgres.pid!);
      expect(states.length).toBeGreaterThan(3); // the postmaster, its helpers and the services' connections
      expect(new Set(states)).toEqual(new Set(['T']));
      handle = await startTransfer(client, details).catch(() => undefined);
    } finally {
      await postgres.resume();
    }
    expect(new Set(postgresStates(postgres.pid!))).not.toContain('T');
    // The start waited for the database (the client gave up, or it went through once postgres was back): either
    // way the transfer runs to completion now.
    handle ??= await startEventually(client, details);
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
  });

  it('a persistence fault (every UpdateWorkflowExecution fails) stalls a transfer in history; cleared, it completes', async () => {
    const { cluster, client, bank } = world;
    const details = await newTransfer(bank);
    await cluster.injectPersistenceFaults!({ ExecutionStore: { UpdateWorkflowExecution: { Unavailable: 1 } } }, ['history']);
    let handle;
    try {
      handle = await startEventually(client, details);
      // The history service tried to record a step and the fault refused it (waited for in its log, never for a time).
      const log = path.join(world.dataDir, 'logs', 'temporal-history.log');
      const refused = async (): Promise<boolean> =>
        spawnSync('grep', ['-q', 'fault injection error at UpdateWorkflowExecution', log]).status === 0;
      await waitUntil('the history service refused an UpdateWorkflowExecution', refused, 60_000);
      // Created, but no step could be recorded: nothing reached the bank.
      expect((await bank.audit()).operations.filter((op) => op.referenceId === details.referenceId)).toEqual([]);
    } finally {
      await cluster.injectPersistenceFaults!(undefined, ['history']);
    }
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
  });
});

describe('a harness of the services cluster killed with -9', () => {
  it('leaves processes that the next run ends: postgres (and with it every backend), each Temporal service', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-services-stale-'));
    const stateDir = path.join(root, 'state');
    try {
      const { process: harness } = await startProcess({
        name: 'harness to be killed',
        command: process.execPath,
        args: [
          '--import',
          './scripts/register.mjs',
          path.join(PROJECT_ROOT, 'test/fixtures/chaos/start-cluster-then-hang.ts'),
          path.join(root, 'killed-run'),
          stateDir,
          'services',
        ],
        cwd: PROJECT_ROOT,
        readyTimeoutMs: 120_000,
        readyWhen: (probe) => probe.line((line) => (line.includes('"cluster-started"') ? true : undefined)),
      });
      const [run] = readdirSync(path.join(stateDir, 'runs')).map(
        (file) => JSON.parse(readFileSync(path.join(stateDir, 'runs', file), 'utf8')) as RunRecord,
      );
      const orphans = Object.entries(run!.processes);
      expect(orphans.map(([name]) => name).sort()).toEqual([
        'bank',
        'postgres',
        'store',
        'temporal-frontend',
        'temporal-history',
        'temporal-matching',
        'temporal-worker',
        'toxiproxy',
        'worker-1',
      ]);
      const backends = postgresChildren(run!.processes.postgres!.pid);
      const database = databaseDirOf(harness.pid);
      harness.signal('SIGKILL');
      await harness.exited;
      for (const [name, { pid }] of orphans) expect(identifyProcess(pid), `${name} outlived its harness`).toBeDefined();

      const [cleanup] = await cleanupStaleRuns(stateDir);
      expect(cleanup!.killed.map((k) => k.name).sort()).toEqual(orphans.map(([name]) => name).sort());
      // A backend notices its postmaster is gone and exits by itself.
      await waitUntil(
        'every process of the killed run gone',
        async () => [...orphans.map(([, { pid }]) => pid), ...backends].every((pid) => !alive(pid)),
        10_000,
      );
      // As root the database lives outside the run's directory: the next cluster's start removes it.
      if (database) {
        expect(existsSync(database)).toBe(true);
        postgresDataDir(root).remove();
        expect(existsSync(database)).toBe(false);
      }
    } finally {
      await cleanupStaleRuns(stateDir);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scenarios on the services cluster, through the runner (on the file’s cluster)', () => {
  it('temporal-history-killed: every invariant holds', async () => {
    const result = await scenarios.run(await packagedScenario('temporal-history-killed'), 1);
    expect(result.verdicts.length).toBeGreaterThan(0);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
    console.log(`temporal-history-killed on the services cluster: total ${(result.timings.totalMs / 1000).toFixed(1)} s`);
  });

  it('a deposit whose idempotency key changes on every attempt still breaks money-conserved there (the checkers bite)', async () => {
    const fixture = path.join(PROJECT_ROOT, 'test', 'fixtures', 'chaos', 'deposit-key-per-attempt.ts');
    const result = await scenarios.run(await packagedScenario('deposit-answer-lost'), 1, { code: { activitiesPath: fixture } });
    const failing = result.verdicts
      .filter((v) => !v.ok)
      .map((v) => v.checker)
      .sort();
    expect(failing).toEqual(['money-conserved', 'transfers-ended-validly']);
  });
});

// Last: it stops the file's cluster, which the scenarios above run on.
describe('stopping the services cluster', () => {
  it('stop leaves no process behind: every service, postgres and each of its backends', async () => {
    const { cluster } = world;
    const backends = postgresChildren(cluster.processes.get('postgres')!.pid!);
    expect(backends.length).toBeGreaterThan(3);
    const pids = [...[...cluster.processes.values()].map((part) => part.pid!), ...backends];
    expect(pids.every(alive)).toBe(true);
    await cluster.stop();
    await waitUntil('every process of the cluster gone', async () => pids.every((pid) => !alive(pid)), 10_000);
  });
});
